"""Splitting a statement line: parts settling open items or written to accounts, the Odoo way
(several counterparts on the line's entry), refused when the parts do not add up; Reset undoes it."""
from odoo import Command
from odoo.exceptions import UserError

from .common import ReconcileCase


class TestSplitLine(ReconcileCase):
    def split(self, line, parts):
        wizard = self.env["finance.reconcile.split"].with_context(
            active_model="account.bank.statement.line", active_id=line.id).create({})
        wizard.part_ids = [Command.create(part) for part in parts]
        return wizard

    def test_split_into_two_invoices_and_bank_fees_then_undo(self):
        first, second = self.invoice(100.0), self.invoice(80.0, partner=self.other)
        line = self.bank_line(150.0, label="one transfer for two customers, minus fees")
        wizard = self.split(line, [
            {"amount": 100.0, "move_line_id": self.receivable(first).id},
            {"amount": 30.0, "move_line_id": self.receivable(second).id},
            {"amount": 20.0, "account_id": self.charges_account.id, "label": "Fees"}])
        self.assertEqual(wizard.remaining, 0.0)
        wizard.action_split()
        self.assertTrue(line.is_reconciled)
        _liquidity, suspense, other = line._seek_for_lines()
        self.assertFalse(suspense)
        self.assertEqual(sorted(other.mapped("balance")), [-100.0, -30.0, -20.0])
        self.assertEqual(other.filtered(lambda aml: aml.account_id == self.charges_account).name, "Fees")
        self.assertEqual((first.payment_state, second.payment_state), ("paid", "partial"))
        self.assertEqual(second.amount_residual, 50.0)
        event = self.env["finance.audit.event"].search([("event_type", "=", "reconcile.split")], limit=1)
        self.assertIn("split in 3 parts", event.summary)

        line.action_finance_reset()
        liquidity_after, suspense_after, other_after = line._seek_for_lines()
        self.assertFalse(other_after)
        self.assertEqual((suspense_after.balance, liquidity_after.balance), (-150.0, 150.0))
        self.assertFalse(line.is_reconciled)
        self.assertEqual((first.payment_state, second.payment_state), ("not_paid", "not_paid"))

    def test_parts_must_add_up_to_the_line(self):
        invoice = self.invoice(100.0)
        line = self.bank_line(150.0)
        wizard = self.split(line, [{"amount": 100.0, "move_line_id": self.receivable(invoice).id},
                                   {"amount": 40.0, "account_id": self.charges_account.id}])
        with self.assertRaisesRegex(UserError, "add up to 140.0, the line is 150.0: 10.0 is not given"):
            wizard.action_split()
        self.assertFalse(line.is_reconciled)

    def test_a_part_cannot_exceed_its_item_nor_be_two_things(self):
        invoice = self.invoice(100.0)
        line = self.bank_line(150.0)
        with self.assertRaisesRegex(UserError, "Part 1 .*has 100.0 open"):
            self.split(line, [{"amount": 150.0, "move_line_id": self.receivable(invoice).id}]).action_split()
        with self.assertRaisesRegex(UserError, "Part 1 .*either an open item or an account"):
            self.split(line, [{"amount": 150.0, "move_line_id": self.receivable(invoice).id,
                               "account_id": self.charges_account.id}]).action_split()
        with self.assertRaisesRegex(UserError, "in two parts"):
            self.split(line, [{"amount": 50.0, "move_line_id": self.receivable(invoice).id},
                              {"amount": 50.0, "move_line_id": self.receivable(invoice).id},
                              {"amount": 50.0, "account_id": self.charges_account.id}]).action_split()

    def test_a_reconciled_line_is_not_split_again(self):
        invoice = self.invoice(60.0)
        line = self.bank_line(60.0)
        self.split(line, [{"amount": 60.0, "move_line_id": self.receivable(invoice).id}]).action_split()
        with self.assertRaisesRegex(UserError, "already reconciled"):
            self.split(line, [{"amount": 60.0, "account_id": self.charges_account.id}]).action_split()
