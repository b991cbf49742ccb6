"""Execution date of a payment batch: past the bank's cut-off, weekends and closing days.

A requested date in the past is today; today after the connection's cut-off (company time zone)
is tomorrow; then Saturdays, Sundays and the holiday calendar's closing days move it to the next
business day. The result says why it moved, so the user sees it before approving.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

WEEKEND = (5, 6)  # Saturday, Sunday


@dataclass(frozen=True, slots=True)
class ExecutionDate:
    requested: date
    date: date
    reasons: tuple

    @property
    def moved(self):
        return self.date != self.requested


def easter_sunday(year):
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


def target2_closing_days(year):
    """TARGET2 closing days of ``year``: {date: name}."""
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): "New Year's Day",
        easter - timedelta(days=2): "Good Friday",
        easter + timedelta(days=1): "Easter Monday",
        date(year, 5, 1): "Labour Day",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Christmas Holiday",
    }


def cutoff_time(hours):
    """A float of hours (15.5) as a time of day (15:30)."""
    minutes = round(float(hours or 0) * 60)
    if not 0 <= minutes < 24 * 60:
        raise ValueError(f"cut-off {hours!r} is not a time of day")
    return time(minutes // 60, minutes % 60)


def execution_date(requested, now_local, cutoff_hours, closed_days=(), max_days=60):
    """Next business day on or after ``requested`` the bank can still execute, given ``now_local``.

    ``now_local`` is a naive datetime in the company's time zone; ``closed_days`` a set of dates.
    """
    if not isinstance(now_local, datetime):
        raise TypeError("now_local must be a datetime")
    today = now_local.date()
    reasons = []
    day = requested
    if day < today:
        day = today
        reasons.append(f"{requested.isoformat()} is in the past")
    if day == today and now_local.time() > cutoff_time(cutoff_hours):
        day = today + timedelta(days=1)
        reasons.append(f"after the cut-off time {cutoff_time(cutoff_hours).strftime('%H:%M')}")
    closed = set(closed_days)
    for _ in range(max_days):
        if day.weekday() in WEEKEND:
            reasons.append(f"{day.isoformat()} is a weekend day")
        elif day in closed:
            reasons.append(f"{day.isoformat()} is a bank holiday")
        else:
            return ExecutionDate(requested, day, tuple(reasons))
        day += timedelta(days=1)
    raise ValueError(f"no business day within {max_days} days of {requested.isoformat()}")
