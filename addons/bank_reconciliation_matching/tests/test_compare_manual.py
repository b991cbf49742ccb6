"""Our reconciliation gives, column by column, the journal items of the same reconciliation done
by hand through the ORM (the suspense item re-assigned to the receivable, then ``reconcile()``)."""
from odoo import Command

from .common import ReconcileCase

# Columns that differ between any two records by nature (ids, names, timestamps, sequence
# numbers) or that point to per-side records; the latter are compared as "set / not set".
IDENTITY = {"id", "create_uid", "create_date", "write_uid", "write_date", "move_id", "move_name", "name", "ref",
            "statement_line_id", "statement_id", "sequence", "date", "invoice_date", "date_maturity",
            "search_date", "payment_date"}
PRESENCE = {"full_reconcile_id", "matching_number", "matched_debit_ids", "matched_credit_ids"}


def snapshot(lines):
    rows = []
    for line in lines.sorted(lambda aml: (aml.account_id.code, aml.balance)):
        row = {}
        for name, field in line._fields.items():
            if not field.store or name in IDENTITY:
                continue
            value = line[name]
            if name in PRESENCE:
                value = bool(value)
            elif field.type in ("many2one", "many2many", "one2many"):
                value = tuple(value.ids)
            row[name] = value
        rows.append(row)
    return rows


class TestCompareWithManualReconciliation(ReconcileCase):
    def manual(self, st_line, invoice, amount=None):
        receivable = self.receivable(invoice)
        liquidity, suspense, _other = st_line._seek_for_lines()
        amount = amount if amount is not None else -suspense.amount_currency
        st_line.move_id.with_context(skip_readonly_check=True).write({"line_ids": [
            Command.update(suspense.id, {"account_id": receivable.account_id.id, "partner_id": receivable.partner_id.id,
                                         "name": invoice.name})]})
        counterpart = st_line.move_id.line_ids - liquidity
        (counterpart + receivable).reconcile()

    def compare(self, amount_invoice, amount_line):
        ours_inv, hand_inv = self.invoice(amount_invoice), self.invoice(amount_invoice)
        ours = self.bank_line(amount_line, label=ours_inv.name, partner=self.customer)
        hand = self.bank_line(amount_line, label=hand_inv.name, partner=self.customer)
        self.Matcher._match(ours)
        self.best(ours).action_accept()
        self.manual(hand, hand_inv)
        self.assertEqual(ours.move_id.line_ids.mapped("account_id.code").__len__(), 2)
        self.assertEqual(snapshot(ours.move_id.line_ids), snapshot(hand.move_id.line_ids))
        self.assertEqual(snapshot(ours_inv.line_ids), snapshot(hand_inv.line_ids))
        for field in ("payment_state", "amount_residual", "is_reconciled"):
            record_ours = ours_inv if field in ours_inv._fields else ours
            record_hand = hand_inv if field in hand_inv._fields else hand
            self.assertEqual(record_ours[field], record_hand[field], field)
        self.assertEqual((ours.is_reconciled, ours.amount_residual), (hand.is_reconciled, hand.amount_residual))
        return ours_inv

    def test_full_payment_column_by_column(self):
        self.assertEqual(self.compare(250.0, 250.0).payment_state, "paid")

    def test_partial_payment_column_by_column(self):
        self.assertEqual(self.compare(250.0, 100.0).payment_state, "partial")
