"""Variants of camt and pain.002 found by running other projects' public test corpora through our
parsers (issue #13, class 10). The files under ``peer_variants/`` are our own (LGPL-3, fake names
and accounts) and reproduce each variant; no peer file is kept in this repository."""
import pathlib
from decimal import Decimal

from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import TransactionCase

from ..lib.camt_parser import parse_camt
from ..lib.pain002_parser import parse_pain002

FILES = pathlib.Path(__file__).parent / "peer_variants"


def read(name):
    return (FILES / name).read_bytes()


class PeerCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        eur = cls.env.ref("base.EUR")
        eur.active = True
        bank = cls.env["res.partner.bank"].create({"acc_number": "NL39RABO0300065264",
                                                   "partner_id": cls.env.company.partner_id.id})
        cls.journal = factories.BankJournalFactory(code="FP901", bank_account_id=bank.id,
                                                   currency_id=False if eur == cls.env.company.currency_id else eur.id)

    def lines(self):
        return self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)], order="id")


class TestCamtPeerVariants(PeerCase):
    """Read wrongly before: a reversal's sign (seen in OCA bank-statement-import's camt.053 test file)."""

    adversarial_class = "peer_files"

    def test_debit_reversal_is_a_debit(self):
        lines = parse_camt(read("reversals.xml"), "reversals.xml").statements[0].lines
        self.assertEqual((lines[1].amount.amount, lines[1].raw["reversal"]), (Decimal("-250.00"), True))

    def test_credit_reversal_is_a_credit(self):
        lines = parse_camt(read("reversals.xml"), "reversals.xml").statements[0].lines
        self.assertEqual(lines[2].amount.amount, Decimal("80.00"))

    def test_reversals_imported_and_balanced(self):
        record = self.env["finance.file.import"]._import_payload(read("reversals.xml"), "reversals.xml")
        self.assertEqual((record.state, record.lines_created), ("done", 3), record.error)
        self.assertEqual(self.lines().mapped("amount"), [250.0, -250.0, 80.0])
        statement = self.lines().statement_id
        self.assertEqual((statement.balance_start, statement.balance_end, statement.balance_end_real),
                         (1000.0, 1080.0, 1080.0))


class TestIsoPeerRegressions(PeerCase):
    """Read right before and after: kept so the stricter amount checks never refuse them."""

    def test_trailing_zero_decimals_are_cents(self):
        stmt = parse_camt(read("trailing_zero_decimals.xml"), "tz.xml").statements[0]
        self.assertEqual((stmt.opening_balance, stmt.closing_balance, stmt.lines[0].amount.amount),
                         (Decimal("18.150"), Decimal("27.000"), Decimal("8.850")))
        record = self.env["finance.file.import"]._import_payload(read("trailing_zero_decimals.xml"), "tz.xml")
        self.assertEqual((record.state, self.lines().amount), ("done", 8.85), record.error)

    def test_camt054_return_notification(self):
        result = parse_camt(read("camt054_return.xml"), "ntf.xml")
        self.assertEqual([(e.end_to_end_id, e.status, e.reason_code, e.amount.amount) for e in result.status_events],
                         [("MEMBER-2026-031", "RTRN", "AC06", Decimal("42.50"))])
        self.assertEqual(result.statements[0].lines[0].amount.amount, Decimal("-42.50"))

    def test_pain002_rejections_with_amounts(self):
        events = parse_pain002(read("pain002_rejections.xml"), "sts.xml")
        self.assertEqual([(e.level, e.end_to_end_id, e.status, e.reason_code, e.amount and e.amount.amount)
                          for e in events],
                         [("group", None, "PART", None, None),
                          ("transaction", "MEMBER-2026-031", "RJCT", "AC06", Decimal("42.50")),
                          ("transaction", "MEMBER-2026-047", "RJCT", "MD06", Decimal("38"))])
