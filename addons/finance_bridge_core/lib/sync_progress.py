"""What one synchronisation or file import has done so far: counters, notes, touched statements.

The sync engine fills one ``SyncProgress`` per unit of work, whatever the channel (API pages,
files, balances, status events); the sync run and the file-import record are written from it, and
a ``listener`` (the job-progress reporter of a large file) is told after every chunk.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

COUNTERS = ("statements_created", "lines_created", "lines_skipped", "balances_recorded", "continuity_gaps",
            "status_events", "pending_lines")


@dataclass
class SyncProgress:
    statements_created: int = 0
    lines_created: int = 0
    lines_skipped: int = 0
    balances_recorded: int = 0
    continuity_gaps: int = 0
    status_events: int = 0
    pending_lines: int = 0
    notes: list = field(default_factory=list)
    statement_ids: list = field(default_factory=list)
    # told ``counters`` (dict) after each chunk, page or file; ``live`` counts of a statement in progress
    listener: Callable[[dict], None] | None = None

    def add(self, **counts):
        for name, value in counts.items():
            if name not in COUNTERS:
                raise KeyError(f"not a progress counter: {name}")
            setattr(self, name, getattr(self, name) + int(value or 0))

    def note(self, text):
        if text and text not in self.notes:
            self.notes.append(text)

    def touched(self, statement_ids):
        for statement_id in statement_ids:
            if statement_id not in self.statement_ids:
                self.statement_ids.append(statement_id)

    def tick(self, **live):
        """Tell the listener (after a chunk of lines, a page, a file); ``live`` overrides counters
        with the running totals of a statement still being stored."""
        if self.listener:
            self.listener(dict(self.counters(), **live))

    def counters(self, names=COUNTERS):
        return {name: getattr(self, name) for name in names}
