"""lib/execution_date: cut-off, weekends, TARGET2 closing days (Easter computed)."""
import unittest
from datetime import date, datetime

from ..lib.execution_date import cutoff_time, easter_sunday, execution_date, target2_closing_days

CLOSED_2026 = set(target2_closing_days(2026))


class TestExecutionDate(unittest.TestCase):
    def test_easter_sundays(self):
        known = {2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5),
                 2027: date(2027, 3, 28), 2028: date(2028, 4, 16), 2029: date(2029, 4, 1), 2030: date(2030, 4, 21)}
        for year, sunday in known.items():
            self.assertEqual(easter_sunday(year), sunday, year)

    def test_target2_closing_days_2026(self):
        self.assertEqual(sorted(target2_closing_days(2026)), [
            date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 12, 25),
            date(2026, 12, 26)])

    def test_business_day_before_cutoff_is_kept(self):
        result = execution_date(date(2026, 3, 3), datetime(2026, 3, 3, 14, 59), 15.0, CLOSED_2026)
        self.assertEqual(result.date, date(2026, 3, 3))
        self.assertFalse(result.moved)

    def test_after_cutoff_moves_to_next_business_day(self):
        result = execution_date(date(2026, 3, 3), datetime(2026, 3, 3, 15, 1), 15.0, CLOSED_2026)
        self.assertEqual(result.date, date(2026, 3, 4))
        self.assertIn("cut-off", result.reasons[0])
        # Friday after the cut-off: Monday
        self.assertEqual(execution_date(date(2026, 3, 6), datetime(2026, 3, 6, 16, 0), 15.5, CLOSED_2026).date,
                         date(2026, 3, 9))

    def test_easter_weekend_moves_to_tuesday(self):
        result = execution_date(date(2026, 4, 3), datetime(2026, 3, 20, 9, 0), 15.0, CLOSED_2026)
        self.assertEqual(result.date, date(2026, 4, 7))  # Good Friday, weekend, Easter Monday
        self.assertEqual(len(result.reasons), 4)

    def test_christmas_and_new_year(self):
        closed = CLOSED_2026 | set(target2_closing_days(2027))
        self.assertEqual(execution_date(date(2026, 12, 24), datetime(2026, 12, 24, 17, 0), 15.0, closed).date,
                         date(2026, 12, 28))
        self.assertEqual(execution_date(date(2026, 12, 31), datetime(2026, 12, 31, 16, 0), 15.0, closed).date,
                         date(2027, 1, 4))

    def test_past_date_is_today_or_later(self):
        result = execution_date(date(2026, 3, 1), datetime(2026, 3, 3, 10, 0), 15.0, CLOSED_2026)
        self.assertEqual(result.date, date(2026, 3, 3))
        self.assertIn("past", result.reasons[0])

    def test_cutoff_values(self):
        self.assertEqual(cutoff_time(15.5).strftime("%H:%M"), "15:30")
        with self.assertRaises(ValueError):
            cutoff_time(24)
