"""Registry of outbox message handlers: later addons plug their message types in.

A handler is ``handler(message) -> dict`` where ``message`` is the outbox
record; it raises ``OutboxPermanentError`` for a failure that retrying cannot
fix (the message goes straight to dead letter), any other exception is
retried with backoff.
"""
import hashlib
import json

from .errors import FinanceBridgeError


class OutboxPermanentError(FinanceBridgeError):
    """The message can never succeed as it is (rejected payload, refused by the bank)."""


_HANDLERS = {}


def canonical_payload(payload):
    """The payload as stored (JSON round trip) in one canonical text: sorted keys, no spaces."""
    return json.dumps(json.loads(json.dumps(payload, default=str)), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def payload_digest(payload):
    """SHA-256 of the canonical payload: what the source document vouches for at send time."""
    return hashlib.sha256(canonical_payload(payload).encode("utf-8")).hexdigest()


def source_mismatch(stored_payload, stored_digest, derived_payload):
    """Why a message may not be sent as it is (None when payload, digest and source agree)."""
    stored = payload_digest(stored_payload)
    if not stored_digest:
        return "the message has no payload digest"
    if stored != stored_digest:
        return "the payload does not match the digest recorded when it was queued"
    if payload_digest(derived_payload) != stored_digest:
        return "the payload differs from what its source document produces now"
    return None


def register_outbox_handler(message_type, label=None):
    def decorator(func):
        existing = _HANDLERS.get(message_type)
        if existing and existing[0].__qualname__ != func.__qualname__:
            raise ValueError(f"outbox message type {message_type!r} already has a handler")
        _HANDLERS[message_type] = (func, label or message_type)
        return func
    return decorator


def unregister_outbox_handler(message_type):
    _HANDLERS.pop(message_type, None)


def outbox_handler(message_type):
    entry = _HANDLERS.get(message_type)
    return entry[0] if entry else None


def outbox_handler_items():
    return sorted((key, func, label) for key, (func, label) in _HANDLERS.items())
