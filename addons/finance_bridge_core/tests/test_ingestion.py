"""Statement ingestion into native bank statements: idempotent, continuous, partner-aware."""
from decimal import Decimal

from ..lib.dto import BalanceDTO, FetchResult, Money, StatementLineDTO
from ..lib.errors import FormatError
from ..lib.provider_registry import Capability, Provider
from ..lib.sync_progress import SyncProgress
from . import factories
from .common import FinanceBridgeCase


class TestIngestion(FinanceBridgeCase):
    def setUp(self):
        super().setUp()
        self.run_rec = self.env["finance.sync.run"].create({"connection_id": self.connection.id})
        self.link = self.connection.account_ids
        self.engine = self.env["finance.sync.engine"]

    def ingest(self, statement, link=None):
        """The engine's one entry point, for one statement of one account of the connection."""
        link = link or self.link
        return self.engine._ingest(connection=link.connection_id, run=self.run_rec, journal=link.journal_id,
                                   statements=[statement])

    def test_creates_native_statement_and_lines(self):
        counts = self.ingest(self.statement(["10.00", "-2.50"], opening="100.00", statement_id="S1"))
        self.assertEqual(counts.lines_created, 2)
        lines = self.lines()
        self.assertEqual(lines.mapped("amount"), [10.0, -2.5])
        statement = lines.statement_id
        self.assertEqual(len(statement), 1)
        self.assertEqual((statement.balance_start, statement.balance_end_real), (100.0, 107.5))
        self.assertTrue(statement.is_complete)
        self.assertTrue(all(line.move_id.state == "posted" for line in lines))
        self.assertEqual(statement.finance_connection_id, self.connection)

    def test_reingest_creates_nothing(self):
        stmt = self.statement(["10.00", "10.00", "-3.00"], opening="0.00")
        self.ingest(stmt)
        before = (self.env["account.bank.statement"].search_count([]), len(self.lines()),
                  self.env["account.move"].search_count([]))
        counts = self.ingest(stmt)
        self.assertEqual((counts.lines_created, counts.lines_skipped, counts.statements_created), (0, 3, 0))
        after = (self.env["account.bank.statement"].search_count([]), len(self.lines()),
                 self.env["account.move"].search_count([]))
        self.assertEqual(before, after)

    def test_identical_lines_both_imported(self):
        self.ingest(self.statement(["-3.50", "-3.50"]))
        self.assertEqual(len(self.lines()), 2)
        self.assertEqual(len(set(self.lines().mapped("finance_import_key"))), 2)

    def test_bank_reference_used_as_key(self):
        self.ingest(self.statement(["1.00"], unique_ids=["ACCT-SVCR-9"]))
        self.assertEqual(self.lines().finance_import_key, "ref:ACCT-SVCR-9")

    def test_same_key_in_other_journal_is_independent(self):
        other = factories.BankJournalFactory()
        link2 = self.env["finance.bank.connection.account"].create(
            {"connection_id": self.connection.id, "journal_id": other.id})
        stmt = self.statement(["5.00"], unique_ids=["SAME"])
        self.ingest(stmt)
        other_stmt = stmt.__class__(**{**{f: getattr(stmt, f) for f in stmt.__dataclass_fields__},
                                       "account": other.bank_account_id.sanitized_acc_number})
        self.ingest(other_stmt, link2)
        self.assertEqual(len(self.lines(other)), 1)

    def test_continuity_ok_and_gap(self):
        self.ingest(self.statement(["10.00"], opening="100.00", seq=1))
        self.ingest(self.statement(["1.00"], day=self.days(1), opening="110.00",
                                                                seq=2))
        counts = self.ingest(self.statement(["1.00"], day=self.days(2), opening="150.00", seq=4))
        self.assertEqual(counts.continuity_gaps, 1)
        statements = self.env["account.bank.statement"].search([("journal_id", "=", self.journal.id)],
                                                               order="date")
        self.assertEqual(statements.mapped("finance_continuity"), ["unchecked", "ok", "gap"])
        self.assertIn("opening 150.00", statements[2].finance_continuity_note)
        self.assertIn("sequence 4 follows 2", statements[2].finance_continuity_note)
        self.assertIn("continuity gap", "\n".join(counts.notes))

    def _banks(self, count):
        return self.env["res.partner.bank"].concat(*factories.PartnerBankFactory.create_batch(count))

    def _partner_lookup_queries(self, banks):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        partners = self.env["finance.statement.ingestion"]._partners_by_iban(self.company, [b.sanitized_acc_number for b in banks])
        return partners, self.env.cr.sql_log_count - before

    def test_partner_lookup_does_not_grow_with_lines(self):
        few = self._banks(2)
        many = self._banks(20)
        _partners, queries_few = self._partner_lookup_queries(few)
        partners_many, queries_many = self._partner_lookup_queries(many)
        self.assertEqual(set(partners_many.values()), set(many.partner_id.ids))
        self.assertEqual(queries_few, queries_many)

    def test_partner_set_on_lines_by_iban(self):
        banks = self._banks(3)
        lines = [StatementLineDTO(booking_date=self.today, amount=Money(Decimal("1.00"), self.currency),
                                  label=f"l{i}", counterparty_iban=bank.sanitized_acc_number)
                 for i, bank in enumerate(banks)]
        stmt = self.statement([]).__class__(account=self.iban, currency=self.currency, date=self.today,
                                            lines=tuple(lines))
        self.ingest(stmt)
        self.assertEqual(self.lines().partner_id, banks.partner_id)

    def test_details_kept(self):
        foreign = "EUR" if self.currency != "EUR" else "USD"
        self.env["res.currency"].with_context(active_test=False).search([("name", "=", foreign)]).active = True
        line = StatementLineDTO(booking_date=self.today, amount=Money(Decimal("-9.99"), self.currency),
                                label="x", end_to_end_id="E2E-7", uetr="eb6305c9-1f7f-49de-aed0-16487c27b42d",
                                foreign_amount=Money(Decimal("11.00"), foreign),
                                raw={"Ntry": {"BookgDt": "2026-03-02"}})
        stmt = self.statement([]).__class__(account=self.iban, currency=self.currency, date=self.today, lines=(line,))
        self.ingest(stmt)
        details = self.lines().transaction_details
        self.assertEqual(details["end_to_end_id"], "E2E-7")
        self.assertEqual(details["raw"], {"Ntry": {"BookgDt": "2026-03-02"}})
        self.assertEqual(self.lines().amount_currency, -11.0)
        self.assertEqual(self.lines().foreign_currency_id.name, foreign)

    def test_inactive_foreign_currency_kept_in_details(self):
        foreign = self.env["res.currency"].with_context(active_test=False).search(
            [("active", "=", False)], limit=1)
        line = StatementLineDTO(booking_date=self.today, amount=Money(Decimal("-5.00"), self.currency),
                                label="x", foreign_amount=Money(Decimal("6.00"), foreign.name))
        stmt = self.statement([]).__class__(account=self.iban, currency=self.currency, date=self.today, lines=(line,))
        self.ingest(stmt)
        self.assertFalse(self.lines().foreign_currency_id)
        self.assertEqual(self.lines().transaction_details["foreign_amount"],
                         {"amount": "6.00", "currency": foreign.name})

    def test_currency_mismatch_refused(self):
        other = "EUR" if self.currency != "EUR" else "USD"
        stmt = self.statement([]).__class__(account=self.iban, currency=other, date=self.today, lines=())
        with self.assertRaisesRegex(FormatError, f"{other} does not match journal"):
            self.ingest(stmt)

    def test_account_mismatch_refused(self):
        stmt = self.statement([]).__class__(account="DE02120300000000202051", currency=self.currency,
                                            date=self.today, lines=())
        with self.assertRaisesRegex(FormatError, "is not the account of journal"):
            self.ingest(stmt)

    def test_notifications_only_when_the_company_asks(self):
        """A debit/credit notification (``StatementDTO.notification``, whatever its format) is not a statement."""
        stmt = self.statement(["4.00"]).__class__(account=self.iban, currency=self.currency, date=self.today,
                                                  lines=self.statement(["4.00"]).lines, notification=True)
        self.company.finance_notification_lines = False
        skipped = self.ingest(stmt)
        self.assertEqual(skipped.lines_created, 0)
        self.assertIn("notification lines not imported", skipped.notes[0])
        self.company.finance_notification_lines = True
        self.assertEqual(self.ingest(stmt).lines_created, 1)

    def test_balances_upserted(self):
        def balance(amount):
            return BalanceDTO(account=self.iban, kind="available", position="closing", date=self.today,
                              amount=Money(Decimal(amount), self.currency))
        self.engine._ingest(connection=self.connection, journal=self.journal, balances=[balance("50.00")])
        self.engine._ingest(connection=self.connection, journal=self.journal, balances=[balance("75.00")])
        balances = self.env["finance.bank.balance"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual(len(balances), 1)
        self.assertEqual(balances.amount, 75.0)

    def test_sync_accounts_follows_pages(self):
        pages = {None: FetchResult(statements=(self.statement(["1.00"]),), next_cursor="p1", has_more=True),
                 "p1": FetchResult(statements=(self.statement(["2.00"], day=self.days(1)),), next_cursor="p2")}

        class Paged(Provider):
            key = "test_paged"
            capabilities = frozenset({Capability.STATEMENTS})

            def fetch_statements(self, account, cursor):
                return pages[cursor]
        progress = SyncProgress()
        self.engine._sync_statements(self.connection, Paged(None), self.run_rec, progress)
        self.assertEqual(progress.lines_created, 2)
        self.assertEqual(self.link.cursor, "p2")
