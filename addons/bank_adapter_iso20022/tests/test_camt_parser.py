"""camt readers: statements, entries, batches, balances, references; errors name the element."""
import unittest
from datetime import date
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.errors import FormatError

from ..lib.camt_parser import parse_camt
from . import samples as s


class TestCamt053(unittest.TestCase):
    def parse(self, entries, **kw):
        return parse_camt(s.camt053(entries=entries, **kw), "t.xml")

    def test_statement_and_balances(self):
        result = self.parse(s.entry(txs=s.tx()))
        stmt = result.statements[0]
        self.assertEqual((result.message, result.version, stmt.sequence, stmt.statement_id), ("camt.053", 8, 7, "STMT-7"))
        self.assertEqual((stmt.opening_balance, stmt.closing_balance), (Decimal("100.00"), Decimal("88.00")))
        self.assertEqual({(b.kind, b.position) for b in stmt.balances},
                         {("booked", "opening"), ("booked", "closing"), ("available", "closing")})

    def test_line_details(self):
        line = self.parse(s.entry(txs=s.tx(strd="RF18539007547034", uetr="eb6305c9-1f7f-49de-aed0-16487c27b42d")))\
            .statements[0].lines[0]
        self.assertEqual(line.amount.amount, Decimal("-12.00"))
        self.assertEqual(line.booking_date, date(2026, 3, 2), "bank-local date of the timestamp, not UTC")
        self.assertEqual((line.counterparty_name, line.counterparty_iban, line.counterparty_bic),
                         ("ACME GmbH", "DE75512108001245126199", "BYLADEM1001"))
        self.assertEqual((line.end_to_end_id, line.acct_svcr_ref, line.ntry_ref, line.unique_id),
                         ("E2E-1", "ACSR-1", "NREF-ACSR-1", "ACSR-1"))
        self.assertEqual(line.bank_transaction_code, "PMNT-ICDT-ESCT")
        self.assertEqual((line.remittance_unstructured, line.remittance_structured), ("Invoice 17", "RF18539007547034"))
        self.assertEqual(line.uetr, "eb6305c9-1f7f-49de-aed0-16487c27b42d")

    def test_batch_split_into_transactions(self):
        txs = s.tx("5.00", e2e="A", ref="T-1") + s.tx("7.00", e2e="B", ref="T-2", name="Other Ltd")
        lines = self.parse(s.entry(amount="12.00", txs=txs)).statements[0].lines
        self.assertEqual([(x.amount.amount, x.end_to_end_id, x.unique_id) for x in lines],
                         [(Decimal("-5.00"), "A", "T-1"), (Decimal("-7.00"), "B", "T-2")])

    def test_batch_without_own_refs_gets_indexed_keys(self):
        txs = s.tx("5.00", e2e="A") + s.tx("7.00", e2e="B")
        lines = self.parse(s.entry(amount="12.00", ref="BATCH-9", txs=txs)).statements[0].lines
        self.assertEqual([x.unique_id for x in lines], ["BATCH-9/1", "BATCH-9/2"])

    def test_reversal_keeps_the_sign_of_its_indicator(self):
        # ISO 20022: CdtDbtInd of a reversal entry is already its own direction (DBIT reverses a credit).
        line = self.parse(s.entry(ind="DBIT", reversal=True, txs=s.tx(ind="DBIT"))).statements[0].lines[0]
        self.assertEqual((line.amount.amount, line.raw["reversal"]), (Decimal("-12.00"), True))
        line = self.parse(s.entry(ind="CRDT", reversal=True, txs=s.tx(ind="CRDT"))).statements[0].lines[0]
        self.assertEqual(line.amount.amount, Decimal("12.00"))

    def test_credit_counterparty_is_debtor(self):
        line = self.parse(s.entry(ind="CRDT", txs=s.tx(ind="CRDT", name="Payer SA"))).statements[0].lines[0]
        self.assertEqual((line.amount.amount, line.counterparty_name), (Decimal("12.00"), "Payer SA"))

    def test_pending_entries_not_lines(self):
        result = self.parse(s.entry(status="PDNG", txs=s.tx()))
        self.assertEqual(result.statements[0].lines, ())
        self.assertIn("PDNG entry not imported", result.notes[0])

    def test_foreign_amount_and_return_reason(self):
        line = self.parse(s.entry(txs=s.tx(instd="13.40", rtr="AC04"))).statements[0].lines[0]
        self.assertEqual((line.foreign_amount.amount, line.foreign_amount.currency), (Decimal("13.40"), "USD"))
        self.assertEqual(line.raw["return_reason"], "AC04")

    def test_version_02(self):
        self.assertEqual(self.parse(s.entry(txs=s.tx()), version="02").version, 2)

    def test_bad_amount_names_element(self):
        with self.assertRaisesRegex(FormatError, r"t.xml: BkToCstmrStmt/Stmt/Ntry/Amt \(line \d+\): invalid amount '12,00'"):
            self.parse(s.entry(amount="12,00", txs=s.tx()))

    def test_bad_date_names_element(self):
        with self.assertRaisesRegex(FormatError, "BookgDt: invalid date '2026-13-02"):
            self.parse(s.entry(date="2026-13-02", txs=s.tx()))

    def test_bad_indicator(self):
        with self.assertRaisesRegex(FormatError, "CdtDbtInd 'DEBIT'"):
            self.parse(s.entry(ind="DEBIT", txs=""))

    def test_not_camt(self):
        with self.assertRaisesRegex(FormatError, "pain.002 is not a camt"):
            parse_camt(s.pain002(), "x.xml")


