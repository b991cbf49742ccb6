"""The archive reader without a database: limits before and while inflating, bounded memory,
and every hostile construction refused by name (archive and member)."""
import os
import tracemalloc
import unittest
import zipfile

from ..lib.errors import FormatError
from ..lib.safe_archive import ArchiveLimits, extract_archive, is_zip
from .hostile_zip import build_zip, corrupt_member, patch_entry_count, patch_member

XML = b'<?xml version="1.0"?><Document>' + b"<Ntry>x</Ntry>" * 200 + b"</Document>"


class TestSafeArchive(unittest.TestCase):
    def refused(self, data, fragment, limits=None, member=None):
        with self.assertRaises(FormatError) as caught:
            extract_archive(data, "in.zip", limits or ArchiveLimits())
        text = str(caught.exception)
        self.assertTrue(text.startswith("in.zip: "), text)
        self.assertIn(fragment, text)
        if member:
            self.assertIn(f"member {member}", text)
        return text

    def test_good_archive_extracted(self):
        members = extract_archive(build_zip([("a.xml", XML), ("dir/b.xml", XML + b" ")]), "in.zip")
        self.assertEqual([(m.name, len(m.data)) for m in members], [("a.xml", len(XML)), ("dir/b.xml", len(XML) + 1)])

    def test_stored_members_extracted(self):
        (member,) = extract_archive(build_zip([("a.xml", XML)], zipfile.ZIP_STORED), "in.zip")
        self.assertEqual(member.data, XML)

    def test_encrypted_flag(self):
        self.refused(patch_member(build_zip([("a.xml", XML)]), "a.xml", flags=0x1), "encrypted", member="a.xml")

    def test_method_99(self):
        self.refused(patch_member(build_zip([("a.xml", XML)]), "a.xml", method=99),
                     "unsupported compression method 99", member="a.xml")

    def test_bzip2_method_refused(self):
        self.refused(build_zip([("a.xml", XML)], zipfile.ZIP_BZIP2), "unsupported compression method 12")

    def test_corrupt_deflate(self):
        self.refused(corrupt_member(build_zip([("a.xml", XML)]), "a.xml"), "corrupt or unreadable member",
                     member="a.xml")

    def test_declared_size_smaller_than_content(self):
        self.refused(patch_member(build_zip([("a.xml", XML)]), "a.xml", size=100), "member a.xml")

    def test_declared_size_larger_than_content(self):
        self.refused(patch_member(build_zip([("a.xml", XML)]), "a.xml", size=len(XML) + 5000), "member a.xml")

    def test_declared_2gb_member_refused_before_inflating(self):
        data = patch_member(build_zip([("big.xml", XML)], zipfile.ZIP_STORED), "big.xml", size=2**31)
        self.refused(data, "declares 2147483648 bytes", member="big.xml")

    def test_compression_ratio(self):
        self.refused(build_zip([("zeros.xml", b"0" * (30 * 1024 * 1024))]), "compression ratio", member="zeros.xml")

    def test_total_size(self):
        members = [(f"m{i}.xml", os.urandom(300 * 1024)) for i in range(5)]
        self.refused(build_zip(members), "more than 1000000 bytes together",
                     ArchiveLimits(total_bytes=1_000_000), member="m3.xml")

    def test_member_size(self):
        self.refused(build_zip([("a.xml", os.urandom(300 * 1024))]), "at most 100000 per member",
                     ArchiveLimits(member_bytes=100_000), member="a.xml")

    def test_member_count(self):
        self.refused(build_zip([(f"f{i}.xml", XML) for i in range(6)]), "6 entries, at most 5", ArchiveLimits(members=5))

    def test_lying_entry_count(self):
        self.refused(patch_entry_count(build_zip([("a.xml", XML)]), 65000), "65000 entries")

    def test_nested_zip_by_name(self):
        self.refused(build_zip([("inner.zip", build_zip([("a.xml", XML)]))]), "nested archives", member="inner.zip")

    def test_nested_zip_by_content(self):
        self.refused(build_zip([("inner.xml", build_zip([("a.xml", XML)]))]), "nested archives", member="inner.xml")

    def test_nested_gzip_by_content(self):
        import gzip
        self.refused(build_zip([("a.xml", gzip.compress(XML))]), "nested archives", member="a.xml")

    def test_path_traversal(self):
        self.refused(build_zip([("../../etc/cron.d/x.xml", XML)]), "unsafe member name")

    def test_absolute_path(self):
        self.refused(build_zip([("/etc/passwd.xml", XML)]), "unsafe member name")

    def test_windows_drive(self):
        self.refused(build_zip([("C:/boot.xml", XML)]), "unsafe member name")

    def test_duplicate_names(self):
        self.refused(build_zip([("a.xml", XML), ("a.xml", XML + b" ")]), "two members of this name", member="a.xml")

    def test_zero_length_member(self):
        self.refused(build_zip([("empty.xml", b"")]), "empty member", member="empty.xml")

    def test_no_file_in_archive(self):
        self.refused(build_zip([("dir/", b"")]), "holds no file")

    def test_not_a_zip(self):
        self.refused(b"this is text, not a zip" * 10, "not a valid zip archive")

    def test_zero_length_archive(self):
        self.refused(b"", "not a valid zip archive")

    def test_truncated_archive(self):
        data = build_zip([("a.xml", XML)])
        self.refused(data[: len(data) // 2], "not a valid zip archive")

    def test_is_zip_by_signature_or_name(self):
        self.assertTrue(is_zip(b"PK\x03\x04rest", "x.bin"))
        self.assertTrue(is_zip(b"garbage", "X.ZIP"))
        self.assertFalse(is_zip(b"<?xml", "x.xml"))

    def peak_while_refused(self, data):
        """Peak of Python allocations while ``data`` is refused."""
        tracemalloc.start()
        try:
            with self.assertRaises(FormatError):
                extract_archive(data, "in.zip")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    def test_memory_bounded_while_refusing_a_large_archive(self):
        """A 64 MB stored member declared as 1 KB: refused while inflating, never held whole."""
        payload = b"A" * (64 * 1024 * 1024)
        data = patch_member(build_zip([("big.xml", payload)], zipfile.ZIP_STORED), "big.xml", size=1024)
        del payload
        peak = self.peak_while_refused(data)
        self.assertLess(peak, 4 * 1024 * 1024, f"peak {peak} bytes")

    def test_memory_bounded_for_declared_huge_archive(self):
        data = patch_member(build_zip([("big.xml", XML)]), "big.xml", size=2**32 - 1)
        self.assertLess(self.peak_while_refused(data), 1024 * 1024)

    def test_memory_bounded_for_a_bomb(self):
        """30 MB of zeros (about 30 KB packed) refused by ratio before a byte is inflated."""
        data = build_zip([("zeros.xml", bytes(30 * 1024 * 1024))])
        self.assertLess(self.peak_while_refused(data), 1024 * 1024)
