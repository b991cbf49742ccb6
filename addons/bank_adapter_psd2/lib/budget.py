"""frequencyPerDay: the day's unattended calls of a consent, spent no faster than the day allows.

A Berlin Group bank counts the calls made without the PSU present (no ``PSU-IP-Address``) per
consent, account and endpoint, per bank-local day, and refuses the one beyond ``frequencyPerDay``
with 429 ACCESS_EXCEEDED. A scheduler that syncs every 10 minutes would burn a budget of 4 by
00:40 and be blind until midnight, so calls are paced: the k-th call of a day (k from 0) is
allowed from ``k × 24 h / frequencyPerDay`` after the bank's midnight, and never beyond the budget.
"""
from datetime import datetime, time, timedelta


def day_start(now_local):
    return datetime.combine(now_local.date(), time(0), tzinfo=now_local.tzinfo)


def next_slot(used_today, frequency_per_day, now_local):
    """When the next unattended call may be made: None = now; else a bank-local datetime."""
    if not frequency_per_day:
        return None
    start = day_start(now_local)
    if used_today >= frequency_per_day:
        return start + timedelta(days=1)
    slot = start + timedelta(seconds=used_today * 86400 / frequency_per_day)
    return None if slot <= now_local else slot


class Usage:
    """Calls counted per key (account + endpoint) for one bank-local day; JSON-native for storage."""

    def __init__(self, data=None, today=None):
        data = data if isinstance(data, dict) else {}
        self.day = today.isoformat() if today else None
        self.counts = dict(data.get("counts") or {}) if data.get("day") == self.day else {}

    def used(self, key):
        return int(self.counts.get(key, 0))

    def count(self, key):
        self.counts[key] = self.used(key) + 1
        return self.counts[key]

    def to_data(self):
        return {"day": self.day, "counts": dict(sorted(self.counts.items()))}
