"""Variants of MT940 found by running other projects' public test corpora (OCA bank-statement-import
ING/Rabo/SNS files, the wolph/mt940 corpus) through our parser (issue #13, class 10). The files under
``peer_variants/`` are our own (LGPL-3, fake names and accounts); no peer file is kept here."""
import pathlib
from decimal import Decimal

from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import TransactionCase

from ..lib.mt940_parser import parse_mt940

FILES = pathlib.Path(__file__).parent / "peer_variants"


def parse(name):
    return parse_mt940((FILES / name).read_bytes(), name)


class TestMt940PeerVariants(TransactionCase):
    """Refused or misread before."""

    adversarial_class = "peer_files"

    def test_ing_statement_number_wrapped_onto_next_line(self):
        (stmt,) = parse("ing_wrapped_fields.sta")
        self.assertEqual((stmt.statement_id, stmt.opening_balance, stmt.closing_balance),
                         ("P260302000000001/00000/1", Decimal("1250.40"), Decimal("1515.05")))

    def test_ing_61_reference_wrapped_before_its_supplementary_details(self):
        (stmt,) = parse("ing_wrapped_fields.sta")
        self.assertEqual([(line.amount.amount, line.raw["bank_reference"]) for line in stmt.lines],
                         [(Decimal("310.25"), "00000000004711"), (Decimal("-45.60"), "00000000004712")])

    def test_ing_account_followed_by_its_currency(self):
        (stmt,) = parse("ing_wrapped_fields.sta")
        self.assertEqual(stmt.account, "NL20INGB0001234567")

    def test_ing_counterparty_in_cntp(self):
        line = parse("ing_wrapped_fields.sta")[0].lines[0]
        self.assertEqual((line.end_to_end_id, line.counterparty_iban, line.counterparty_bic, line.counterparty_name,
                          line.label), ("INV-2026-0042", "NL71INGB0009876543", "INGBNL2A", "Bakkerij De Korenbloem",
                                        "Invoice 2026-0042"))

    def test_ing_placeholder_reference_is_not_an_end_to_end_id(self):
        line = parse("ing_wrapped_fields.sta")[0].lines[1]
        self.assertEqual((line.end_to_end_id, line.label), (None, "Collected payments 1 item"))

    def test_ing_statement_86_not_glued_to_the_last_line(self):
        line = parse("ing_wrapped_fields.sta")[0].lines[-1]
        self.assertNotIn("SUM", line.raw.get("details_86", ""))

    def test_any_single_line_field_wrapped(self):
        # Fixed-width cutting can hit any field, not only :28C: (here :25:, :60F: and :62F:).
        text = (":20:WRAP-1\n:25:NL20INGB00012\n34567\n:28C:00003/1\n:60F:C260301EUR1250,\n40\n"
                ":61:2603020302D50,00NTRFNONREF\n:86:Rent\n:62F:C260302EU\nR1200,40\n-\n")
        (stmt,) = parse_mt940(text.encode(), "wrapped.sta")
        self.assertEqual((stmt.account, stmt.opening_balance, stmt.closing_balance, stmt.sequence),
                         ("NL20INGB0001234567", Decimal("1250.40"), Decimal("1200.40"), 3))

    def test_zero_padded_amount_longer_than_15_characters(self):
        (stmt,) = parse("leading_zeros.sta")
        self.assertEqual([line.amount.amount for line in stmt.lines], [Decimal("-120.50")])

    def test_ing_file_imported(self):
        factories.bind(self.env)
        eur = self.env.ref("base.EUR")
        eur.active = True
        bank = self.env["res.partner.bank"].create({"acc_number": "NL20INGB0001234567",
                                                    "partner_id": self.env.company.partner_id.id})
        journal = factories.BankJournalFactory(code="FP940", bank_account_id=bank.id,
                                               currency_id=False if eur == self.env.company.currency_id else eur.id)
        record = self.env["finance.file.import"]._import_payload((FILES / "ing_wrapped_fields.sta").read_bytes(),
                                                                 "ing.sta")
        self.assertEqual((record.state, record.lines_created), ("done", 2), record.error)
        statement = self.env["account.bank.statement"].search([("journal_id", "=", journal.id)])
        self.assertEqual((statement.balance_start, statement.balance_end_real, statement.is_complete),
                         (1250.40, 1515.05, True))


class TestMt940PeerRegressions(TransactionCase):
    """Read right before and after: the stricter amount checks must keep accepting them."""

    def test_amount_without_decimal_comma(self):
        (stmt,) = parse("no_decimal_comma.sta")
        self.assertEqual((stmt.opening_balance, stmt.lines[0].amount.amount, stmt.closing_balance),
                         (Decimal("2000"), Decimal("-500"), Decimal("1500")))

    def test_trailer_on_the_closing_balance_line(self):
        (stmt,) = parse("trailer_on_balance.sta")
        self.assertEqual((stmt.closing_balance, stmt.lines[0].amount.amount), (Decimal("319.75"), Decimal("-80.25")))

    def test_non_swift_ns_field(self):
        (stmt,) = parse("non_swift_ns_field.sta")
        self.assertEqual((stmt.lines[0].amount.amount, stmt.closing_balance), (Decimal("1200.00"), Decimal("6200.00")))
