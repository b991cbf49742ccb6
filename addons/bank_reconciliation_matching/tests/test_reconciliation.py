"""Matching and reconciling real statement lines against real invoices, through Odoo's accounting."""
from odoo import Command
from odoo.exceptions import UserError

from .common import ReconcileCase

RF = "RF18 5390 0754 7034"


class TestReconciliation(ReconcileCase):
    def test_structured_reference_suggestion_and_accept(self):
        inv = self.invoice(100.0, reference=RF)
        line = self.bank_line(100.0, label="Payment", details={"remittance_structured": "RF18539007547034"})
        counts = self.Matcher._match(line)
        self.assertEqual(counts, {"auto": 0, "suggested": 1, "unmatched": 0})
        best = self.best(line)
        self.assertEqual((best.rule, best.score, best.move_line_ids), ("structured_reference", 99, self.receivable(inv)))
        self.assertIn("structured reference RF18539007547034", best.explanation)
        self.assertEqual(line.finance_match_status, "suggested")
        best.action_accept()
        self.assertTrue(line.is_reconciled)
        self.assertEqual(inv.payment_state, "paid")
        self.assertEqual(best.state, "accepted")

    def test_wrong_check_digits_never_suggested(self):
        self.invoice(100.0, partner=self.other, reference=RF)
        line = self.bank_line(100.0, label="RF19 5390 0754 7034")
        self.Matcher._match(line)
        self.assertFalse(line.finance_suggestion_ids)
        self.assertEqual(line.finance_match_status, "unmatched")

    def test_auto_reconcile_only_where_switched_on(self):
        inv = self.invoice(100.0, reference=RF)
        line = self.bank_line(100.0, label=f"thanks {RF}")
        self.Matcher._match(line, auto=True)
        self.assertFalse(line.is_reconciled, "journals do not reconcile automatically by default")
        self.journal.finance_auto_reconcile = True
        self.assertEqual(self.Matcher._match(line, auto=True)["auto"], 1)
        self.assertTrue(line.is_reconciled)
        self.assertEqual(inv.payment_state, "paid")
        self.assertEqual(line.finance_suggestion_ids.filtered(lambda s: s.rank == 1).state, "auto")

    def test_journal_threshold_above_score_is_review(self):
        self.invoice(100.0, reference=RF)
        self.journal.write({"finance_auto_reconcile": True, "finance_match_threshold": 100})
        line = self.bank_line(100.0, label=RF)
        self.assertEqual(self.Matcher._match(line, auto=True)["auto"], 0)
        self.assertIn("below 100", self.best(line).reason)

    def test_partial_then_rest(self):
        inv = self.invoice(300.0)
        first = self.bank_line(100.0, label=f"{inv.name} first part", partner=self.customer)
        self.Matcher._match(first)
        self.assertEqual(self.best(first).difference_kind, "partial")
        self.best(first).action_accept()
        self.assertEqual(inv.payment_state, "partial")
        self.assertAlmostEqual(inv.amount_residual, 200.0)
        second = self.bank_line(200.0, label=f"{inv.name} rest", partner=self.customer)
        self.Matcher._match(second)
        self.best(second).action_accept()
        self.assertEqual(inv.payment_state, "paid")
        self.assertTrue(first.is_reconciled and second.is_reconciled)

    def test_one_payment_several_invoices(self):
        a, b = self.invoice(100.0), self.invoice(50.0)
        line = self.bank_line(150.0, label=f"{a.name} {b.name}", partner=self.customer)
        self.Matcher._match(line)
        self.assertEqual(self.best(line).move_line_ids, self.receivable(a) | self.receivable(b))
        self.best(line).action_accept()
        self.assertEqual((a.payment_state, b.payment_state), ("paid", "paid"))

    def test_iban_partner_and_subset_sum(self):
        a, _b, c = self.invoice(40.0), self.invoice(70.0), self.invoice(25.0)
        line = self.bank_line(65.0, label="payment", iban=self.customer_iban)
        self.Matcher._match(line)
        best = self.best(line)
        self.assertEqual((best.rule, best.move_line_ids), ("partner_amount", self.receivable(a) | self.receivable(c)))
        self.assertIn("counterparty IBAN", best.explanation)

    def test_write_off_within_tolerance(self):
        inv = self.invoice(100.0)
        line = self.bank_line(99.7, label=inv.name, partner=self.customer)
        self.Matcher._match(line)
        self.assertEqual(self.best(line).difference_kind, "writeoff")
        self.best(line).action_accept()
        self.assertEqual(inv.payment_state, "paid")
        writeoff = line.move_id.line_ids.filtered(lambda aml: aml.account_id == self.writeoff_account)
        self.assertAlmostEqual(writeoff.balance, 0.3)
        self.assertTrue(line.is_reconciled)

    def test_bank_charges_from_camt(self):
        bill = self.invoice(200.0, move_type="in_invoice")
        line = self.bank_line(-212.0, label=f"{bill.name}", partner=self.customer,
                              details={"raw": {"charges": ["12.00"]}})
        self.Matcher._match(line)
        self.assertEqual(self.best(line).difference_kind, "charges")
        self.best(line).action_accept()
        self.assertEqual(bill.payment_state, "paid")
        charges = line.move_id.line_ids.filtered(lambda aml: aml.account_id == self.charges_account)
        self.assertAlmostEqual(charges.balance, 12.0)

    def test_overpayment_left_for_review(self):
        inv = self.invoice(100.0)
        line = self.bank_line(180.0, label=inv.name, partner=self.customer)
        self.journal.finance_auto_reconcile = True
        self.Matcher._match(line, auto=True)
        self.assertFalse(line.is_reconciled)
        self.assertEqual(self.best(line).difference_kind, "overpaid")

    def test_ambiguous_candidates_left_for_review(self):
        self.invoice(90.0)
        self.invoice(90.0)
        self.journal.finance_auto_reconcile = True
        line = self.bank_line(90.0, label="payment", partner=self.customer)
        self.assertEqual(self.Matcher._match(line, auto=True), {"auto": 0, "suggested": 1, "unmatched": 0})
        self.assertEqual(len(line.finance_suggestion_ids), 2)

    def test_foreign_currency_exchange_difference(self):
        usd = self.env.ref("base.EUR" if self.eur.name == "USD" else "base.USD")   # a foreign currency
        usd.active = True
        self.env["res.currency.rate"].create([{"currency_id": usd.id, "name": "2026-03-01", "rate": 1.25,
                                               "company_id": self.company.id},
                                              {"currency_id": usd.id, "name": "2026-03-05", "rate": 1.10,
                                               "company_id": self.company.id}])
        inv = self.invoice(110.0, currency=usd)
        self.assertAlmostEqual(self.receivable(inv).balance, 88.0)
        line = self.bank_line(100.0, label=inv.name, partner=self.customer, foreign_currency_id=usd.id,
                              amount_currency=110.0)
        self.Matcher._match(line)
        self.best(line).action_accept()
        self.assertEqual(inv.payment_state, "paid")
        self.assertTrue(line.is_reconciled)
        receivable = self.receivable(inv)
        exchange = (receivable.matched_credit_ids | receivable.matched_debit_ids).exchange_move_id
        self.assertTrue(exchange, "the exchange difference is posted by Odoo's reconcile()")
        self.assertAlmostEqual(abs(sum(exchange.line_ids.filtered(lambda aml: aml.account_id == receivable.account_id)
                                       .mapped("balance"))), 12.0)

    def test_user_rule_with_tax_on_many_lines(self):
        tax = self.env["account.tax"].create({"name": "Fee VAT 19% incl", "amount": 19, "type_tax_use": "purchase",
                                              "price_include_override": "tax_included"})
        rule = self.env["finance.reconcile.rule"].create({"name": "Bank fees", "label_contains": "fee",
                                                          "account_id": self.expense.id, "tax_ids": [Command.set(tax.ids)],
                                                          "use_amount_max": True, "amount_max": 0})
        lines = self.env["account.bank.statement.line"]
        for i in range(5):
            lines |= self.bank_line(-11.9, label=f"Account fee {i}")
        self.journal.finance_auto_reconcile = True
        self.assertEqual(self.Matcher._match(lines, auto=True)["auto"], 5)
        for line in lines:
            self.assertTrue(line.is_reconciled)
            base = line.move_id.line_ids.filtered(lambda aml, r=rule: aml.account_id == r.account_id and aml.tax_ids)
            self.assertAlmostEqual(base.balance, 10.0)
            self.assertEqual(base.tax_ids, tax)
            self.assertAlmostEqual(sum(line.move_id.line_ids.filtered("tax_line_id").mapped("balance")), 1.9)

    def test_payment_is_matched(self):
        payment = self.env["account.payment"].create({
            "payment_type": "inbound", "partner_type": "customer", "partner_id": self.customer.id, "amount": 77.0,
            "journal_id": self.journal.id, "date": "2026-03-02"})
        method = payment.payment_method_line_id
        if not method.payment_account_id:
            method.payment_account_id = self.env["account.account"].create({
                "name": "Outstanding receipts", "code": "RW003", "account_type": "asset_current", "reconcile": True})
            payment.invalidate_recordset()
        payment.action_post()
        line = self.bank_line(77.0, label="deposit", partner=self.customer)
        self.Matcher._match(line)
        self.best(line).action_accept()
        self.assertTrue(payment.is_matched)
        self.assertEqual(payment.state, "paid")

    def test_reset_restores_the_line_as_imported(self):
        inv = self.invoice(100.0, reference=RF)
        line = self.bank_line(100.0, label=RF)
        before = sorted(line.move_id.line_ids.mapped(lambda a: (a.account_id.id, a.balance, a.amount_currency,
                                                                 a.partner_id.id, a.currency_id.id)))
        self.Matcher._match(line)
        self.best(line).action_accept()
        self.assertEqual(inv.payment_state, "paid")
        line.action_finance_reset()
        after = sorted(line.move_id.line_ids.mapped(lambda a: (a.account_id.id, a.balance, a.amount_currency,
                                                                a.partner_id.id, a.currency_id.id)))
        self.assertEqual(before, after)
        self.assertFalse(line.is_reconciled)
        self.assertEqual(inv.payment_state, "not_paid")
        self.assertEqual(self.best(line).rule, "structured_reference", "suggestions come back after a reset")
        with self.assertRaises(UserError):
            line.action_finance_reset()

    def test_manual_wizard_and_write_off(self):
        inv = self.invoice(120.0)
        line = self.bank_line(100.0, label="no reference at all")
        wizard = self.env["finance.reconcile.manual"].with_context(
            active_model="account.bank.statement.line", active_id=line.id).create({
                "move_line_ids": [Command.set(self.receivable(inv).ids)]})
        wizard.action_reconcile()
        self.assertEqual(inv.payment_state, "partial")
        self.assertTrue(line.is_reconciled)
        inv2 = self.invoice(100.0)
        line2 = self.bank_line(98.0, label="short")
        self.env["finance.reconcile.manual"].create({
            "statement_line_id": line2.id, "move_line_ids": [Command.set(self.receivable(inv2).ids)],
            "writeoff_account_id": self.writeoff_account.id}).action_reconcile()
        self.assertEqual(inv2.payment_state, "paid")
        self.assertTrue(line2.is_reconciled)

    def test_accept_all_above_score(self):
        invs = [self.invoice(10.0 + i, reference=None) for i in range(3)]
        lines = [self.bank_line(10.0 + i, label=inv.name, partner=self.customer) for i, inv in enumerate(invs)]
        weak = self.bank_line(55.0, label="?", partner=self.other)
        self.invoice(55.0, partner=self.other)
        self.Matcher._match(self.env["account.bank.statement.line"].concat(*lines, weak))
        self.env["finance.reconcile.accept.all"].create({"journal_id": self.journal.id, "min_score": 95}).action_accept()
        self.assertTrue(all(line.is_reconciled for line in lines))
        self.assertFalse(weak.is_reconciled)
        self.assertEqual(self.journal.finance_count_matched, 3)
        self.assertEqual(self.journal.finance_count_suggested, 1)

    def test_incremental_matching_when_invoices_are_posted(self):
        self.journal.finance_auto_reconcile = True
        line = self.bank_line(64.0, label="invoice RF82 5437 1")
        self.Matcher._cron_match_new_items()
        self.assertFalse(line.finance_suggestion_ids)
        inv = self.invoice(64.0, partner=self.other, reference="RF82 5437 1")
        self.Matcher._cron_match_new_items()
        self.assertTrue(line.is_reconciled)
        self.assertEqual(inv.payment_state, "paid")
