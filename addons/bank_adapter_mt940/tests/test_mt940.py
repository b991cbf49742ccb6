"""MT940/MT942: statements, balances, :61: references, structured :86:, import path, malformed files."""
import pathlib
import unittest
from datetime import date
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import TransactionCase

from ..lib.details_86 import parse_details
from ..lib.mt940_parser import parse_mt940

SHARED = pathlib.Path(__file__).resolve().parents[4] / "shared" / "data" / "statements" / "mt940"

MT940 = """:20:STARTUMS
:25:{account}
:28C:00042/001
:60F:C260301EUR1000,00
:61:2603020302D12,50NTRFNONREF//BANKREF-1
:86:166?00SEPA-UEBERWEISUNG?109310?20EREF+E2E-77?21SVWZ+Rechnung 4711?30BYLADEM1001?31DE7551210800124512
6199?32ACME GmbH
:61:2603020302C100,00NTRFCUSTREF//BANKREF-2
:86:/EREF/NL-E2E-1//IBAN/NL91ABNA0417164300//BIC/ABNANL2A//NAME/Jan Jansen//REMI/USTD//Factuur 12/
:62F:C260302EUR1087,50
:64:C260302EUR1080,00
-
"""
MT942 = """:20:INTRADAY
:25:{account}
:28C:00043/001
:34F:EURD0,00
:13D:2603021200+0100
:61:2603020302D5,00NTRFNONREF
:86:Coffee machine lease
:90D:1EUR5,00
:90C:0EUR0,00
-
"""


class TestMt940Parser(unittest.TestCase):
    def test_statement_balances_and_lines(self):
        (stmt,) = parse_mt940(MT940.format(account="DE89370400440532013000").encode(), "t.sta")
        self.assertEqual((stmt.account, stmt.currency, stmt.sequence), ("DE89370400440532013000", "EUR", 42))
        self.assertEqual((stmt.opening_balance, stmt.closing_balance), (Decimal("1000.00"), Decimal("1087.50")))
        self.assertEqual({(b.kind, b.position) for b in stmt.balances},
                         {("booked", "opening"), ("booked", "closing"), ("available", "closing")})
        german, dutch = stmt.lines
        self.assertEqual((german.amount.amount, german.booking_date), (Decimal("-12.50"), date(2026, 3, 2)))
        self.assertEqual(german.raw["bank_reference"], "BANKREF-1")
        self.assertEqual(german.raw["layout"], "de")
        self.assertEqual((german.end_to_end_id, german.remittance_unstructured, german.counterparty_name),
                         ("E2E-77", "Rechnung 4711", "ACME GmbH"))
        self.assertEqual((dutch.raw["layout"], dutch.end_to_end_id, dutch.counterparty_iban, dutch.counterparty_name,
                          dutch.remittance_unstructured),
                         ("nl", "NL-E2E-1", "NL91ABNA0417164300", "Jan Jansen", "Factuur 12"))

    def test_mt942_is_intraday(self):
        (stmt,) = parse_mt940(MT942.format(account="DE89370400440532013000").encode(), "t.942")
        self.assertTrue(stmt.intraday)
        self.assertEqual(stmt.lines[0].amount.amount, Decimal("-5.00"))
        self.assertEqual(stmt.lines[0].raw["layout"], "free")

    def test_several_statements_keep_their_balances(self):
        two = MT940.format(account="X1") + MT940.format(account="X1").replace("00042", "00043").replace(
            ":60F:C260301EUR1000,00", ":60F:C260302EUR1087,50").replace(":62F:C260302EUR1087,50", ":62F:C260303EUR1175,00")
        first, second = parse_mt940(two.encode(), "two.sta")
        self.assertEqual((first.closing_balance, second.opening_balance, second.closing_balance),
                         (Decimal("1087.50"), Decimal("1087.50"), Decimal("1175.00")))

    def test_free_text_fallback(self):
        self.assertEqual(parse_details("Some text\nmore text"), {"layout": "free", "remittance": "Some text more text"})

    def test_not_mt940(self):
        with self.assertRaisesRegex(FormatError, "not an MT940/MT942 file"):
            parse_mt940(b"hello world", "x.txt")

    def test_bad_61_names_statement(self):
        bad = MT940.format(account="X1").replace(":61:2603020302D12,50", ":61:26ZZ020302D12,50")
        with self.assertRaisesRegex(FormatError, r"bad.sta: statement 1 \(line 1\)"):
            parse_mt940(bad.encode(), "bad.sta")

    def test_missing_account(self):
        with self.assertRaisesRegex(FormatError, ":25: account identification is missing"):
            parse_mt940(MT940.format(account="").replace(":25:\n", "").encode(), "noacc.sta")

    @unittest.skipUnless(SHARED.exists(), "shared data not beside the repository")
    def test_samples_against_expected_yml(self):
        import yaml  # the .yml files are PyYAML dumps of mt-940 objects

        for sta in sorted(SHARED.rglob("*.sta")):
            expected_path = sta.with_suffix(".yml")
            if not expected_path.exists() or b":25:" not in sta.read_bytes():
                continue  # fragments without an account cannot be statements
            with self.subTest(sta.name):
                expected = yaml.unsafe_load(expected_path.read_text())
                amounts = [Decimal(str(t.data["amount"].amount)) for t in expected.transactions]
                parsed = [line.amount.amount for stmt in parse_mt940(sta.read_bytes(), sta.name) for line in stmt.lines]
                self.assertEqual(parsed, amounts)


class TestMt940Import(TransactionCase):
    def test_upload_path_and_reimport(self):
        factories.bind(self.env)
        eur = self.env.ref("base.EUR")
        eur.active = True
        journal = factories.BankJournalFactory(currency_id=eur.id)
        data = MT940.format(account=journal.bank_account_id.acc_number).encode()
        record = self.env["finance.file.import"]._import_file(data, "bank.sta")
        self.assertEqual((record.state, record.file_format, record.lines_created), ("done", "SWIFT MT940/MT942", 2))
        again = self.env["finance.file.import"]._import_file(data + b"\n", "bank-again.sta")
        self.assertEqual((again.state, again.lines_created, again.lines_skipped), ("done", 0, 2))

    def test_malformed_file_recorded(self):
        record = self.env["finance.file.import"]._import_file(b":20:X\n:25:Y\n:61:garbage\n-", "broken.sta")
        self.assertEqual(record.state, "failed")
        self.assertIn("broken.sta: statement 1", record.error)
