"""Keyed chain of audit events, its exported head and the rule that verifies both.

Why keyed: anyone with database access can recompute a plain hash chain after
editing or deleting rows. Every link here is an HMAC-SHA256 under a key derived
from the master key (which lives in the server configuration, never in the
database), so a row can only be written, sealed or re-linked by a process that
holds that key. Deleting the newest rows leaves a shorter chain that is still
valid in itself; that is caught by comparing the chain with its last *anchor*,
a (sequence, MAC) head exported outside the database (server log, an
append-only file, syslog) and, as a convenience only, kept in the database.

Two MACs per row:
- ``entry_mac``: written with the row, over its content and its database id, so
  a row inserted (or copied) by SQL is never sealed and fails verification;
- ``mac`` (column ``hash``): the chain link over the content, the entry MAC, the
  sequence number and the previous link.

Pure functions over plain mappings; the ORM model reads and writes the rows.
"""
import dataclasses
import datetime
import hashlib
import hmac
import json

from .secret_box import derive_key

GENESIS = "0" * 64
AUDIT_KEY_LABEL = "finance_bridge/audit-chain/v1"
# An event is sealed right after its transaction commits (or by the seal cron
# within minutes); an authentic row still unsealed after this long fails verification.
UNSEALED_GRACE = datetime.timedelta(minutes=5)
HEAD_PREFIX = "FINANCE_BRIDGE_AUDIT_HEAD"

ENTRY_FIELDS = ("id", "company_id", "event_type", "model", "res_id", "user_id",
                "occurred_at", "summary", "payload_hash")
CHAINED_FIELDS = ("company_id", "sequence", "event_type", "model", "res_id", "user_id",
                  "occurred_at", "summary", "payload_hash", "entry_mac", "key_id", "prev_hash")
# The unkeyed SHA-256 chain of version 19.0.1.0.0, read only to upgrade it.
LEGACY_FIELDS = ("company_id", "sequence", "event_type", "model", "res_id", "user_id",
                 "occurred_at", "summary", "payload_hash", "prev_hash")


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_hash(payload):
    return hashlib.sha256(canonical_json(payload or {}).encode("utf-8")).hexdigest()


def chain_key(master_key):
    """The audit sub-key of a 32-byte master key (HKDF, own label)."""
    return derive_key(master_key, AUDIT_KEY_LABEL)


def chain_key_id(key):
    """Public name of an audit key, stored on each row to tell keys apart (not the key)."""
    return hmac.new(key, b"finance_bridge/audit-chain/key-id", hashlib.sha256).hexdigest()[:16]


def _mac(key, fields, event):
    body = {name: event.get(name) for name in fields}
    return hmac.new(key, canonical_json(body).encode("utf-8"), hashlib.sha256).hexdigest()


def entry_mac(key, event):
    """MAC written with a new row: its content and id, under the audit key."""
    return _mac(key, ENTRY_FIELDS, event)


def event_mac(key, event):
    """Chain link of one sealed event given as a mapping with ``CHAINED_FIELDS``."""
    return _mac(key, CHAINED_FIELDS, event)


