"""Make `odoo.addons.<addon>` of this repository importable in plain scripts (no server, no database)."""
import pathlib

import odoo.addons

ADDONS = str(pathlib.Path(__file__).resolve().parent.parent / "addons")
if ADDONS not in odoo.addons.__path__:
    odoo.addons.__path__.append(ADDONS)
