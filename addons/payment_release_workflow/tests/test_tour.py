"""Acceptance 3: the payment workflow in the browser (headless Chromium), as a preparer then an approver."""
from odoo import Command
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.tests.common import HttpCase, new_test_user, tagged

from .release_case import RISK_RULES

G = "finance_bridge_core.group_"


@tagged("post_install", "-at_install")
class TestPaymentTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        company.write({name: False for name in RISK_RULES if name in company._fields})
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        if not journal.bank_account_id:
            journal.bank_account_id = env["res.partner.bank"].create({
                "acc_number": iban_de(9_100_001), "partner_id": company.partner_id.id})
        conn = env["finance.bank.connection"].create({"name": "Tour folder", "provider": "iso20022_folder"})
        conn.setting_ids.filtered(lambda s: s.key == "outbound_path").value = "/tmp"
        conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = "/tmp"
        conn.account_ids = [Command.create({"journal_id": journal.id})]
        conn.action_activate()
        # No policy rule: the default one asks for one Payment Approver.
        vendor = env["res.partner"].create({"name": "Tour Vendor GmbH", "is_company": True})
        bank = env["res.partner.bank"].create({"partner_id": vendor.id, "acc_number": iban_de(9_200_001),
                                               "allow_out_payment": True})
        for n in (1, 2):
            bill = env["account.move"].create({
                "move_type": "in_invoice", "partner_id": vendor.id, "invoice_date": "2026-03-01",
                "ref": f"TOUR-BILL-{n}", "partner_bank_id": bank.id,
                "invoice_line_ids": [Command.create({"name": "Tour goods", "quantity": 1, "price_unit": 100 * n,
                                                     "tax_ids": []})]})
            bill.action_post()
        cls.preparer = new_test_user(env, "tour_preparer", password="tour_preparer",
                                     groups=f"base.group_user,account.group_account_invoice,{G}payment_preparer")
        # As the demo users: finance people with invoicing rights (the batch form shows its payments).
        cls.approver = new_test_user(env, "tour_approver", password="tour_approver",
                                     groups=f"base.group_user,account.group_account_invoice,{G}payment_approver")

    def test_prepare_submit_approve(self):
        self.start_tour("/odoo/action-account.action_move_in_invoice_type", "payment_release_prepare_tour",
                        login="tour_preparer", timeout=180)
        batch = self.env["finance.payment.batch"].search([("line_ids.move_id.ref", "=", "TOUR-BILL-1")])
        self.assertEqual((batch.state, batch.preparer_id), ("to_approve", self.preparer))
        self.assertEqual(sorted(batch.line_ids.move_id.mapped("ref")), ["TOUR-BILL-1", "TOUR-BILL-2"])
        batch.name = "TOUR-BATCH"     # the approver finds it by name on the kanban
        self.start_tour("/odoo/action-payment_release_workflow.action_finance_payment_batch",
                        "payment_release_approve_tour", login="tour_approver", timeout=180)
        self.assertEqual(batch.state, "approved")
        self.assertEqual(batch.approval_ids.user_id, self.approver)
