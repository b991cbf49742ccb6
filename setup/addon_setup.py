"""Build one addon as the wheel ``odoo-addon-<name>`` (OCA naming), from its manifest.

Each ``setup/<addon>/setup.py`` calls ``setup_addon(__file__)``; the addon is
reached through the symlink ``setup/<addon>/odoo/addons/<addon>``.
"""
import ast
import pathlib
import re

import setuptools

ODOO_SERIES = "19.0"
# Addons shipped with Odoo itself: no wheel to depend on.
ODOO_CORE_ADDONS = {"base", "web", "mail", "account", "payment", "base_setup", "bus", "portal"}


def read_manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))


def requirement_ranges(requirements_file):
    """Name -> full specifier from the runtime part of requirements.txt (up to the "# Tests" line),
    so a wheel asks for the same version ranges the suite is tested with."""
    ranges = {}
    for raw in requirements_file.read_text(encoding="utf-8").splitlines():
        if raw.startswith("# Tests"):
            break
        spec = raw.split("#", 1)[0].strip()
        if spec:
            name = re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]
            ranges[re.sub(r"[-_.]+", "-", name).lower()] = spec
    return ranges


def runtime_requirement(name, ranges):
    return ranges.get(re.sub(r"[-_.]+", "-", name).lower(), name)


def setup_addon(setup_file):
    here = pathlib.Path(setup_file).resolve().parent
    name = here.name
    addon_dir = here / "odoo" / "addons" / name
    manifest = read_manifest(addon_dir)
    version = manifest["version"]
    if not version.startswith(ODOO_SERIES + "."):
        raise SystemExit(f"{name}: version {version} is not of the {ODOO_SERIES} series")
    requires = [f"odoo>={ODOO_SERIES}a,<{ODOO_SERIES[:-1]}1dev"]
    requires += [f"odoo-addon-{dep}>={ODOO_SERIES}dev,<{ODOO_SERIES[:-1]}1dev"
                 for dep in manifest.get("depends", []) if dep not in ODOO_CORE_ADDONS]
    ranges = requirement_ranges(here.parent.parent / "requirements.txt")
    requires += [runtime_requirement(dep, ranges)
                 for dep in manifest.get("external_dependencies", {}).get("python", [])]
    readme = addon_dir / "readme" / "DESCRIPTION.md"
    setuptools.setup(
        name=f"odoo-addon-{name}",
        version=version,
        description=manifest.get("summary", manifest["name"]),
        long_description=readme.read_text(encoding="utf-8") if readme.exists() else "",
        long_description_content_type="text/markdown",
        license=manifest["license"],
        author=manifest.get("author"),
        url=manifest.get("website"),
        python_requires=">=3.10",
        # The addon's tests stay in the repository: an installed addon carries no test code.
        packages=setuptools.find_namespace_packages(
            include=[f"odoo.addons.{name}", f"odoo.addons.{name}.*"],
            exclude=[f"odoo.addons.{name}.tests", f"odoo.addons.{name}.tests.*"]),
        package_data={f"odoo.addons.{name}": ["**/*"]},
        exclude_package_data={f"odoo.addons.{name}": ["tests/*", "tests/**/*"]},
        install_requires=requires,
        classifiers=["Framework :: Odoo", f"Framework :: Odoo :: {ODOO_SERIES}",
                     "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
                     "Programming Language :: Python :: 3"],
        zip_safe=False,
    )
