"""The folder roots the server administrator allowed (server configuration, never the database)."""
import os

from odoo.tools import config

from ..lib.path_confinement import ROOTS_ENV, ROOTS_OPTION, parse_roots


def configured_folder_roots():
    """Resolved roots from ``finance_bridge_folder_roots`` in odoo.conf, or the environment."""
    return parse_roots(config.get(ROOTS_OPTION) or os.environ.get(ROOTS_ENV))
