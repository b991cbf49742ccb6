"""The statement cursor of one PSD2 account: last booked date, ids in the look-back window, paging.

A bank may book a transaction days after its date (a late booking) and repeat a transaction on
two pages. Each pass therefore re-reads ``lookback_days`` before the last booked date and drops
the transaction ids it has already seen there; the ids kept are only those of that window, so the
cursor stays small. While a pass pages through ``_links.next`` the cursor holds the page to read
next (and the pass's window), so a failed page is read again from exactly there.

The cursor is JSON text stored by the core with the lines of each page (same transaction).
"""
import json
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

VERSION = 1
MAX_PENDING = 500


@dataclass(frozen=True)
class Cursor:
    last_booked: date | None = None
    seen: dict = field(default_factory=dict)        # transactionId → ISO booking date (look-back window only)
    next_href: str | None = None                    # the page to read next (a pass in progress)
    window: tuple | None = None                     # (date_from, date_to) of the pass in progress
    pass_max: date | None = None                    # latest booking date seen in this pass
    pending: tuple = ()                             # pending transactions collected in this pass

    @property
    def in_pass(self):
        return self.next_href is not None

    def to_json(self):
        data = {"v": VERSION, "last_booked": self.last_booked and self.last_booked.isoformat(),
                "seen": dict(sorted(self.seen.items()))}
        if self.next_href:
            data.update(next=self.next_href, window=[d.isoformat() for d in self.window],
                        pass_max=self.pass_max and self.pass_max.isoformat(), pending=list(self.pending))
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text):
        """The stored cursor; None/empty is a fresh account. Text we do not understand restarts it."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
            if data.get("v") != VERSION:
                return cls()
            window = tuple(date.fromisoformat(d) for d in data["window"]) if data.get("window") else None
            return cls(last_booked=date.fromisoformat(data["last_booked"]) if data.get("last_booked") else None,
                       seen={str(k): str(v) for k, v in (data.get("seen") or {}).items()},
                       next_href=data.get("next") or None, window=window,
                       pass_max=date.fromisoformat(data["pass_max"]) if data.get("pass_max") else None,
                       pending=tuple(data.get("pending") or ()))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()


def pass_window(cursor, today, lookback_days=3, initial_days=90):
    """``(date_from, date_to)`` of a new pass: from the last booked date less the look-back."""
    if cursor.last_booked:
        start = cursor.last_booked - timedelta(days=lookback_days)
    else:
        start = today - timedelta(days=initial_days)
    return min(start, today), today


def take_page(cursor, lines, pending, next_href, window, lookback_days=3):
    """Account for one page read in a pass; returns ``(fresh lines, new cursor)``.

    ``fresh`` are the booked lines not seen before (by transaction id; lines without an id are
    left to the core's content hash), each id once even when the page repeats it. With no next
    page the pass ends: the last booked date moves forward and the seen ids are pruned to the
    look-back window; the pass's pending transactions are in ``cursor.pending`` until then.
    """
    seen = dict(cursor.seen)
    fresh = []
    top = cursor.pass_max
    for line in lines:
        top = max(top or line.booking_date, line.booking_date)
        if line.unique_id:
            if line.unique_id in seen:
                continue
            seen[line.unique_id] = line.booking_date.isoformat()
        fresh.append(line)
    collected = (*cursor.pending, *(p.to_data() if hasattr(p, "to_data") else p for p in pending))[:MAX_PENDING]
    if next_href:
        horizon = (top or window[0]) - timedelta(days=lookback_days)
        return fresh, Cursor(cursor.last_booked, _prune(seen, horizon), next_href, tuple(window), top, collected)
    last = max(filter(None, (cursor.last_booked, top)), default=None)
    horizon = (last or window[0]) - timedelta(days=lookback_days)
    return fresh, replace(Cursor(), last_booked=last, seen=_prune(seen, horizon), pending=collected)


def _prune(seen, horizon):
    limit = horizon.isoformat()
    return {k: v for k, v in seen.items() if v >= limit}
