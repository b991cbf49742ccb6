"""Open items indexed by every key a rule looks up: each lookup is a dict access, so matching n
lines against m items costs O(n + m), never O(n * m)."""
import re
from collections import defaultdict
from decimal import Decimal

from . import structured_refs

_WORD = re.compile(r"[0-9A-Z]+")
MAX_NGRAM = 5


def text_key(value):
    """Upper-case letters and digits only: ``inv/2026 / 0012`` -> ``INV20260012``."""
    return "".join(_WORD.findall((value or "").upper()))


def text_ngrams(text, max_n=MAX_NGRAM):
    """Keys a reference split by spaces, slashes or line breaks can take in ``text``."""
    words = _WORD.findall((text or "").upper())
    keys = set()
    for start in range(len(words)):
        joined = ""
        for word in words[start:start + max_n]:
            joined += word
            keys.add(joined)
    return keys


def iban_key(value):
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper()) or None


class MatchIndex:
    """Items by id, structured reference, free-text key, end-to-end id, UETR, batch, partner.

    ``residual`` holds what is still open of each item during a run: a line reconciled
    automatically consumes it, so a later line cannot settle the same amount twice.
    """

    def __init__(self, items, partner_by_iban=None, min_key_length=5):
        self.items = {}
        self.order = {}                 # item id -> position (oldest first)
        self.residual = {}
        self.by_structured = defaultdict(list)
        self.by_text = defaultdict(list)
        self.by_e2e = defaultdict(list)
        self.by_uetr = defaultdict(list)
        self.by_batch = defaultdict(list)
        self.by_partner = defaultdict(list)
        self.partner_by_iban = {iban_key(k): v for k, v in (partner_by_iban or {}).items() if iban_key(k)}
        self.min_key_length = min_key_length
        for item in items:
            self.add(item)

    def add(self, item):
        self.order.setdefault(item.id, len(self.order))
        self.items[item.id] = item
        self.residual[item.id] = item.amount
        if item.reference:
            kind = structured_refs.classify(item.reference)
            if kind and (kind not in ("fi", "no_se") or len(structured_refs.normalize(item.reference)) >= 6):
                self.by_structured[structured_refs.normalize(item.reference)].append(item.id)
        for value in (item.name, item.reference):
            key = text_key(value)
            # Keys without a digit (names) or too short (odoo#39005) would match anything.
            if len(key) >= self.min_key_length and any(c.isdigit() for c in key):
                if item.id not in self.by_text[key]:
                    self.by_text[key].append(item.id)
        if item.end_to_end_id:
            self.by_e2e[item.end_to_end_id.strip().upper()].append(item.id)
        if item.uetr:
            self.by_uetr[item.uetr.strip().lower()].append(item.id)
        for batch in item.batch_ids:
            if batch:
                self.by_batch[batch.strip().upper()].append(item.id)
        if item.partner_id:
            self.by_partner[item.partner_id].append(item.id)

    def is_open(self, item_id):
        return self.residual.get(item_id, Decimal(0)) != 0

    def open_ids(self, ids):
        return [i for i in dict.fromkeys(ids) if self.is_open(i)]

    def consume(self, allocations):
        for item_id, amount in allocations:
            if item_id in self.residual:
                self.residual[item_id] -= amount

    def partner_of(self, line):
        """(partner_id, source) of a line: the bank's partner, else its counterparty IBAN."""
        if line.partner_id:
            return line.partner_id, "statement line partner"
        partner = self.partner_by_iban.get(iban_key(line.counterparty_iban))
        if partner:
            return partner, f"counterparty IBAN {line.counterparty_iban}"
        return None, ""
