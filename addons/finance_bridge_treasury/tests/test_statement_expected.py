"""Statements expected per account, by the bank's local time, on the bank's business days.

The rule is one SQL query (lib/ops_sql.missing_statements_sql) run by PostgreSQL with a fixed UTC
time instead of the transaction's, so each case is a known moment: before and after the expected
local time, across time zones, on a weekend and on a Monday (which expects Friday's statement).
"""
from datetime import date, datetime

from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import tagged

from ..lib.ops_sql import missing_statements_sql
from .common import TreasuryCase


@tagged("post_install", "-at_install")
class TestStatementExpected(TreasuryCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"finance_treasury_statement_hour": 8.0, "finance_treasury_statement_tz": "Europe/Berlin"})
        cls.berlin = cls.journal                                  # the company's time and zone
        cls.new_york = factories.BankJournalFactory()
        cls.tokyo = factories.BankJournalFactory()
        cls.connection = factories.ConnectionFactory()
        cls.connection.account_ids = [
            (0, 0, {"journal_id": cls.berlin.id}),
            (0, 0, {"journal_id": cls.new_york.id, "treasury_statement_hour": 9.5,
                    "treasury_statement_tz": "America/New_York"}),
            (0, 0, {"journal_id": cls.tokyo.id, "treasury_statement_hour": 9.0, "treasury_statement_tz": "Asia/Tokyo"}),
        ]
        with decision_scope("test"):
            cls.connection.sudo().write({"state": "active"})

    def missing(self, utc):
        """Journals whose statement is missing at ``utc`` (a naive UTC datetime)."""
        self.env.flush_all()
        self.env.cr.execute(f"SELECT journal_id FROM ({missing_statements_sql('%(now)s::timestamp')}) m",
                            {"now": utc})
        return {row[0] for row in self.env.cr.fetchall()} & {self.berlin.id, self.new_york.id, self.tokyo.id}

    def booked(self, journal, day):
        self.statement_with_line(f"S-{journal.id}-{day}", (self.today - day).days, journal=journal)

    def test_each_account_by_its_local_time(self):
        # Wednesday 2026-03-04 12:00 UTC: Berlin 13:00 (after 08:00), New York 07:00 (before 09:30),
        # Tokyo 21:00 (after 09:00). Nothing received since Tuesday.
        self.assertEqual(self.missing(datetime(2026, 3, 4, 12, 0)), {self.berlin.id, self.tokyo.id})
        # 14:00 UTC: New York is 09:00 — still before its 09:30; 14:30 UTC: 09:30, now expected.
        self.assertNotIn(self.new_york.id, self.missing(datetime(2026, 3, 4, 14, 0)))
        self.assertIn(self.new_york.id, self.missing(datetime(2026, 3, 4, 14, 30)))
        # 06:30 UTC: Berlin 07:30 (before 08:00), Tokyo 15:30 (after): only Tokyo.
        self.assertEqual(self.missing(datetime(2026, 3, 4, 6, 30)), {self.tokyo.id})

    def test_previous_business_day_statement_clears_it(self):
        for journal in (self.berlin, self.new_york, self.tokyo):
            self.booked(journal, date(2026, 3, 3))             # Tuesday's statement
        self.assertFalse(self.missing(datetime(2026, 3, 4, 20, 0)), "Tuesday's statement is there on Wednesday")
        self.assertEqual(self.missing(datetime(2026, 3, 5, 12, 0)), {self.berlin.id, self.tokyo.id},
                         "on Thursday Wednesday's is expected")

    def test_business_days_only_in_the_banks_calendar(self):
        # Saturday and Sunday (local): nothing is expected anywhere.
        self.assertFalse(self.missing(datetime(2026, 3, 7, 12, 0)))
        # Sunday 2026-03-08 20:00 UTC = Monday 05:00 in Tokyo (before 09:00), Sunday in Berlin and New York.
        self.assertFalse(self.missing(datetime(2026, 3, 8, 20, 0)))
        # Sunday 2026-03-08 23:30 UTC = Monday 08:30 in Tokyo: still before its time.
        self.assertFalse(self.missing(datetime(2026, 3, 8, 23, 30)))
        # Monday 2026-03-09 01:00 UTC = Monday 10:00 in Tokyo: Friday's statement is expected there only.
        self.assertEqual(self.missing(datetime(2026, 3, 9, 1, 0)), {self.tokyo.id})
        self.booked(self.tokyo, date(2026, 3, 6))                # Friday's statement arrives
        self.assertFalse(self.missing(datetime(2026, 3, 9, 1, 0)), "Monday expects Friday's, not Sunday's")

    def test_company_default_applies_when_the_account_sets_none(self):
        self.company.finance_treasury_statement_tz = "Asia/Tokyo"
        # 2026-03-04 00:30 UTC = 09:30 in Tokyo (after the company's 08:00); in Berlin it would be 01:30.
        self.assertIn(self.berlin.id, self.missing(datetime(2026, 3, 4, 0, 30)))
        self.company.finance_treasury_statement_tz = False
        self.company.partner_id.tz = "Europe/Berlin"
        self.assertNotIn(self.berlin.id, self.missing(datetime(2026, 3, 4, 0, 30)), "the company's address zone")
