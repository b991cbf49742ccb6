"""The folder-root rule and the descriptor-relative folder, without a database (real temp dirs)."""
import os
import shutil
import tempfile
import unittest

from ..lib.errors import ConfigurationError, ProviderError
from ..lib.path_confinement import ConfinedDir, PathConfinementError, confine, parse_roots


class TestPathConfinement(unittest.TestCase):
    def setUp(self):
        self.base = tempfile.mkdtemp(prefix="fb_confine_")
        self.addCleanup(shutil.rmtree, self.base, True)
        self.root = os.path.join(self.base, "root")
        self.outside = os.path.join(self.base, "outside")
        os.makedirs(os.path.join(self.root, "bank", "in"))
        os.makedirs(self.outside)
        with open(os.path.join(self.outside, "secret.conf"), "w") as handle:
            handle.write("admin_passwd = hunter2\n")
        self.roots = parse_roots(self.root)

    def test_parse_roots(self):
        roots = parse_roots(f" {self.root} ,{os.pathsep}{self.outside}/../outside ")
        self.assertEqual(roots, (os.path.realpath(self.root), os.path.realpath(self.outside)))
        self.assertEqual(parse_roots(""), ())
        with self.assertRaisesRegex(ConfigurationError, "not an absolute path"):
            parse_roots("relative/dir")

    def test_inside_accepted_and_resolved(self):
        path = os.path.join(self.root, "bank", "in")
        self.assertEqual(confine(path + "/./", self.roots), os.path.realpath(path))
        self.assertEqual(confine(self.root, self.roots), os.path.realpath(self.root))

    def test_outside_dotdot_prefix_and_relative_refused(self):
        for path in (self.outside, os.path.join(self.root, "..", "outside"), self.root + "-evil", "bank/in", ""):
            with self.assertRaises(PathConfinementError, msg=path):
                confine(path, self.roots)

    def test_symlink_out_refused_and_named(self):
        link = os.path.join(self.root, "link")
        os.symlink(self.outside, link)
        with self.assertRaisesRegex(PathConfinementError, f"resolves to {os.path.realpath(self.outside)}.*"
                                                          "finance_bridge_folder_roots"):
            confine(link, self.roots)

    def test_no_roots_tells_the_admin_what_to_set(self):
        with self.assertRaisesRegex(PathConfinementError, "no folder roots are configured.*finance_bridge_folder_roots"):
            confine(self.root, ())

    def test_folder_swapped_between_check_and_use_is_held_by_descriptor(self):
        inbound = os.path.join(self.root, "bank", "in")
        with open(os.path.join(inbound, "a.xml"), "wb") as handle:
            handle.write(b"<a/>")
        with ConfinedDir.open(inbound, self.roots) as folder:
            moved = inbound + ".old"
            os.rename(inbound, moved)
            os.symlink(self.outside, inbound)          # swapped after opening
            self.assertEqual(folder.files(), ["a.xml"])  # still the folder that was checked
            self.assertEqual(folder.read("a.xml"), b"<a/>")
        with self.assertRaises(PathConfinementError):
            ConfinedDir.open(inbound, self.roots)

    def test_symlinked_file_never_listed_nor_read(self):
        inbound = os.path.join(self.root, "bank", "in")
        os.symlink(os.path.join(self.outside, "secret.conf"), os.path.join(inbound, "stmt.xml"))
        with ConfinedDir.open(inbound, self.roots) as folder:
            self.assertEqual(folder.files(), [])
            with self.assertRaisesRegex(PathConfinementError, "stmt.xml is a symbolic link"):
                folder.read("stmt.xml")
            with self.assertRaisesRegex(PathConfinementError, "not a regular file"):
                folder.move("stmt.xml", folder)

    def test_names_cannot_climb(self):
        inbound = os.path.join(self.root, "bank", "in")
        with ConfinedDir.open(inbound, self.roots) as folder:
            for name in ("../../../outside/secret.conf", "..", "sub/file", ""):
                with self.assertRaisesRegex(PathConfinementError, "not a plain file name", msg=name):
                    folder.read(name)
            with self.assertRaisesRegex(PathConfinementError, "not a plain file name"):
                folder.write_atomic("../escape.xml", b"x")

    def test_subfolder_symlink_refused_and_move_stays_inside(self):
        inbound = os.path.join(self.root, "bank", "in")
        with open(os.path.join(inbound, "ok.xml"), "wb") as handle:
            handle.write(b"x")
        os.symlink(self.outside, os.path.join(inbound, "failed"))
        with ConfinedDir.open(inbound, self.roots) as folder:
            with self.assertRaisesRegex(PathConfinementError, "failed is a symbolic link"):
                folder.subdir("failed")
            with folder.subdir("processed") as processed:
                self.assertTrue(folder.move("ok.xml", processed))
                self.assertFalse(folder.move("ok.xml", processed))
        self.assertEqual(os.listdir(os.path.join(inbound, "processed")), ["ok.xml"])
        self.assertEqual(sorted(os.listdir(self.outside)), ["secret.conf"])

    def test_write_atomic_does_not_follow_a_planted_part_link(self):
        outbound = os.path.join(self.root, "bank")
        os.symlink(os.path.join(self.outside, "secret.conf"), os.path.join(outbound, ".pay.xml.part"))
        with ConfinedDir.open(outbound, self.roots) as folder:
            folder.write_atomic("pay.xml", b"<pain/>")
            self.assertEqual(folder.read("pay.xml"), b"<pain/>")
        with open(os.path.join(self.outside, "secret.conf")) as handle:
            self.assertIn("hunter2", handle.read())

    def test_missing_folder_is_retryable(self):
        with self.assertRaises(ProviderError) as caught:
            ConfinedDir.open(os.path.join(self.root, "later"), self.roots)
        self.assertTrue(caught.exception.retryable)
