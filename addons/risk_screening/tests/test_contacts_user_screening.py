"""A contacts user without any Bank Connectivity group creates and edits partners over JSON-RPC.

Screening runs as server code for its decision (it reads the sanctions lists, records hits and the
partner's state) while the user's own rights stay as they were: he still cannot read list entries
or hits.
"""
from odoo.tests.common import HttpCase, new_test_user, tagged

from . import fixtures as fx


@tagged("post_install", "-at_install")
class TestContactsUserScreening(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.risk_threshold = 90
        cls.env.ref("risk_screening.source_ofac_sdn")._import_files(
            {"main": fx.OFAC_SDN.encode(), "alt": fx.OFAC_ALT.encode()})
        cls.clerk = new_test_user(cls.env, "fb_contacts_clerk", password="fb_contacts_clerk",
                                  groups="base.group_user,base.group_partner_manager")

    def rpc(self, model, method, args, kwargs=None):
        body = self.url_open("/web/dataset/call_kw", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}}}).json()
        return body.get("result"), (body.get("error") or {}).get("data", {})

    def test_contacts_user_creates_partners_and_screening_decides(self):
        self.assertFalse(self.clerk.has_group("finance_bridge_core.group_finance_user"))
        self.authenticate("fb_contacts_clerk", "fb_contacts_clerk")
        listed, error = self.rpc("res.partner", "create", [{"name": "Ivan Sergeyevich Petrov"}])
        self.assertFalse(error, error.get("message"))
        clear, error = self.rpc("res.partner", "create", [{"name": "Harmless Bakery Ltd", "is_company": True}])
        self.assertFalse(error, error.get("message"))
        partners = self.env["res.partner"].browse([listed, clear])
        self.assertEqual(partners.mapped("risk_state"), ["hit", "clear"])
        hit = partners[0].risk_hit_ids
        self.assertEqual((len(hit), hit.requested_by_id), (1, self.clerk), "the hit names who created the partner")
        # A rename is screened again, as the same user.
        _result, error = self.rpc("res.partner", "write", [[clear], {"name": "Al-Noor Exchange Company"}])
        self.assertFalse(error, error.get("message"))
        self.assertEqual(partners[1].risk_state, "hit")
        # Screening did not widen what the user may read.
        for model in ("risk.list.entry", "risk.screening.hit"):
            _result, error = self.rpc(model, "search_read", [[]], {"fields": ["id"], "limit": 1})
            self.assertEqual(error.get("name"), "odoo.exceptions.AccessError", model)
