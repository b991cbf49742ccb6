"""Registry of outbox message handlers: later addons plug their message types in.

A handler is ``handler(message) -> dict`` where ``message`` is the outbox
record; it raises ``OutboxPermanentError`` for a failure that retrying cannot
fix (the message goes straight to dead letter), any other exception is
retried with backoff.
"""
from .errors import FinanceBridgeError


class OutboxPermanentError(FinanceBridgeError):
    """The message can never succeed as it is (rejected payload, refused by the bank)."""


_HANDLERS = {}


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