def legacy_event_hash(event):
    """The old unkeyed link, only to check a chain of 19.0.1.0.0 before re-sealing it."""
    body = {name: event.get(name) for name in LEGACY_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class ChainHead:
    company_id: int
    sequence: int
    mac: str
    key_id: str


@dataclasses.dataclass(frozen=True)
class Anchor:
    """A chain head recorded somewhere the chain's rows are not (``source`` says where)."""
    company_id: int
    sequence: int
    mac: str
    key_id: str
    source: str


@dataclasses.dataclass(frozen=True)
class Verdict:
    """Outcome of one company's verification; ``sequence``/``reason`` name the first problem."""
    ok: bool
    count: int = 0
    head: ChainHead | None = None
    sequence: int | None = None
    reason: str = ""

    def as_tuple(self):
        return None if self.ok else (self.sequence, self.reason)


def format_head(database, head, at):
    """One stable, greppable line for the server log, the anchor file and syslog."""
    return (f"{HEAD_PREFIX} db={database} company={head.company_id} seq={head.sequence} "
            f"mac={head.mac} key={head.key_id} at={at}")


def parse_head_lines(lines, database):
    """Anchors of ``database`` in exported head lines (a generator); anything else is skipped."""
    for line in lines:
        start = line.find(HEAD_PREFIX + " ")
        if start < 0:
            continue
        fields = dict(part.split("=", 1) for part in line[start:].split()[1:] if "=" in part)
        if fields.get("db") != database:
            continue
        try:
            anchor = Anchor(int(fields["company"]), int(fields["seq"]), fields["mac"], fields["key"], "file")
        except (KeyError, ValueError):
            continue
        yield anchor


def latest_anchors(anchors, key_id):
    """Per source: the furthest anchor, and the furthest one sealed with ``key_id`` (to compare MACs)."""
    chosen = {}
    for anchor in anchors:
        for slot in ((anchor.source, "any"), (anchor.source, "key")):
            if slot[1] == "key" and anchor.key_id != key_id:
                continue
            if slot not in chosen or anchor.sequence > chosen[slot].sequence:
                chosen[slot] = anchor
    return list(dict.fromkeys(chosen.values()))


def _link_problem(event, key, key_id, expected_prev, expected_seq):
    seq = event["sequence"]
    if seq != expected_seq:
        return f"sequence {expected_seq} is missing (found {seq}): a row was deleted or inserted"
    if event.get("key_id") != key_id:
        return (f"sealed with audit key {event.get('key_id') or 'none'}, the configured key is {key_id}: "
                "the row was re-sealed without the key, or the master key is wrong")
    if event["prev_hash"] != expected_prev:
        return "previous-MAC link does not match the preceding event"
    if "payload" in event and payload_hash(event["payload"]) != event["payload_hash"]:
        return "payload does not match its hash: the row was edited"
    if not hmac.compare_digest(entry_mac(key, event), event.get("entry_mac") or ""):
        return "content does not match its entry MAC: the row was edited or not written by the server"
    if not hmac.compare_digest(event_mac(key, event), event.get("hash") or ""):
        return "content does not match its MAC: the row was edited or re-linked without the key"
    return None


def verify_chain(events, key, *, unsealed=(), anchors=(), now=None, grace=UNSEALED_GRACE):
    """Verify one company's sealed ``events`` (in sequence order) under the audit ``key``.

    ``unsealed`` are the company's rows without a link yet, ``anchors`` the heads
    recorded elsewhere. Fails on the first broken link; on a chain that ends
    before an anchor or differs from it at the anchored sequence (truncated or
    rewritten after the anchor); on an unsealed row that is not authentic, or
    authentic but older than ``grace``.
    """
    key_id = chain_key_id(key)
    checks = latest_anchors(anchors, key_id)
    wanted = {anchor.sequence for anchor in checks}
    macs_at, expected_prev, expected_seq, head = {}, GENESIS, 1, None
    for event in events:
        problem = _link_problem(event, key, key_id, expected_prev, expected_seq)
        if problem:
            return Verdict(False, expected_seq - 1, head, event["sequence"], problem)
        if event["sequence"] in wanted:
            macs_at[event["sequence"]] = event["hash"]
        head = ChainHead(event["company_id"], event["sequence"], event["hash"], key_id)
        expected_prev, expected_seq = event["hash"], event["sequence"] + 1
    count = expected_seq - 1
    for anchor in sorted(checks, key=lambda a: a.sequence):
        if anchor.sequence > count:
            return Verdict(False, count, head, anchor.sequence,
                           f"truncated after anchor #{anchor.sequence} ({anchor.source}): "
                           f"the chain ends at #{count}")
        if anchor.key_id == key_id and not hmac.compare_digest(macs_at.get(anchor.sequence, ""), anchor.mac):
            return Verdict(False, count, head, anchor.sequence,
                           f"rewritten after anchor #{anchor.sequence} ({anchor.source}): "
                           "its MAC differs from the anchored one")
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for row in unsealed:
        if not hmac.compare_digest(entry_mac(key, row), row.get("entry_mac") or ""):
            return Verdict(False, count, head, None,
                           f"unsealed row id {row['id']} is not authentic (inserted or edited by SQL)")
        if now - _as_datetime(row["occurred_at"]) > grace:
            return Verdict(False, count, head, None,
                           f"row id {row['id']} has been unsealed since {row['occurred_at']} "
                           f"(more than {int(grace.total_seconds() // 60)} minutes)")
    return Verdict(True, count, head)


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))
