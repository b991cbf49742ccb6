"""Base of the cross-addon scenarios in this folder.

Odoo gives test tags only to test classes that live inside an addon; these
scenarios live beside the addons, so they declare their tags themselves.
"""
from odoo.tests.common import TransactionCase


class ScenarioCase(TransactionCase):
    test_tags = {"standard", "post_install"}
    test_module = "finance_bridge_scenarios"
