"""Verification of inbound webhook deliveries, without the ORM.

A delivery is accepted only when its size is within the limit (checked on the announced length,
before the body is read), it carries a signature and a timestamp, the timestamp lies within the
tolerance of our clock (both ways: a stale capture and a "future" one are refused alike) and the
signature is an HMAC of ``<timestamp>.<raw body>`` under one of the connection's signing secrets
(the current one, or the previous one during a rotation's grace window), compared in constant time.

Every refusal is a ``WebhookRefused`` carrying a short reason code; the controller answers with
that code's HTTP status and counts it, never with internals.
"""
import hashlib
import hmac
from dataclasses import dataclass

# reason -> HTTP status. Order matters only for documentation.
REFUSAL_STATUS = {
    "unknown_token": 404,      # no active webhook-capable connection has this token
    "length_required": 411,    # no Content-Length: the size cannot be checked before reading
    "too_large": 413,          # announced (or actual) body larger than the limit
    "not_configured": 503,     # the connection has no signing secret yet
    "unsigned": 401,           # signature or timestamp header missing
    "bad_signature": 401,      # no secret produces this signature
    "stale": 401,              # timestamp outside the tolerance (past or future)
    "malformed": 400,          # signed, but the body is not what the provider parses
    "replayed": 409,           # every event of the delivery was received before
}
REFUSAL_REASONS = tuple(REFUSAL_STATUS)
REFUSAL_LABELS = {
    "unknown_token": "Unknown token", "length_required": "No length", "too_large": "Too large",
    "not_configured": "No signing secret", "unsigned": "Unsigned", "bad_signature": "Bad signature",
    "stale": "Stale or future timestamp", "malformed": "Malformed", "replayed": "Replayed",
}

DEFAULT_MAX_BODY_BYTES = 256 * 1024
# Nothing larger is ever parsed, whatever a provider declares (Odoo refuses forms above it too).
HARD_MAX_BODY_BYTES = 1024 * 1024


class WebhookRefused(Exception):
    """A delivery refused for ``reason`` (a key of ``REFUSAL_STATUS``); ``detail`` is for logs only."""

    def __init__(self, reason, detail=""):
        if reason not in REFUSAL_STATUS:
            raise ValueError(f"unknown webhook refusal reason {reason!r}")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

    @property
    def http_status(self):
        return REFUSAL_STATUS[self.reason]


@dataclass(frozen=True)
class SignatureScheme:
    """How a sender signs: header names, algorithm, value prefix, tolerance and size limit.

    The default is the common ``HMAC-SHA256(secret, "<timestamp>.<raw body>")`` with the signature
    as ``v1=<hex>`` (several comma-separated values allowed, e.g. during the sender's own rotation)
    and the timestamp in Unix seconds.
    """

    signature_header: str = "X-Webhook-Signature"
    timestamp_header: str = "X-Webhook-Timestamp"
    algorithm: str = "sha256"
    prefix: str = "v1="
    tolerance_seconds: int = 300
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self):
        if self.algorithm not in ("sha256", "sha384", "sha512"):
            raise ValueError(f"unsupported webhook HMAC algorithm {self.algorithm!r}")
        if not 0 < self.tolerance_seconds <= 3600:
            raise ValueError("webhook timestamp tolerance must be between 1 s and 1 h")
        if not 0 < self.max_body_bytes <= HARD_MAX_BODY_BYTES:
            raise ValueError(f"webhook body limit must be between 1 and {HARD_MAX_BODY_BYTES} bytes")

    def signed_bytes(self, timestamp, body):
        return f"{timestamp}.".encode("ascii") + body

    def sign(self, secret, timestamp, body):
        """The header value a sender with ``secret`` puts on ``body`` at ``timestamp`` (also used by tests)."""
        mac = hmac.new(_key(secret), self.signed_bytes(timestamp, body), self.algorithm).hexdigest()
        return f"{self.prefix}{mac}"


DEFAULT_SCHEME = SignatureScheme()


def _key(secret):
    return secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)


def check_size(content_length, limit):
    """Refuse before reading: no announced length, or more than ``limit`` bytes."""
    if content_length is None:
        raise WebhookRefused("length_required")
    if content_length > min(limit, HARD_MAX_BODY_BYTES):
        raise WebhookRefused("too_large", f"{content_length} > {limit} bytes")


def parse_timestamp(value):
    """The header's Unix timestamp as int; a missing or non-numeric one counts as unsigned."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise WebhookRefused("unsigned", "timestamp is not a Unix time") from None


def check_timestamp(stamp, now, tolerance):
    """Refuse a timestamp farther than ``tolerance`` seconds from ``now``, in the past or the future."""
    if abs(now - stamp) > tolerance:
        raise WebhookRefused("stale", f"timestamp {stamp} is {int(now - stamp)} s from now")
    return stamp


def verify_signature(scheme, headers, body, secrets, now):
    """Raise ``WebhookRefused`` unless ``body`` is signed by one of ``secrets`` within the tolerance.

    ``headers``: a mapping with lower-case keys. ``secrets``: the candidate secrets (current first);
    empty means the connection cannot verify anything yet. The signature is checked before the
    timestamp's age, so "stale" counts genuinely signed old deliveries (captures replayed late), not
    forgeries. Returns the index of the secret that matched.
    """
    if len(body) > scheme.max_body_bytes:
        raise WebhookRefused("too_large", f"{len(body)} > {scheme.max_body_bytes} bytes")
    signature = (headers.get(scheme.signature_header.lower()) or "").strip()
    timestamp = (headers.get(scheme.timestamp_header.lower()) or "").strip()
    if not signature or not timestamp:
        raise WebhookRefused("unsigned")
    stamp = parse_timestamp(timestamp)
    secrets = [s for s in secrets if s]
    if not secrets:
        raise WebhookRefused("not_configured")
    offered = [part.strip() for part in signature.split(",") if part.strip()][:8]
    matched = None
    for index, secret in enumerate(secrets):
        expected = scheme.sign(secret, timestamp, body).encode("ascii")
        for value in offered:
            # compare_digest on every candidate: no early exit that would time the right one
            if hmac.compare_digest(expected, value.encode("utf-8", "replace")) and matched is None:
                matched = index
    if matched is None:
        raise WebhookRefused("bad_signature")
    check_timestamp(stamp, now, scheme.tolerance_seconds)
    return matched


def body_digest(body):
    return hashlib.sha256(body).hexdigest()