class TestCamt052And054(unittest.TestCase):
    def test_052_is_intraday(self):
        xml = s.camt053(entries=s.entry(txs=s.tx())).replace(b"camt.053", b"camt.052").replace(
            b"BkToCstmrStmt", b"BkToCstmrAcctRpt").replace(b"<Stmt>", b"<Rpt>").replace(b"</Stmt>", b"</Rpt>")
        stmt = parse_camt(xml, "r.xml").statements[0]
        self.assertTrue(stmt.intraday)
        self.assertEqual(stmt.lines[0].unique_id, "ACSR-1")

    def test_054_gives_status_events(self):
        xml = s.camt053(entries=s.entry(txs=s.tx(e2e="PAY-1") + s.tx(e2e="PAY-2", rtr="AC01"))).replace(
            b"camt.053", b"camt.054").replace(b"BkToCstmrStmt", b"BkToCstmrDbtCdtNtfctn").replace(
            b"<Stmt>", b"<Ntfctn>").replace(b"</Stmt>", b"</Ntfctn>")
        result = parse_camt(xml, "n.xml")
        self.assertEqual([(e.end_to_end_id, e.status, e.reason_code) for e in result.status_events],
                         [("PAY-1", "BOOK", None), ("PAY-2", "RTRN", "AC01")])


@unittest.skipUnless(s.SHARED.exists(), "shared data not beside the repository")
class TestSharedSamples(unittest.TestCase):
    def test_every_valid_sample_parses(self):
        folder = s.SHARED / "statements" / "camt"
        for path in sorted(folder.glob("*.xml")):
            with self.subTest(path.name):
                if path.name == "camt053.v2.wrong.xml":
                    with self.assertRaises(FormatError):
                        parse_camt(path.read_bytes(), path.name)
                    continue
                self.assertTrue(parse_camt(path.read_bytes(), path.name).statements)

    def test_v8_sample_facts(self):
        result = parse_camt((s.SHARED / "statements" / "camt" / "camt053.v8.xml").read_bytes(), "v8")
        stmt = result.statements[0]
        self.assertEqual((stmt.account, stmt.currency, stmt.sequence), ("NL26VAYB8060476890", "EUR", 12312))
        line = stmt.lines[0]
        self.assertEqual((line.amount.amount, line.end_to_end_id, line.acct_svcr_ref),
                         (Decimal("8.85"), "MUELL/FINP/RA12345", "AAAASESS-FP-CN_98765/01"))
        self.assertEqual(line.booking_date, date(2014, 12, 31))
