"""Untrusted amounts in canonical JSON statements (issue #13, class 6): each case is a file that
must be refused whole, naming file, JSON path and reason, with nothing posted. The bulk writer
also refuses on its own (last line of defence) a line that cannot give a balanced posting."""
import json
from datetime import date
from decimal import Decimal

from odoo.exceptions import UserError

from .amount_case import AmountAttackCase


def json_statement(iban, currency="USD", lines=None, raw_amounts=None, **stmt):
    """A JSON statement; ``raw_amounts`` are pasted into the text unquoted (numbers, NaN, 300 digits)."""
    lines = lines if lines is not None else [{"booking_date": "2026-03-02", "amount": "-12.50", "label": "Coffee"}]
    if raw_amounts:
        lines = [dict(line, amount=f"@@{i}@@") for i, line in enumerate(lines)]
    document = {"format": "finance_bridge.statement", "version": 1,
                "statement": dict({"account": {"iban": iban, "currency": currency}, "date": "2026-03-02",
                                   "lines": lines}, **stmt)}
    text = json.dumps(document)
    for i, value in enumerate(raw_amounts or ()):
        text = text.replace(f'"@@{i}@@"', value)
    return text.encode()


class TestJsonAmountAttacks(AmountAttackCase):
    def test_300_digit_integer(self):
        self.assertRefused(json_statement(self.iban, raw_amounts=["9" * 300]), "int300.json",
                           r"\$\.statement\.lines\[0\]\.amount", "out of range")

    def test_5000_digit_integer_is_a_format_error_not_a_python_limit(self):
        self.assertRefused(json_statement(self.iban, raw_amounts=["7" * 5000]), "int5000.json",
                           r"\$\.statement\.lines\[0\]\.amount", "out of range")

    def test_1e400(self):
        self.assertRefused(json_statement(self.iban, raw_amounts=["1e400"]), "e400.json",
                           r"\$\.statement\.lines\[0\]\.amount", "out of range")

    def test_nan(self):
        self.assertRefused(json_statement(self.iban, raw_amounts=["NaN"]), "nan.json",
                           r"\$\.statement\.lines\[0\]\.amount", "not a number")

    def test_infinity(self):
        self.assertRefused(json_statement(self.iban, raw_amounts=["-Infinity"]), "inf.json",
                           r"\$\.statement\.lines\[0\]\.amount", "not a number")

    def test_sub_cent_string(self):
        self.assertRefused(json_statement(self.iban, lines=[{"booking_date": "2026-03-02", "amount": "12.345"}]),
                           "subcent.json", r"\$\.statement\.lines\[0\]\.amount", "more decimals than USD allows")

    def test_jpy_fraction(self):
        self.assertRefused(json_statement(self.iban_of("JPY"), "JPY",
                                          lines=[{"booking_date": "2026-03-02", "amount": "100.5"}]),
                           "jpy.json", r"\$\.statement\.lines\[0\]\.amount", "more decimals than JPY allows \\(0\\)")

    def test_kwd_fourth_decimal(self):
        self.assertRefused(json_statement(self.iban_of("KWD"), "KWD",
                                          lines=[{"booking_date": "2026-03-02", "amount": "1.2345"}]),
                           "kwd.json", r"\$\.statement\.lines\[0\]\.amount", "more decimals than KWD allows \\(3\\)")

    def test_lowercase_currency(self):
        self.assertRefused(json_statement(self.iban, "usd"), "lower.json", r"\$\.statement\.account\.currency",
                           "must be upper case")

    def test_unknown_currency(self):
        self.assertRefused(json_statement(self.iban, "XXY"), "xxy.json", r"\$\.statement\.account\.currency",
                           "not an ISO 4217 currency")

    def test_negative_zero(self):
        self.assertRefused(json_statement(self.iban, lines=[{"booking_date": "2026-03-02", "amount": "-0.00"}]),
                           "negzero.json", r"\$\.statement\.lines\[0\]\.amount", "negative zero")

    def test_negative_zero_number(self):
        self.assertRefused(json_statement(self.iban, raw_amounts=["-0"]), "negzero-int.json",
                           r"\$\.statement\.lines\[0\]\.amount", "negative zero")

    def test_absurd_opening_balance(self):
        self.assertRefused(json_statement(self.iban, opening_balance=10**15, closing_balance=10**15),
                           "absurd-balance.json", r"\$\.statement\.opening_balance", "out of range")

    def test_unbalanced_statement(self):
        self.assertRefused(json_statement(self.iban, opening_balance="100.00", closing_balance="90.00"),
                           "unbalanced.json", r"statement\.closing_balance",
                           r"closing balance 90\.00 ≠ opening balance 100\.00 \+ sum of the lines -12\.50")

    def test_same_reference_twice_in_one_file(self):
        line = {"booking_date": "2026-03-02", "amount": "-5.00", "label": "Fee",
                "references": {"unique_id": "BANK-REF-1"}}
        data = json_statement(self.iban, lines=[line, dict(line, amount="5.00", label="Fee reversed")])
        record = self.import_file(data, "dupref.json")
        self.assertEqual((record.state, record.lines_created), ("done", 2), record.error)
        lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)], order="id")
        self.assertEqual(lines.mapped("finance_import_key"), ["ref:BANK-REF-1", "ref:BANK-REF-1#2"])
        again = self.import_file(data + b" ", "dupref-again.json")
        self.assertEqual((again.state, again.lines_created, again.lines_skipped), ("done", 0, 2))


