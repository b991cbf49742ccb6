"""Hash chain of audit events: each event hashes its content and the previous hash."""
import hashlib
import json

GENESIS = "0" * 64
CHAINED_FIELDS = ("company_id", "sequence", "event_type", "model", "res_id", "user_id",
                  "occurred_at", "summary", "payload_hash", "prev_hash")


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_hash(payload):
    return hashlib.sha256(canonical_json(payload or {}).encode("utf-8")).hexdigest()


def event_hash(event):
    """Hash of one event given as a mapping with ``CHAINED_FIELDS``."""
    body = {name: event.get(name) for name in CHAINED_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def verify_chain(events):
    """Walk events of one company in sequence order.

    Returns ``None`` when the chain holds, else ``(sequence, reason)`` for the
    first broken link: an edited row, a deleted row (a gap or a wrong
    ``prev_hash``) or a reordered one.
    """
    expected_prev, expected_seq = GENESIS, 1
    for event in events:
        seq = event["sequence"]
        if seq != expected_seq:
            return seq, f"sequence {expected_seq} is missing (found {seq}): a row was deleted"
        if event["prev_hash"] != expected_prev:
            return seq, "previous-hash link does not match the preceding event"
        if event_hash(event) != event["hash"]:
            return seq, "content does not match its hash: the row was edited"
        expected_prev, expected_seq = event["hash"], seq + 1
    return None
