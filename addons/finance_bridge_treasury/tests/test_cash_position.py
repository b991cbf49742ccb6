"""Cash position arithmetic: booked + lines since, in transit -> booked -> matched counted once, FX, staleness."""
from datetime import timedelta

from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.tests import factories
from odoo.exceptions import AccessError
from odoo.tests.common import new_test_user, tagged

from ..lib.position_sql import REPORTING_CURRENCY_PARAM
from .common import TreasuryCase


@tagged("post_install", "-at_install")
class TestCashPosition(TreasuryCase):

    def test_booked_balance_plus_lines_since_and_interim(self):
        self.booked(self.journal, 1000, days_ago=1)
        self.st_line(self.journal, 50, days_ago=1)    # part of the booked balance already
        self.st_line(self.journal, 200, days_ago=0)   # booked after it
        self.booked(self.journal, 1300, days_ago=0, kind="intraday", position="interim")
        row = self.account_row(self.journal)
        self.assertEqual(row.booked_balance, 1000)
        self.assertEqual(row.booked_date, self.today - timedelta(days=1))
        self.assertEqual((row.lines_since, row.lines_since_amount), (1, 200))
        self.assertEqual(row.balance, 1200)
        self.assertEqual(row.interim_balance, 1300)
        self.assertTrue(row.interim_at)
        self.assertFalse(row.stale)

    def test_statement_closing_used_without_bank_balance(self):
        statement = self.env["account.bank.statement"].create({
            "journal_id": self.journal.id, "name": "S1", "date": self.today - timedelta(days=2),
            "balance_start": 0, "balance_end_real": 750,
            "line_ids": [(0, 0, {"amount": 750, "payment_ref": "opening", "date": self.today - timedelta(days=2),
                                 "journal_id": self.journal.id})]})
        self.assertTrue(statement)
        self.st_line(self.journal, -100, days_ago=0)
        row = self.account_row(self.journal)
        self.assertEqual((row.booked_balance, row.lines_since_amount, row.balance), (750, -100, 650))

    def test_in_transit_booked_matched_counted_once(self):
        self.booked(self.journal, 1000, days_ago=1)
        before = self.position()
        base0, base7, base90 = before.position_0_company, before.position_7_company, before.position_90_company

        invoice = self.invoice(300, due_in=5)
        after_invoice = self.position()
        self.assertEqual(after_invoice.position_0_company, base0, "due in 5 days: not in today's position")
        self.assertEqual(after_invoice.position_7_company, base7 + 300)
        self.assertEqual(after_invoice.position_90_company, base90 + 300)

        payment = self.pay(invoice, self.journal)
        self.assertFalse(payment.is_matched)
        after_payment = self.position()
        self.assertEqual(after_payment.transit_company, before.transit_company + 300)
        self.assertEqual(after_payment.position_0_company, base0 + 300, "in transit counts from today")
        self.assertEqual(after_payment.position_7_company, base7 + 300, "no double count: receivable left")
        self.assertEqual(sum(self.lines("receivable").filtered(lambda ln: ln.date == invoice.invoice_date_due)
                             .mapped("amount")), 0)

        st_line = self.st_line(self.journal, 300, days_ago=0)
        self.match(st_line, payment)
        self.assertTrue(payment.is_matched)
        after_match = self.position()
        self.assertEqual(after_match.transit_company, before.transit_company, "matched: left transit")
        self.assertEqual(after_match.balance_company, before.balance_company + 300, "booked on the statement")
        self.assertEqual(after_match.position_0_company, base0 + 300)
        self.assertEqual(after_match.position_90_company, base90 + 300, "counted exactly once")

    def test_payable_reduces_position(self):
        before = self.position()
        self.invoice(120, due_in=20, move_type="in_invoice")
        after = self.position()
        self.assertEqual(after.position_7_company, before.position_7_company)
        self.assertEqual(after.position_30_company, before.position_30_company - 120)
        self.assertEqual(self.lines("payable").filtered(lambda ln: ln.amount == -120).horizon, 30)

    def test_fx_to_company_and_reporting_currency(self):
        foreign = self.env.ref("base.EUR") if self.ccy != self.env.ref("base.EUR") else self.env.ref("base.USD")
        foreign.active = True
        self.set_rate(foreign, 0.5)   # 0.5 foreign per unit of company currency
        fx_journal = factories.BankJournalFactory(currency_id=foreign.id)
        self.booked(fx_journal, 500, days_ago=1)
        self.booked(self.journal, 1000, days_ago=1)
        row = self.account_row(fx_journal)
        self.assertEqual(row.currency_id, foreign)
        self.assertEqual((row.balance, row.balance_company), (500, 1000))
        self.env["ir.config_parameter"].sudo().set_param(REPORTING_CURRENCY_PARAM, str(foreign.id))
        self.assertEqual(self.account_row(self.journal).balance_reporting, 500)
        self.assertEqual(self.account_row(fx_journal).balance_reporting, 500)
        balance_lines = self.lines("balance").filtered(lambda ln: ln.journal_id in (fx_journal | self.journal))
        self.assertEqual(sum(balance_lines.mapped("amount_company")), 2000)
        self.assertEqual(sum(balance_lines.mapped("amount_reporting")), 1000)

    def test_staleness_threshold_and_connection_interval(self):
        self.booked(self.journal, 10, days_ago=1)
        self.assertFalse(self.account_row(self.journal).stale)
        self.env.cr.execute("UPDATE finance_bank_balance SET write_date = (now() AT TIME ZONE 'UTC') "
                            "- interval '30 hours' WHERE journal_id = %s", (self.journal.id,))
        row = self.account_row(self.journal)
        self.assertTrue(row.stale)
        self.assertGreater(row.balance_age_hours, 29)
        self.company.finance_treasury_stale_hours = 48
        self.assertFalse(self.account_row(self.journal).stale)
        self.company.finance_treasury_stale_hours = 12
        connection = factories.ConnectionFactory(interval_number=2, interval_type="days")
        connection.account_ids = [(0, 0, {"journal_id": self.journal.id})]
        row = self.account_row(self.journal)
        self.assertEqual(row.stale_after_hours, 48, "a two-day connection is not stale after 30 hours")
        self.assertFalse(row.stale)
        never = factories.BankJournalFactory()
        self.assertTrue(self.account_row(never).stale, "an account that never had a balance is stale")

    def test_continuity_warning(self):
        statement = self.statement_with_line("S-gap", 1)
        self.assertFalse(self.account_row(self.journal).continuity_warning)
        with decision_scope("test"):
            statement.write({"finance_continuity": "gap"})
        row = self.account_row(self.journal)
        self.assertTrue(row.continuity_warning)
        self.assertEqual(row.continuity_gaps, 1)

    def test_daily_series_filled_once(self):
        Daily = self.env["finance.treasury.daily.balance"]
        self.booked(self.journal, 100, days_ago=2)
        self.booked(self.journal, 140, days_ago=1)
        self.statement_with_line("S", 1).balance_end_real = 999
        self.assertGreaterEqual(Daily._refresh_series(), 2)
        rows = Daily.search([("journal_id", "=", self.journal.id)], order="date")
        self.assertEqual(rows.mapped("closing_balance"), [100, 140], "the bank's booked balance wins")
        self.assertEqual(set(rows.mapped("source")), {"bank"})
        self.assertEqual(Daily._refresh_series(), 0, "nothing changed: nothing rewritten")
        manager = new_test_user(self.env, "tr_manager", groups="base.group_user,"
                                "finance_bridge_core.group_treasury_manager")
        with self.assertRaises(AccessError):
            rows[0].with_user(manager).write({"closing_balance": 1})
