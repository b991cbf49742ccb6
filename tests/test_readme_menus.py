"""Acceptance 2 of issue 12: every menu path the README names exists on a fresh database, as the
names the screens show, and admin sees it.

A path is an italic run of names joined by " → " (``*Invoicing → Bank Connectivity → Sync Runs*``)
in README.md, or one starting at *Invoicing* in an addon's readme. Each name must be a menu under
the previous one.
"""
import pathlib
import re

from scenario_case import ScenarioCase

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATH_RE = re.compile(r"\*([^*\n]+?(?: →\s+[^*\n]+?)+)\*")


def menu_paths(text):
    """The arrow paths of a markdown text, as tuples of names (line breaks inside a path allowed)."""
    text = re.sub(r"\s*\n\s*", " ", text)
    return [tuple(part.strip() for part in match.split("→")) for match in PATH_RE.findall(text)]


class TestReadmeMenus(ScenarioCase):
    def _readme_paths(self):
        paths = {p: "README.md" for p in menu_paths((ROOT / "README.md").read_text())}
        for readme in sorted(ROOT.glob("addons/*/readme/*.md")):
            for path in menu_paths(readme.read_text()):
                if path[0] == "Invoicing":
                    paths.setdefault(path, str(readme.relative_to(ROOT)))
        return paths

    def test_the_parser_reads_paths_across_lines(self):
        self.assertEqual(menu_paths("open *Invoicing → Bank\n   Connectivity → Sync Runs* and *Not a path*"),
                         [("Invoicing", "Bank Connectivity", "Sync Runs")])

    def test_every_menu_path_exists(self):
        paths = self._readme_paths()
        self.assertIn(("Invoicing", "Bank Connectivity", "Bank Transactions"), paths)
        self.assertIn(("Settings", "Users & Companies", "Users"), paths)
        Menu = self.env["ir.ui.menu"].with_user(self.env.ref("base.user_admin"))
        visible = Menu._visible_menu_ids()
        for path, source in paths.items():
            with self.subTest(path=" → ".join(path), source=source):
                parent = False
                for name in path:
                    menu = Menu.search([("parent_id", "=", parent), ("name", "=", name)], limit=1)
                    self.assertTrue(menu, f"{source}: no menu {name!r} in {' → '.join(path)}")
                    self.assertIn(menu.id, visible, f"{source}: admin does not see {name!r}")
                    parent = menu.id
