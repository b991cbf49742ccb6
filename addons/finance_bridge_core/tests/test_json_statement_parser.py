"""The canonical JSON statement format: valid documents parse, invalid ones name the JSON path."""
import json
import unittest
from datetime import date
from decimal import Decimal

from ..lib.amounts import balance_mismatch
from ..lib.errors import FormatError
from ..lib.json_statement_parser import parse_statement_json, statement_to_document


def doc(**stmt_overrides):
    stmt = {
        "id": "S-1", "account": {"iban": "DE89 3704 0044 0532 0130 00", "currency": "EUR"},
        "date": "2026-03-02", "sequence": 7, "opening_balance": "100.00", "closing_balance": "87.50",
        "lines": [{"booking_date": "2026-03-02", "value_date": "2026-03-03", "amount": "-12.50",
                   "label": "Coffee", "counterparty": {"name": "Café", "iban": "NL91ABNA0417164300"},
                   "references": {"end_to_end_id": "E2E-1", "acct_svcr_ref": "BANK-1"},
                   "remittance": {"structured": "RF18539007547034"},
                   "foreign_amount": {"amount": "13.40", "currency": "USD"}, "raw": {"x": 1}}],
        "balances": [{"kind": "available", "position": "closing", "date": "2026-03-02", "amount": "80.00"}],
    }
    stmt.update(stmt_overrides)
    return {"format": "finance_bridge.statement", "version": 1, "statement": stmt}


def parse(document):
    return parse_statement_json(json.dumps(document).encode(), source="t.json")


class TestJsonStatementParser(unittest.TestCase):
    def test_valid_document(self):
        stmt = parse(doc())
        self.assertEqual(stmt.account, "DE89370400440532013000")
        self.assertEqual(stmt.opening_balance, Decimal("100.00"))
        line = stmt.lines[0]
        self.assertEqual(line.amount.amount, Decimal("-12.50"))
        self.assertEqual(line.value_date, date(2026, 3, 3))
        self.assertEqual(line.foreign_amount.currency, "USD")
        self.assertEqual(line.acct_svcr_ref, "BANK-1")
        self.assertEqual(stmt.balances[0].kind, "available")

    def test_round_trip(self):
        stmt = parse(doc())
        self.assertEqual(parse(statement_to_document(stmt)), stmt)

    def test_json_numbers_are_decimal_not_float(self):
        document = doc(opening_balance=None, closing_balance=None)
        text = json.dumps(document).replace('"-12.50"', "-12.10")
        stmt = parse_statement_json(text)
        self.assertEqual(stmt.lines[0].amount.amount, Decimal("-12.10"))

    def assertProblem(self, document, path, fragment):
        with self.assertRaises(FormatError) as ctx:
            parse(document)
        locations = {loc: msg for loc, msg in ctx.exception.problems}
        self.assertIn(path, locations, ctx.exception.problems)
        self.assertIn(fragment, locations[path])
        self.assertIn("t.json", str(ctx.exception))

    def test_bad_amount_path(self):
        d = doc(opening_balance=None, closing_balance=None)
        d["statement"]["lines"][0]["amount"] = "12,50"
        self.assertProblem(d, "$.statement.lines[0].amount", "invalid amount")

    def test_bad_date_path(self):
        d = doc()
        d["statement"]["lines"][0]["booking_date"] = "2026-02-30"
        self.assertProblem(d, "$.statement.lines[0].booking_date", "invalid date")

    def test_wrong_currency(self):
        d = doc()
        d["statement"]["account"]["currency"] = "EURO"
        self.assertProblem(d, "$.statement.account.currency", "ISO 4217")

    def test_line_currency_mismatch(self):
        d = doc()
        d["statement"]["lines"][0]["currency"] = "USD"
        self.assertProblem(d, "$.statement.lines[0].currency", "differs from the account currency")

    def test_unknown_format_and_version(self):
        d = doc()
        d["format"], d["version"] = "other", 2
        with self.assertRaises(FormatError) as ctx:
            parse(d)
        paths = [p for p, _m in ctx.exception.problems]
        self.assertEqual(paths[:2], ["$.format", "$.version"])

    def test_balance_arithmetic_left_to_ingestion(self):
        # Refused or flagged at ingestion, per company setting (see test_amount_attacks).
        stmt = parse_statement_json(json.dumps(doc(closing_balance="90.00")))
        self.assertEqual(balance_mismatch(stmt.opening_balance, stmt.closing_balance, stmt.total),
                         "closing balance 90.00 ≠ opening balance 100.00 + sum of the lines -12.50 (difference 2.50)")

    def test_unknown_reference_key(self):
        d = doc()
        d["statement"]["lines"][0]["references"]["bank_id"] = "x"
        self.assertProblem(d, "$.statement.lines[0].references.bank_id", "unknown reference")

    def test_all_problems_collected(self):
        d = doc(opening_balance=None, closing_balance=None)
        d["statement"]["lines"].append({"booking_date": "nope", "amount": True})
        d["statement"]["balances"][0]["kind"] = "cleared"
        with self.assertRaises(FormatError) as ctx:
            parse(d)
        paths = {p for p, _m in ctx.exception.problems}
        self.assertTrue({"$.statement.lines[1].booking_date", "$.statement.lines[1].amount",
                         "$.statement.balances[0].kind"} <= paths)

    def test_syntax_error_names_line(self):
        with self.assertRaises(FormatError) as ctx:
            parse_statement_json(b'{\n "format": \n}', source="bad.json")
        self.assertTrue(ctx.exception.problems[0][0].startswith("line 3"))

    def test_not_utf8(self):
        with self.assertRaisesRegex(FormatError, "not UTF-8"):
            parse_statement_json(b'{"a": "\xff"}')

    def test_missing_account(self):
        d = doc()
        d["statement"]["account"] = {"currency": "EUR"}
        self.assertProblem(d, "$.statement.account", "iban or number is required")
