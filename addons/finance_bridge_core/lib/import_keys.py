"""Import keys that make statement ingestion idempotent.

The bank's own unique reference wins. Lines without one get a deterministic
hash of their content plus an occurrence index, so two identical lines in
one statement (two coffees of 3.50 on one day) stay two lines, and
re-importing the same statement maps each to its earlier key.

A bank reference that comes back within one statement (a reversal carrying the reference of the
entry it reverses, a bank reusing an AcctSvcrRef) is kept apart the same way: its first occurrence
keeps ``ref:<id>``, the n-th becomes ``ref:<id>#n``, so the file imports, and again re-imports to
nothing, instead of hitting the unique index.
"""
import hashlib
from collections import Counter


def _content_basis(account, line):
    return "|".join([
        account, line.booking_date.isoformat(), format(line.amount.amount.normalize(), "f"),
        line.amount.currency, line.counterparty_iban or line.counterparty_account or "",
        (line.counterparty_name or "").strip().lower(),
        (line.remittance_structured or line.remittance_unstructured or line.label or "").strip(),
        line.end_to_end_id or "",
    ])


class ImportKeyer:
    """Keys for the lines of one statement, fed in order and possibly in chunks."""

    def __init__(self, account):
        self.account = account
        self._seen = Counter()
        self._issued = set()

    def keys(self, lines):
        result = []
        for line in lines:
            if line.unique_id:
                key = f"ref:{line.unique_id}"
                while key in self._issued:      # also when a bank's own reference looks like "X#2"
                    self._seen[("ref", line.unique_id)] += 1
                    key = f"ref:{line.unique_id}#{self._seen[('ref', line.unique_id)] + 1}"
                self._issued.add(key)
                result.append(key)
                continue
            basis = _content_basis(self.account, line)
            occurrence = self._seen[basis]
            self._seen[basis] += 1
            digest = hashlib.sha256(f"{basis}|{occurrence}".encode()).hexdigest()[:40]
            result.append(f"h:{digest}")
        return result


def line_import_keys(account, lines):
    """Return one key per line, in order."""
    return ImportKeyer(account).keys(lines)
