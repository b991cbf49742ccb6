"""Pure helpers: horizons, alert bookkeeping, Prometheus text."""
from datetime import date

from odoo.tests.common import BaseCase

from ..lib.alert_logic import breaches, plan
from ..lib.horizons import bucket_of, position_at
from ..lib.prometheus import parse, render


class TestPure(BaseCase):

    def test_buckets(self):
        today = date(2026, 3, 2)
        self.assertEqual(bucket_of(date(2026, 2, 1), today), 0)   # overdue counts today
        self.assertEqual(bucket_of(today, today), 0)
        self.assertEqual(bucket_of(date(2026, 3, 9), today), 7)
        self.assertEqual(bucket_of(date(2026, 3, 10), today), 30)
        self.assertEqual(bucket_of(date(2026, 5, 31), today), 90)
        self.assertIsNone(bucket_of(date(2026, 6, 1), today))
        self.assertEqual(position_at(100, -20, {0: 5, 7: 10, 30: 1000}, 7), 95)

    def test_alert_plan_opens_once_and_closes(self):
        self.assertEqual(plan([], ["a", "b"]), (["a", "b"], []))
        self.assertEqual(plan(["a", "b"], ["a", "b"]), ([], []))
        self.assertEqual(plan(["a", "b"], ["b"]), ([], ["a"]))
        self.assertTrue(breaches(3, 2))
        self.assertFalse(breaches(2, 2))
        self.assertTrue(breaches(14, 14, "<="))
        self.assertFalse(breaches(None, 0))

    def test_prometheus_round_trip(self):
        text = render([("fb_x", "gauge", "help \\ text", [({"company": 'A "1"'}, 2), ({"company": "B"}, 1.5)])])
        self.assertIn('# TYPE fb_x gauge', text)
        values = parse(text)
        self.assertEqual(values[("fb_x", frozenset({("company", 'A "1"')}))], 2.0)
        self.assertEqual(values[("fb_x", frozenset({("company", "B")}))], 1.5)
        with self.assertRaises(ValueError):
            render([("bad name", "gauge", "", [])])
