"""The bulk writer must leave exactly the records stock statement-line creation leaves.

Each case creates the same lines twice in one transaction: through
``account.bank.statement.line.create()`` (then rolled back to a savepoint) and through
``finance.statement.line.writer``. Every column of every table the creation touches is compared
(``writer_equality``); only ids (mapped to positions), timestamps and Message-Ids may differ.
These tests also run on a database with sale, purchase, stock_account, account_edi_ubl_cii,
l10n_de and l10n_fr installed (``make test``).
"""
from datetime import date
from decimal import Decimal
from unittest.mock import patch

from odoo.tests.common import new_test_user

from ..lib.decision_guard import decision_scope
from ..models import statement_line_writer
from . import factories, writer_equality
from .common import FinanceBridgeCase


class _Rollback(Exception):
    pass


class WriterEqualityCase(FinanceBridgeCase):
    """Creates lines both ways (``both_ways``) and asserts the rows are equal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = factories.PartnerFactory()
        cls.person = factories.PartnerFactory(is_company=False, parent_id=cls.partner.id, name="Jo Doe")
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.chf = cls.env.ref("base.CHF")
        cls.chf.active = True
        # the file the lines come from: both paths must write the link to it
        cls.file_import = cls.env["finance.file.import"].sudo().create(
            {"name": "writer.xml", "state": "done", "company_id": cls.company.id})
        rates = cls.env["res.currency.rate"]
        for currency, rate in ((cls.eur, 0.9137), (cls.chf, 0.8791)):
            rates.create({"currency_id": currency.id, "rate": rate, "name": "2025-01-01",
                          "company_id": cls.company.id})
            rates.create({"currency_id": currency.id, "rate": rate + 0.0123, "name": "2026-03-02",
                          "company_id": cls.company.id})

    # ------------------------------------------------------------------ helpers
    def vals(self, journal, statement, specs):
        result = []
        for seq, spec in enumerate(specs, start=1):
            day, amount = spec[0], spec[1]
            extra = spec[2] if len(spec) > 2 else {}
            result.append(dict({
                "statement_id": statement.id if statement else False, "journal_id": journal.id, "date": day,
                "payment_ref": f"ref {seq}", "amount": Decimal(amount), "partner_name": "ACME",
                "account_number": "DE89370400440532013000", "transaction_type": "PMNT-RCDT-ESCT",
                "finance_import_key": f"k{seq}-{amount}", "transaction_details": {"seq": seq},
                "sequence": seq, "finance_file_import_id": self.file_import.id,
            }, **extra))
        return result

    def both_ways(self, journal, statement, specs, env=None):
        # The chatter is part of what stock creation leaves: compare it too.
        env = env or self.env
        env = env(context=dict(env.context, tracking_disable=False, mail_notrack=False))
        vals_list = self.vals(journal, statement, specs)
        stock = {}
        try:
            with self.env.cr.savepoint():
                orm_vals = [dict(v, amount=float(v["amount"]), **({"amount_currency": float(v["amount_currency"])}
                                                                   if "amount_currency" in v else {}))
                            for v in vals_list]
                with decision_scope("ingestion"):  # as the one ingestion path (@decides) creates them
                    lines = env["account.bank.statement.line"].create(orm_vals)
                stock.update(writer_equality.snapshot(env, lines.ids, statement))
                raise _Rollback
        except _Rollback:
            pass
        self.env.invalidate_all()
        writer = env["finance.statement.line.writer"]
        self.assertIsNone(writer._refusal(journal, [v["date"] for v in vals_list]))
        ids = writer._create_lines(journal, vals_list)
        bulk = writer_equality.snapshot(env, ids, statement)
        self.assertEqual(len(bulk["account_bank_statement_line"]), len(specs))
        self.assertFalse(writer_equality.uncovered_fields(env, bulk))
        differences = writer_equality.differences(bulk, stock)
        self.assertFalse(differences, "\n".join(differences))
        return env["account.bank.statement.line"].browse(ids)

    def new_statement(self, journal, name="S"):
        return self.env["account.bank.statement"].create({"name": name, "journal_id": journal.id})



class TestStatementLineWriter(WriterEqualityCase):
    def test_same_records_as_stock_in_company_currency(self):
        statement = self.new_statement(self.journal)
        specs = [(date(2026, 3, 2), "125.40", {"partner_id": self.partner.id}),
                 (date(2026, 3, 2), "-33.05"),
                 (date(2026, 3, 1), "0.01", {"partner_id": self.person.id}),
                 (date(2026, 3, 3), "-1000000.99", {"partner_id": self.partner.id}),
                 (date(2026, 3, 3), "0.00")]
        lines = self.both_ways(self.journal, statement, specs)
        self.assertEqual(lines.move_id.mapped("state"), ["posted"] * 5)
        self.assertEqual(statement.balance_end, 125.40 - 33.05 + 0.01 - 1000000.99)

    def test_numbering_continues_and_resets_per_year(self):
        first = self.new_statement(self.journal, "S1")
        self.env["account.bank.statement.line"].create([
            {"statement_id": first.id, "journal_id": self.journal.id, "date": date(2025, 12, 30),
             "payment_ref": "before", "amount": 5.0}])
        statement = self.new_statement(self.journal, "S2")
        specs = [(date(2026, 1, 1), "10"), (date(2025, 12, 31), "-20"), (date(2026, 1, 2), "30"),
                 (date(2025, 12, 31), "40")]
        lines = self.both_ways(self.journal, statement, specs)
        self.assertEqual(sorted(lines.move_id.mapped("name"))[:2],
                         [f"{self.journal.code}/2025/00002", f"{self.journal.code}/2025/00003"])
        again = self.both_ways(self.journal, statement, [(date(2026, 1, 3), "7")])
        self.assertEqual(again.move_id.name, f"{self.journal.code}/2026/00003")

    def test_foreign_currency_lines(self):
        statement = self.new_statement(self.journal)
        specs = [(date(2026, 3, 2), "100.00", {"foreign_currency_id": self.eur.id, "amount_currency": Decimal("91.37")}),
                 (date(2026, 3, 2), "-50.00", {"foreign_currency_id": self.chf.id,
                                              "amount_currency": Decimal("-44.12"), "partner_id": self.partner.id})]
        self.both_ways(self.journal, statement, specs)

    def test_journal_in_foreign_currency(self):
        journal = factories.BankJournalFactory(currency_id=self.eur.id)
        statement = self.new_statement(journal)
        specs = [(date(2026, 3, 2), "100.00"), (date(2025, 6, 1), "-12.34", {"partner_id": self.partner.id}),
                 (date(2026, 3, 2), "70.00", {"foreign_currency_id": self.company.currency_id.id,
                                             "amount_currency": Decimal("76.40")}),
                 (date(2026, 3, 2), "-8.00", {"foreign_currency_id": self.chf.id, "amount_currency": Decimal("-7.70")})]
        self.both_ways(journal, statement, specs)

    def test_text_with_tabs_newlines_and_backslashes(self):
        # The rows travel as COPY text: its escapes must give back exactly what was sent.
        odd = "a\tb\nc\\d\r\\N é €"
        statement = self.new_statement(self.journal)
        self.both_ways(self.journal, statement, [
            (date(2026, 3, 2), "1.50", {"payment_ref": odd, "partner_name": odd, "transaction_details": {"raw": odd}}),
            (date(2026, 3, 2), "-2.00", {"account_number": "\\N"})])

    def test_without_statement(self):
        self.both_ways(self.journal, None, [(date(2026, 3, 2), "1.00"), (date(2026, 3, 2), "-2.00")])

    def test_as_an_accountant_with_followers(self):
        user = new_test_user(self.env, "fb_writer_accountant",
                             groups="account.group_account_manager,account.group_account_user,"
                                    "finance_bridge_core.group_treasury_manager")
        env = self.env(user=user)
        statement = self.new_statement(self.journal)
        lines = self.both_ways(self.journal, statement, [(date(2026, 3, 2), "3.00"), (date(2026, 3, 2), "-4.00")],
                               env=env)
        self.assertTrue(lines.move_id.message_follower_ids)

    def test_interleaved_with_stock_creation_in_one_transaction(self):
        statement = self.new_statement(self.journal)
        writer = self.env["finance.statement.line.writer"]
        day = date(2026, 3, 2)
        first = writer._create_lines(self.journal, self.vals(self.journal, statement, [(day, "1"), (day, "2")]))
        stock = self.env["account.bank.statement.line"].create(
            {"statement_id": statement.id, "journal_id": self.journal.id, "date": day, "payment_ref": "x",
             "amount": 3.0})
        last = writer._create_lines(self.journal, self.vals(self.journal, statement, [(day, "4")]))
        moves = self.env["account.bank.statement.line"].browse(first + stock.ids + last).move_id
        code = self.journal.code
        self.assertEqual(moves.mapped("name"), [f"{code}/2026/{n:05d}" for n in (1, 2, 3, 4)])
        self.assertEqual(statement.balance_end, 10.0)

    def test_unknown_extension_goes_through_the_orm(self):
        # As if mail were an addon whose overrides the writer does not reproduce.
        run = self.env["finance.sync.run"].create({"connection_id": self.connection.id, "trigger": "manual"})
        with patch.object(statement_line_writer, "KNOWN_MODULES", statement_line_writer.KNOWN_MODULES - {"mail"}):
            counts = self.env["finance.sync.engine"]._ingest(
                journal=self.journal, statements=[self.statement(["5.00", "-2.00"])], run=run)
        self.assertEqual(counts.lines_created, 2)
        self.assertIn("account.move is extended by mail", run.notes)
        self.assertEqual(self.lines().move_id.mapped("state"), ["posted", "posted"])

    def test_refusals(self):
        writer = self.env["finance.statement.line.writer"]
        self.company.fiscalyear_lock_date = date(2025, 12, 31)
        self.assertIn("lock date", writer._refusal(self.journal, [date(2025, 12, 31)]))
        self.assertIsNone(writer._refusal(self.journal, [date(2026, 1, 1)]))
        self.journal.restrict_mode_hash_table = True
        self.assertIn("hashes its entries", writer._refusal(self.journal, [date(2026, 1, 1)]))

