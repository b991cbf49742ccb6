"""The set-based writer's pure rules (``lib/bulk_reconcile.py``), without a database."""
import unittest
from datetime import date
from decimal import Decimal as D

from ..lib.bulk_reconcile import ItemState, pair_rows, plan_refusal

INVOICE = ItemState(id=1, balance=D("250.00"), residual=D("250.00"), date=date(2026, 3, 1))
BILL = ItemState(id=2, balance=D("-300.00"), residual=D("-300.00"), date=date(2026, 3, 9))
ITEMS = {1: INVOICE, 2: BILL}


class TestPairRows(unittest.TestCase):
    def test_a_receivable_settled_in_part_keeps_its_rest(self):
        (pair,) = pair_rows(date(2026, 3, 5), [(1, D("100.00"))], ITEMS)
        self.assertEqual((pair.counterpart_balance, pair.amount, pair.item_is_debit, pair.full, pair.residual_after),
                         (D("-100.00"), D("100.00"), True, False, D("150.00")))
        self.assertEqual(pair.max_date, date(2026, 3, 5))

    def test_a_payable_settled_in_full_has_no_rest(self):
        (pair,) = pair_rows(date(2026, 3, 5), [(2, D("-300.00"))], ITEMS)
        self.assertEqual((pair.counterpart_balance, pair.amount, pair.item_is_debit, pair.full, pair.residual_after),
                         (D("300.00"), D("300.00"), False, True, D("0.00")))
        self.assertEqual(pair.max_date, date(2026, 3, 9))   # the item's later date

    def test_one_row_per_item_in_allocation_order(self):
        rows = pair_rows(date(2026, 3, 5), [(2, D("-1.00")), (1, D("2.00"))], ITEMS)
        self.assertEqual([(r.item_id, r.residual_after) for r in rows], [(2, D("-299.00")), (1, D("248.00"))])


class TestPlanRefusal(unittest.TestCase):
    def test_the_common_case_is_taken(self):
        self.assertIsNone(plan_refusal(D("250.00"), [(1, D("250.00"))], ITEMS))
        self.assertIsNone(plan_refusal(D("100.00"), [(1, D("100.00"))], ITEMS, "partial"))

    def test_what_is_left_to_the_orm(self):
        cases = {
            "write-off": (D("250.00"), [(1, D("250.00"))], "writeoff"),
            "not settled in full": (D("260.00"), [(1, D("250.00"))], ""),
            "appears twice": (D("200.00"), [(1, D("100.00")), (1, D("100.00"))], ""),
            "does not fit": (D("260.00"), [(1, D("260.00"))], ""),
            "not an open receivable": (D("5.00"), [(9, D("5.00"))], ""),
        }
        for expected, (amount, allocations, kind) in cases.items():
            with self.subTest(expected):
                reason = plan_refusal(amount, allocations, ITEMS, kind) or ""
                self.assertIn(expected, reason.replace("writeoff", "write-off"))
        partly = {1: ItemState(id=1, balance=D("250.00"), residual=D("200.00"), date=date(2026, 3, 1),
                               partial_count=1)}
        self.assertIn("already partly reconciled", plan_refusal(D("200.00"), [(1, D("200.00"))], partly))
