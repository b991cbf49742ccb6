"""Order and de-duplicate the steps of a trace (pure: no ORM).

A step is what one record tells about a unit of work: when, which stage, a one-line summary and the
record. Steps come from several addons (``finance.trace.hooks``) and may repeat; they are shown once,
in time order. Timestamps of one transaction are equal (PostgreSQL's transaction time) and many are
kept to the second, so equal times fall back on the stage's place in the life of a payment: a bill
comes before its batch, a release before the message it queues, a status before the booking.
"""
from dataclasses import dataclass
from datetime import datetime

# Rank of each stage when two steps carry the same time (lower first).
STAGE_RANK = {
    "Bill": 10, "Payment batch": 20, "Batch line": 22, "Approval": 30, "Released": 40, "Payment": 45,
    "Outbox queued": 50, "Sent to bank": 60, "File": 62, "Sync run": 64, "Status from bank": 70,
    "Statement": 75, "Statement line": 80, "Matched": 90, "Audit": 95,
}
MAX_STEPS = 2000


@dataclass(frozen=True)
class TraceStep:
    at: datetime | None
    kind: str
    summary: str
    model: str
    res_id: int

    def sort_key(self, default: datetime):
        return (self.at or default, STAGE_RANK.get(self.kind, 99), self.model, self.res_id)


def ordered_steps(steps, default: datetime):
    """``steps`` once each (same stage and record), in time order; at most ``MAX_STEPS``."""
    seen, result = set(), []
    for step in sorted(steps, key=lambda s: s.sort_key(default)):
        ident = (step.kind, step.model, step.res_id)
        if ident not in seen:
            seen.add(ident)
            result.append(step)
    return result[:MAX_STEPS]
