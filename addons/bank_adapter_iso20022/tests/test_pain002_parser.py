"""pain.002 (001.03 and 001.11 standing in for 001.10) into group, payment and transaction events."""
import unittest
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.errors import FormatError

from ..lib.pain002_parser import parse_pain002
from . import samples as s


class TestPain002(unittest.TestCase):
    def test_levels_and_reasons(self):
        for version in ("03", "10", "11"):
            with self.subTest(version=version):
                events = parse_pain002(s.pain002(version=version), "p.xml")
                self.assertEqual([(e.level, e.status) for e in events],
                                 [("group", "PART"), ("payment_info", "PART"), ("transaction", "ACSC"),
                                  ("transaction", "RJCT")])
                rejected = events[-1]
                self.assertEqual((rejected.end_to_end_id, rejected.instruction_id, rejected.reason_code,
                                  rejected.reason_text), ("E2E-2", "I-E2E-2", "AC04", "Account closed"))
                self.assertEqual(rejected.amount.amount, Decimal("10.00"))
                self.assertEqual(rejected.msg_id, "MSG-1")

    def test_every_status_code(self):
        codes = ("ACTC", "ACCP", "ACSP", "ACSC", "ACWC", "PDNG", "PART", "RJCT")
        events = parse_pain002(s.pain002(grp="ACTC", txs=tuple((f"E{c}", c, None) for c in codes)))
        self.assertEqual([e.status for e in events if e.level == "transaction"], list(codes))

    def test_unknown_status_named(self):
        with self.assertRaisesRegex(FormatError, r"TxInfAndSts \(line \d+\): unknown status 'OKAY'"):
            parse_pain002(s.pain002(txs=(("E", "OKAY", None),)))

    def test_missing_original_msg_id(self):
        with self.assertRaisesRegex(FormatError, "OrgnlMsgId is missing"):
            parse_pain002(s.pain002().replace(b"<OrgnlMsgId>MSG-1</OrgnlMsgId>", b""))
