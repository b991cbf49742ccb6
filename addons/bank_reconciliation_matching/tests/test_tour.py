"""The review screen in a real browser (headless Chromium): accept a suggestion by keyboard and
with the mouse, match by hand."""
from odoo import Command
from odoo.addons.account.tools.structured_reference import format_structured_reference_iso
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestReconcileTour(HttpCase):
    def test_review_screen_tour(self):
        env = self.env
        journal = env["account.journal"].create({"name": "Tour Bank", "code": "TOURB", "type": "bank"})
        partner = env["res.partner"].create({"name": "Tour Customer"})
        income = env["account.account"].search([("account_type", "=", "income"),
                                                ("company_ids", "in", env.company.id)], limit=1)
        invoices = env["account.move"]
        hotkey_ref = format_structured_reference_iso(4711)
        for amount, ref in ((100.0, "RF18 5390 0754 7034"), (42.0, "TOUR-INV"), (77.0, hotkey_ref)):
            inv = env["account.move"].create({
                "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": "2026-03-01",
                "invoice_line_ids": [Command.create({"name": "x", "quantity": 1, "price_unit": amount,
                                                     "account_id": income.id, "tax_ids": []})]})
            inv.action_post()
            inv.payment_reference = ref
            inv.ref = ref
            invoices |= inv
        Line = env["account.bank.statement.line"]
        lines = Line.create([
            {"journal_id": journal.id, "date": "2026-03-05", "payment_ref": "Tour RF payment RF18539007547034",
             "amount": 100.0},
            {"journal_id": journal.id, "date": "2026-03-05", "payment_ref": "Tour manual line", "amount": 42.0},
            {"journal_id": journal.id, "date": "2026-03-05", "amount": 77.0,
             "payment_ref": f"Tour hotkey line {hotkey_ref.replace(' ', '')}"}])
        env["finance.reconcile.matcher"]._match(lines)
        self.start_tour("/odoo/action-bank_reconciliation_matching.action_finance_reconcile_lines?"
                        "debug=0", "bank_reconciliation_matching_tour", login="admin", timeout=120)
        self.assertTrue(all(lines.mapped("is_reconciled")))
        self.assertEqual(invoices.mapped("payment_state"), ["paid", "paid", "paid"])
