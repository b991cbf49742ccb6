"""Sanctions lists are shared by every company: company B's administrators cannot change them for A.

A list source (its URLs) and the list content it imports decide what every company is screened
against, so only a user allowed in every company may edit a source or upload a list file into it.
"""
import base64

from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.tests.common import tagged

from . import fixtures as fx


@tagged("post_install", "-at_install")
class TestSharedListsOverRpc(RpcAttackCase):
    adversarial_class = "multi_company"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ofac = cls.env.ref("risk_screening.source_ofac_sdn")
        cls.ofac._import_files({"main": fx.OFAC_SDN.encode(), "alt": fx.OFAC_ALT.encode()})
        cls.admin_b = cls.users[("conn_admin", "b")].login

    def test_company_b_admin_edits_a_shared_list_source(self):
        url, version = self.ofac.url, self.ofac.active_version_id
        for vals in ({"url": "http://127.0.0.1:9/sdn.csv"}, {"auto_update": False}, {"active": False},
                     {"active_version_id": False}):
            self.assertRefused(self.call_kw(self.admin_b, "risk.list.source", "write", [self.ofac.ids, vals]))
        self.assertRefused(self.call_kw(self.admin_b, "risk.list.source", "unlink", [self.ofac.ids]))
        self.assertRefused(self.call_kw(self.admin_b, "risk.list.source", "create", [{
            "name": "B's own OFAC", "list_format": self.ofac.list_format}]))
        self.ofac.invalidate_recordset()
        self.assertEqual((self.ofac.url, self.ofac.active_version_id, self.ofac.active), (url, version, True))

    def test_company_b_admin_uploads_a_doctored_list(self):
        """A list without the listed names would clear company A's counterparties too."""
        version = self.ofac.active_version_id
        doctored = "\r\n".join(line for line in fx.OFAC_SDN.split("\r\n") if "PETROV" not in line)
        wizard = self.call_kw(self.admin_b, "risk.list.upload", "create", [{
            "source_id": self.ofac.id, "file": base64.b64encode(doctored.encode()).decode(), "filename": "sdn.csv"}])
        self.assertTrue(wizard.ok, wizard)
        self.assertRefused(self.call_button(self.admin_b, "risk.list.upload", "action_import", [wizard.result]))
        self.ofac.invalidate_recordset()
        self.assertEqual(self.ofac.active_version_id, version)
        self.assertTrue(self.env["risk.list.entry"].search_count(
            [("source_id", "=", self.ofac.id), ("name", "ilike", "PETROV")]))