class TestWriterLastLineDefence(AmountAttackCase):
    """Whatever called it, the writer posts no amount its journal cannot hold and no unbalanced move."""

    def vals(self, amount):
        statement = self.env["account.bank.statement"].create({"name": "defence", "journal_id": self.journal.id})
        return [{"statement_id": statement.id, "journal_id": self.journal.id, "date": date(2026, 3, 2),
                 "payment_ref": "attack", "amount": amount, "finance_import_key": "h:attack",
                 "transaction_details": {}, "sequence": 1}]

    def test_writer_refuses_sub_cent_amount(self):
        before = self.posted()
        with self.assertRaisesRegex(UserError, "h:attack.*more decimals than USD allows"):
            self.env["finance.statement.line.writer"]._create_lines(self.journal, self.vals(Decimal("12.345")))
        self.assertEqual(self.posted(), before)

    def test_writer_refuses_huge_amount(self):
        before = self.posted()
        with self.assertRaisesRegex(UserError, "h:attack.*out of range"):
            self.env["finance.statement.line.writer"]._create_lines(self.journal, self.vals(Decimal("9" * 300)))
        self.assertEqual(self.posted(), before)

    def test_ingestion_orm_path_refuses_sub_cent_amount(self):
        before = self.posted()
        with self.assertRaisesRegex(UserError, "more decimals than USD allows"):
            self.env["finance.statement.ingestion"]._create_lines(self.journal, self.vals(Decimal("0.001")))
        self.assertEqual(self.posted(), before)


class TestBalanceSetting(AmountAttackCase):
    """Not an attack: with the company setting on "flag", a statement not adding up is imported flagged."""

    adversarial_class = None

    def test_flagged_instead_of_refused(self):
        self.env.company.finance_balance_mismatch = "flag"
        record = self.import_file(json_statement(self.iban, opening_balance="100.00", closing_balance="90.00",
                                                 id="S-FLAG"), "flagged.json")
        self.assertEqual((record.state, record.lines_created), ("done", 1), record.error)
        self.assertIn("S-FLAG: flagged, closing balance 90.00", record.notes)
        statement = self.env["account.bank.statement"].search([("name", "=", "S-FLAG")])
        self.assertIn("difference 2.50", statement.finance_balance_note)

    def test_setting_in_the_settings_form(self):
        settings = self.env["res.config.settings"].create({"finance_balance_mismatch": "flag"})
        settings.execute()
        self.assertEqual(self.env.company.finance_balance_mismatch, "flag")

    def test_default_refuses(self):
        self.assertEqual(self.env["res.company"].create({"name": "Fresh Co"}).finance_balance_mismatch, "refuse")

    def test_thousands_separator_still_refused(self):
        # Refused before this work too: kept as a guard beside the attack cases.
        self.assertRefused(json_statement(self.iban, lines=[{"booking_date": "2026-03-02", "amount": "1,234.56"}]),
                           "thousands.json", r"\$\.statement\.lines\[0\]\.amount", "invalid amount")

    def test_kwd_three_decimals_accepted(self):
        record = self.import_file(json_statement(self.iban_of("KWD"), "KWD", lines=[
            {"booking_date": "2026-03-02", "amount": "1.234"}]), "kwd-ok.json")
        self.assertEqual((record.state, record.lines_created), ("done", 1), record.error)
        line = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journals["KWD"].id)])
        self.assertEqual(line.amount, 1.234)
        self.assertEqual(sum(line.move_id.line_ids.mapped("debit")), sum(line.move_id.line_ids.mapped("credit")))
