"""Every addon is installable, licensed, documented and builds as an odoo-addon-<name> wheel."""
import ast
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent for p in (ROOT / "addons").glob("*/__manifest__.py"))


class TestPackaging(unittest.TestCase):
    def test_there_are_addons(self):
        self.assertIn("finance_bridge_core", [a.name for a in ADDONS])

    def test_manifests(self):
        requirements = (ROOT / "requirements.txt").read_text()
        for addon in ADDONS:
            with self.subTest(addon=addon.name):
                manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
                self.assertEqual(manifest["license"], "LGPL-3")
                self.assertTrue(manifest["version"].startswith("19.0."))
                for path in manifest.get("data", []) + manifest.get("demo", []):
                    self.assertTrue((addon / path).is_file(), f"{addon.name}: {path} listed but missing")
                for dep in manifest.get("external_dependencies", {}).get("python", []):
                    self.assertIn(dep, requirements, f"{dep} missing from requirements.txt")
                for name in ("DESCRIPTION.md", "USAGE.md", "CONFIGURE.md"):
                    self.assertTrue((addon / "readme" / name).is_file(), f"{addon.name}: readme/{name}")

    def test_every_model_has_access_rules(self):
        for addon in ADDONS:
            if not (addon / "models").is_dir():
                continue  # pure adapters: no models of their own
            csv = (addon / "security" / "ir.model.access.csv").read_text()
            for py in (addon / "models").glob("*.py"):
                tree = ast.parse(py.read_text())
                for node in ast.walk(tree):
                    if isinstance(node, ast.ClassDef):
                        body = {t.targets[0].id: t.value for t in node.body
                                if isinstance(t, ast.Assign) and isinstance(t.targets[0], ast.Name)}
                        name = body.get("_name")
                        abstract = any(getattr(b, "attr", "") in ("AbstractModel", "TransientModel")
                                       for b in node.bases)
                        if isinstance(name, ast.Constant) and not abstract:
                            model_ref = "model_" + name.value.replace(".", "_")
                            self.assertIn(f",{model_ref},", csv, f"{name.value} has no access rule")

    def test_wheels_build(self):
        for addon in ADDONS:
            with self.subTest(addon=addon.name), tempfile.TemporaryDirectory() as out:
                setup_dir = ROOT / "setup" / addon.name
                self.assertTrue((setup_dir / "odoo" / "addons" / addon.name / "__manifest__.py").exists())
                # A build folder left by an earlier, interrupted build would be packed again as is.
                shutil.rmtree(setup_dir / "build", ignore_errors=True)
                subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                                "--no-build-isolation", "-w", out, "."], cwd=setup_dir, check=True, timeout=300)
                wheels = list(pathlib.Path(out).glob("*.whl"))
                self.assertEqual([w.name.split("-")[0] for w in wheels], [f"odoo_addon_{addon.name}"])
                with zipfile.ZipFile(wheels[0]) as wheel:
                    names = wheel.namelist()
                    self.assertIn(f"odoo/addons/{addon.name}/__manifest__.py", names)
                    meta = next(n for n in names if n.endswith("METADATA"))
                    # PEP 503: odoo-addon-finance_bridge_core and odoo-addon-finance-bridge-core are one name.
                    name_line = next(line for line in wheel.read(meta).decode().splitlines()
                                     if line.startswith("Name: "))
                    self.assertEqual(re.sub(r"[-_.]+", "-", name_line[6:]),
                                     re.sub(r"[-_.]+", "-", f"odoo-addon-{addon.name}"))
                    self.assertFalse([n for n in names if f"/{addon.name}/tests/" in n],
                                     "an installed addon carries no tests")
                    self.assertIn(f"odoo/addons/{addon.name}/static/description/icon.png", names)
                    requires = [line[len("Requires-Dist: "):] for line in wheel.read(meta).decode().splitlines()
                                if line.startswith("Requires-Dist: ")]
                    self._assert_requirement_ranges(addon, requires)

    def _assert_requirement_ranges(self, addon, requires):
        """Each Python dependency of the manifest is required with the range requirements.txt has."""
        wanted = {}
        for raw in (ROOT / "requirements.txt").read_text().split("# Tests")[0].splitlines():
            spec = raw.split("#")[0].strip()
            if spec:
                name = re.split(r"[<>=!~ ]", spec, maxsplit=1)[0]
                wanted[name.lower()] = set(re.findall(r"[<>=!~]=?[^,<>=!~ ]+", spec))
        manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
        for dep in manifest.get("external_dependencies", {}).get("python", []):
            found = [r for r in requires if re.split(r"[<>=!~ ;]", r, maxsplit=1)[0].lower() == dep.lower()]
            self.assertEqual(len(found), 1, f"{addon.name}: {dep} not among {requires}")
            self.assertEqual(set(re.findall(r"[<>=!~]=?[^,<>=!~ ;]+", found[0])), wanted[dep.lower()], found[0])
            self.assertTrue(wanted[dep.lower()], f"requirements.txt gives {dep} no version range")

    def test_every_addon_has_an_icon(self):
        for addon in ADDONS:
            with self.subTest(addon=addon.name):
                icon = addon / "static" / "description" / "icon.png"
                self.assertTrue(icon.is_file(), f"{addon.name}: no icon in Apps")
                self.assertEqual(icon.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
