"""Set-up shared by the treasury tests: bank journals, booked balances, invoices, payments, matching."""
from datetime import timedelta
from types import SimpleNamespace

from odoo import fields
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import TransactionCase


class TreasuryCase(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        factories.bind(cls.env)
        cls.company = cls.env.company
        cls.ccy = cls.company.currency_id
        cls.today = fields.Date.context_today(cls.env["res.users"])
        cls.journal = factories.BankJournalFactory()
        cls.partner = cls.env["res.partner"].create({"name": "Treasury customer"})

    # ------------------------------------------------------------------ builders
    def booked(self, journal, amount, days_ago=1, kind="booked", position="closing"):
        return self.env["finance.bank.balance"].create({
            "journal_id": journal.id, "kind": kind, "position": position,
            "date": self.today - timedelta(days=days_ago),
            "currency_id": (journal.currency_id or journal.company_id.currency_id).id, "amount": amount})

    def st_line(self, journal, amount, days_ago=0, partner=None):
        return self.env["account.bank.statement.line"].create({
            "journal_id": journal.id, "amount": amount, "payment_ref": f"line {amount}",
            "date": self.today - timedelta(days=days_ago), "partner_id": (partner or self.partner).id})

    def statement_with_line(self, name, days_ago, journal=None, amount=1):
        """A statement of the journal (Odoo takes a statement's journal from its lines)."""
        journal = journal or self.journal
        day = self.today - timedelta(days=days_ago)
        return self.env["account.bank.statement"].create({
            "name": name, "date": day, "balance_start": 0, "balance_end_real": amount,
            "line_ids": [(0, 0, {"journal_id": journal.id, "amount": amount, "payment_ref": name, "date": day})]})

    def invoice(self, amount, due_in=5, move_type="out_invoice", company=None):
        company = company or self.company
        move = self.env["account.move"].with_company(company).create({
            "move_type": move_type, "partner_id": self.partner.id, "company_id": company.id,
            "invoice_date": self.today, "invoice_date_due": self.today + timedelta(days=due_in),
            "invoice_line_ids": [(0, 0, {"name": "service", "quantity": 1, "price_unit": amount,
                                         "tax_ids": [(6, 0, [])]})]})
        move.action_post()
        return move

    def pay(self, move, journal):
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids).create({"journal_id": journal.id})
        return wizard._create_payments()

    def match(self, st_line, payment):
        """Clear the payment's outstanding line with the statement line (what reconciliation does)."""
        outstanding = payment.outstanding_account_id
        suspense = st_line.move_id.line_ids.filtered(lambda ln: ln.account_id == st_line.journal_id.suspense_account_id)
        st_line.move_id.with_context(skip_readonly_check=True).write(
            {"line_ids": [(1, suspense.id, {"account_id": outstanding.id})]})
        (st_line.move_id.line_ids + payment.move_id.line_ids).filtered(
            lambda ln: ln.account_id == outstanding and not ln.reconciled).reconcile()

    def set_rate(self, currency, rate, company=None):
        self.env["res.currency.rate"].create({"currency_id": currency.id, "rate": rate, "name": self.today,
                                              "company_id": (company or self.company).id})

    def account_row(self, journal):
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["finance.treasury.cash.account"].search([("journal_id", "=", journal.id)])

    def position(self, company=None):
        """A snapshot (plain values) of the company's position: later reads do not change it."""
        self.env.flush_all()
        self.env.invalidate_all()
        rows = self.env["finance.treasury.position"].search_read([("company_id", "=", (company or self.company).id)])
        return SimpleNamespace(**rows[0])

    def lines(self, category, company=None):
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["finance.treasury.position.line"].search(
            [("company_id", "=", (company or self.company).id), ("category", "=", category)])
