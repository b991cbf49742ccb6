"""Matching runs on what an import creates: inline for small imports, in the background for large."""
from datetime import date
from decimal import Decimal

from odoo import Command
from odoo.addons.finance_bridge_core.lib.dto import Money, StatementDTO, StatementLineDTO

from .common import ReconcileCase


class TestImportMatching(ReconcileCase):
    def statement(self, *lines):
        return StatementDTO(account="DE00RECON", currency=self.eur.name, date=date(2026, 3, 5), lines=tuple(lines))

    def dto(self, amount, key, **kw):
        return StatementLineDTO(booking_date=date(2026, 3, 5), amount=Money(Decimal(amount), self.eur.name),
                                unique_id=key, **kw)

    def lines(self):
        return self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)], order="id")

    def test_our_addon_keeps_the_bulk_writer(self):
        self.assertIsNone(self.env["finance.statement.line.writer"]._model_refusal())

    def test_import_reconciles_above_threshold_and_suggests_the_rest(self):
        self.journal.finance_auto_reconcile = True
        inv = self.invoice(100.0, reference="RF18 5390 0754 7034")
        other = self.invoice(42.0)
        stmt = self.statement(
            self.dto("100.00", "u1", label="Payment", remittance_structured="RF18539007547034"),
            self.dto("42.00", "u2", label="something", counterparty_iban=self.customer_iban),
            self.dto("-3.00", "u3", label="unknown"))
        self.env["finance.sync.engine"]._ingest(journal=self.journal, statements=[stmt])
        first, second, third = self.lines()
        self.assertTrue(first.is_reconciled)
        self.assertEqual(inv.payment_state, "paid")
        self.assertFalse(second.is_reconciled)
        self.assertEqual(self.best(second).move_line_ids, self.receivable(other))
        self.assertEqual(third.finance_match_status, "unmatched")
        run = self.env["finance.reconcile.run"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual((run.state, run.lines_total, run.lines_auto, run.lines_suggested), ("done", 3, 1, 1))
        # The sure line was written by the set-based writer; its suggestion and the audit say so.
        self.assertEqual(run.lines_bulk, 1)
        # It keeps its best candidate as the explanation of what was done, and no open suggestion.
        self.assertEqual(first.finance_suggestion_ids.mapped(lambda s: (s.rank, s.state, s.rule)),
                         [(1, "auto", "structured_reference")])
        self.assertIn("RF18539007547034", first.finance_suggestion_ids.explanation.replace(" ", ""))
        event = self.env["finance.audit.event"].search([("event_type", "=", "reconcile.auto")], order="id desc",
                                                       limit=1)
        self.assertIn(f'"line": {first.id}', event.payload)

    def test_items_of_an_opening_balance_entry_are_matched_by_their_own_structured_label(self):
        """One entry, several receivable lines with an RF label each (the entry's ref is shared):
        each statement line settles the item whose label it quotes; a label that is not a valid
        structured reference gives the item no reference."""
        receivable = self.receivable(self.invoice(1.0)).account_id
        misc = self.env["account.journal"].search([("type", "=", "general"), ("company_id", "=", self.company.id)],
                                                  limit=1)
        labels = ("RF18 5390 0754 7034", "RF69 1000 01", "RF99 1000 01")  # the last: wrong check digits
        entry = self.env["account.move"].create({"journal_id": misc.id, "date": "2026-03-01",
                                                 "ref": "Opening balances", "line_ids": [
            *(Command.create({"account_id": receivable.id, "partner_id": self.customer.id, "name": label,
                              "debit": 50.0}) for label in labels),
            Command.create({"account_id": self.income.id, "credit": 150.0})]})
        entry.action_post()
        items = {line.name: line for line in self.receivable(entry)}
        open_items = self.Matcher._open_items(self.company)
        references = {label: open_items[line.id].reference for label, line in items.items()}
        self.assertEqual(references, {labels[0]: labels[0], labels[1]: labels[1], labels[2]: "Opening balances"})
        self.journal.finance_auto_reconcile = True
        stmt = self.statement(self.dto("50.00", "o1", label="Payment", remittance_structured="RF69100001"))
        self.env["finance.sync.engine"]._ingest(journal=self.journal, statements=[stmt])
        self.assertTrue(self.lines().is_reconciled)
        self.assertTrue(items[labels[1]].reconciled)
        self.assertFalse(items[labels[0]].reconciled or items[labels[2]].reconciled)

    def test_lines_the_set_based_writer_cannot_take_go_through_the_orm_and_the_run_says_why(self):
        self.journal.finance_auto_reconcile = True
        inv = self.invoice(100.0, reference="RF18 5390 0754 7034")
        # 0.30 under the tolerance: written off, which the set-based writer leaves to Odoo.
        stmt = self.statement(self.dto("100.30", "h1", label="Payment", remittance_structured="RF18539007547034"))
        self.env["finance.sync.engine"]._ingest(journal=self.journal, statements=[stmt])
        self.assertEqual(inv.payment_state, "paid")
        run = self.env["finance.reconcile.run"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual((run.lines_auto, run.lines_bulk), (1, 0))
        self.assertIn("1 through Odoo's reconciliation: writeoff posted to an account", run.notes)

    def test_large_import_is_matched_in_the_background(self):
        self.env["ir.config_parameter"].sudo().set_param("bank_reconciliation_matching.background_from", "1")
        self.journal.finance_auto_reconcile = True
        inv = self.invoice(100.0, reference="RF18 5390 0754 7034")
        stmt = self.statement(self.dto("100.00", "b1", label="RF18 5390 0754 7034"),
                              self.dto("5.00", "b2", label="other"))
        self.env["finance.sync.engine"]._ingest(journal=self.journal, statements=[stmt])
        run = self.env["finance.reconcile.run"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual((run.state, run.lines_done), ("queued", 0))
        self.assertFalse(self.lines()[0].is_reconciled)
        self.env["finance.reconcile.run"].with_context(finance_no_commit=True)._cron_process()
        self.assertEqual((run.state, run.lines_done, run.lines_auto), ("done", 2, 1))
        self.assertEqual(inv.payment_state, "paid")

    def test_a_refused_automatic_reconciliation_does_not_fail_the_import(self):
        """Charges without any charges / write-off account: the line keeps its suggestion."""
        self.company.write({"finance_charges_account_id": False, "finance_writeoff_account_id": False})
        self.journal.finance_auto_reconcile = True
        bill = self.invoice(50.0, move_type="in_invoice")
        stmt = self.statement(self.dto("-52.00", "c1", label=bill.name, raw={"charges": ["2.00"]},
                                       counterparty_iban=self.customer_iban))
        counts = self.env["finance.sync.engine"]._ingest(journal=self.journal, statements=[stmt])
        self.assertEqual(counts.lines_created, 1)
        line = self.lines()
        self.assertFalse(line.is_reconciled)
        self.assertEqual(self.best(line).difference_kind, "charges")
        self.assertEqual(bill.payment_state, "not_paid")
