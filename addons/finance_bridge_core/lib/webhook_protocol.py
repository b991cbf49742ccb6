"""Webhooks in: what a provider declares so its bank can push events to the core.

A provider with ``Capability.WEBHOOKS`` also inherits ``WebhookProtocol`` and overrides only what
its bank does differently:

* ``webhook_scheme`` — header names, HMAC algorithm, tolerance and size limit of the default
  HMAC scheme (``lib/webhook_verify.SignatureScheme``);
* ``verify_webhook(headers, body, secrets, now)`` — a bank with another signature (e.g. RSA with
  a certificate) replaces the check; it raises ``WebhookRefused`` with a reason code;
* ``parse_webhook(headers, body) -> list[WebhookEvent]`` — the bank's payload to events;
* ``webhook_status_events(event) -> list[StatusEventDTO]`` — a status event's payload to the core's
  payment status events.

Every method is a class method working on bytes and mappings only: the controller calls them per
request without building a provider (no configuration, no session), and they never touch the ORM.
"""
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from .dto import STATUS_LEVELS, StatusEventDTO
from .webhook_verify import DEFAULT_SCHEME, WebhookRefused, verify_signature

EVENT_KINDS = ("status", "sync_account", "other")
MAX_EVENTS_PER_DELIVERY = 100
MAX_EVENT_ID_LENGTH = 128
STATUS_FIELDS = ("msg_id", "pmt_inf_id", "end_to_end_id", "instruction_id", "uetr", "reason_code",
                 "reason_text")


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One event of a delivery, as the provider understood it.

    ``event_id`` is the sender's unique id (the replay key, per connection); ``account`` the bank
    account it concerns (IBAN or the bank's account id), required for ``sync_account``.
    """

    event_id: str
    kind: str
    payload: Mapping = field(default_factory=dict)
    account: str | None = None
    occurred_at: datetime | None = None

    def __post_init__(self):
        if not isinstance(self.event_id, str) or not self.event_id.strip():
            raise ValueError("a webhook event needs an id")
        if len(self.event_id) > MAX_EVENT_ID_LENGTH or not self.event_id.isprintable():
            raise ValueError(f"webhook event id must be at most {MAX_EVENT_ID_LENGTH} printable characters")
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"webhook event kind must be one of {EVENT_KINDS}, got {self.kind!r}")
        if self.kind == "sync_account" and not self.account:
            raise ValueError(f"event {self.event_id}: sync_account needs the account")
        if self.account is not None and (not isinstance(self.account, str) or len(self.account) > 64):
            raise ValueError(f"event {self.event_id}: account must be text of at most 64 characters")
        if self.occurred_at is not None and (not isinstance(self.occurred_at, datetime)
                                             or self.occurred_at.tzinfo is None):
            raise ValueError(f"event {self.event_id}: occurred_at must be a timezone-aware datetime")
        object.__setattr__(self, "payload", MappingProxyType(dict(self.payload or {})))


def _parse_instant(value, where):
    if value in (None, ""):
        return None
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{where}.occurred_at: {value!r} is not an ISO 8601 date-time") from None
    if stamp.tzinfo is None:
        raise ValueError(f"{where}.occurred_at: {value!r} has no time zone")
    return stamp.astimezone(UTC)


def parse_canonical(body):
    """The core's canonical delivery: one event object or ``{"events": [...]}``.

    Event: ``{"id", "type": "status"|"sync_account"|…, "account", "occurred_at", "data": {...}}``;
    an unknown type becomes ``other`` (stored, not applied). Raises ``ValueError`` naming the spot.
    """
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"body is not UTF-8 JSON ({exc.__class__.__name__})") from None
    items = document.get("events") if isinstance(document, dict) and "events" in document else [document]
    if not isinstance(items, list) or not items:
        raise ValueError("events: a non-empty list is expected")
    if len(items) > MAX_EVENTS_PER_DELIVERY:
        raise ValueError(f"events: at most {MAX_EVENTS_PER_DELIVERY} per delivery, got {len(items)}")
    events = []
    for index, item in enumerate(items):
        where = f"events[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: an object is expected")
        kind = item.get("type")
        data = item.get("data") or {}
        if not isinstance(data, dict):
            raise ValueError(f"{where}.data: an object is expected")
        account = item.get("account")
        try:
            events.append(WebhookEvent(
                event_id=str(item.get("id") or ""), kind=kind if kind in EVENT_KINDS else "other",
                payload=data, account=str(account) if account not in (None, "") else None,
                occurred_at=_parse_instant(item.get("occurred_at"), where)))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    return events


class WebhookProtocol:
    """Mixin of a provider that receives webhooks; the defaults implement the canonical format."""

    webhook_scheme = DEFAULT_SCHEME

    @classmethod
    def webhook_max_body_bytes(cls):
        return cls.webhook_scheme.max_body_bytes

    @classmethod
    def verify_webhook(cls, headers, body, secrets, now):
        """Raise ``WebhookRefused`` unless the delivery is authentic and fresh.

        ``headers`` has lower-case keys, ``body`` is the raw bytes as received, ``secrets`` the
        connection's signing secrets (current first, then the previous one during a rotation's
        grace), ``now`` Unix seconds.
        """
        return verify_signature(cls.webhook_scheme, headers, body, secrets, now)

    @classmethod
    def parse_webhook(cls, headers, body):
        """The delivery's events (``list[WebhookEvent]``); ``ValueError`` when the body is not understood."""
        return parse_canonical(body)

    @classmethod
    def webhook_status_events(cls, event):
        """Payment status events of a ``status`` event: canonical ``data`` with ``status`` and references."""
        data = dict(event.payload)
        refs = {name: str(data[name]) for name in STATUS_FIELDS if data.get(name) not in (None, "")}
        level = data.get("level") or "transaction"
        if level not in STATUS_LEVELS:
            raise ValueError(f"event {event.event_id}: level must be one of {STATUS_LEVELS}")
        return [StatusEventDTO(source="webhook", status=str(data.get("status") or ""), level=level,
                               occurred_at=event.occurred_at, raw={"event_id": event.event_id}, **refs)]


def webhook_protocol(provider_cls):
    """The provider class when it implements webhooks, else None."""
    return provider_cls if isinstance(provider_cls, type) and issubclass(provider_cls, WebhookProtocol) else None


__all__ = ["EVENT_KINDS", "WebhookEvent", "WebhookProtocol", "WebhookRefused", "parse_canonical",
           "webhook_protocol"]
