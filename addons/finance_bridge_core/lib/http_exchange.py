"""One HTTP exchange of a provider, masked for storage as evidence.

``exchange_from_response`` / ``exchange_from_error`` turn what ``requests`` saw into an
``HttpExchange`` whose URL query, headers and bodies are masked: credentials (Authorization,
cookies, signatures, tokens, codes, client secrets) are replaced, IBANs and long digit runs keep
only their edges (``lib/masking``), and bodies are cut at a size cap. Nothing unmasked leaves this
module. The recorder that stores them is given to ``make_http_session(recorder=...)``.
"""
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .masking import mask_text

BODY_CAP = 16 * 1024
PARSE_LIMIT = 256 * 1024
MASK = "[masked]"
# Header and field names whose value is a credential or a signature: never stored.
SENSITIVE_NAMES = frozenset({
    "authorization", "proxy-authorization", "cookie", "set-cookie", "signature", "tpp-signature-certificate",
    "x-api-key", "api-key", "apikey", "x-jws-signature", "psu-id", "psu-corporate-id", "consent-id",
    "access_token", "refresh_token", "id_token", "client_secret", "client_assertion", "code", "code_verifier",
    "password", "passphrase", "secret", "token", "state", "assertion", "signing_key", "private_key",
    "x-fb-signature", "webhook-signature",
})
# In JSON bodies "code"/"state" are the bank's message codes and statuses, not OAuth values.
JSON_PLAIN_NAMES = frozenset({"code", "state"})
TEXT_TYPES = ("json", "xml", "text/", "x-www-form-urlencoded")
QUERY_IN_TEXT_RE = re.compile(r"\?[^\s)'\"]+")
# "access_token": "…" / access_token=… in text that is not parsed (too large, not JSON, XML attributes)
SENSITIVE_PAIR_RE = re.compile(
    r"""((?:access_token|refresh_token|id_token|client_secret|code_verifier|password|passphrase|assertion)"""
    r"""["']?\s*[:=]\s*["']?)[^"'&\s,}<]*""", re.IGNORECASE)
SENSITIVE_PARTS = ("token", "secret", "password", "signature", "cookie", "authorization", "apikey", "api-key")


def is_sensitive(name):
    lowered = str(name).lower()
    return lowered in SENSITIVE_NAMES or any(part in lowered for part in SENSITIVE_PARTS)


def mask_url(url, secrets=()):
    """The URL with sensitive query values replaced and the rest masked like text."""
    parts = urlsplit(url or "")
    pairs = [(k, MASK if is_sensitive(k) else mask_text(v, secrets))
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    path = mask_text(parts.path, secrets)
    return urlunsplit(parts._replace(path=path, query=urlencode(pairs, safe="[]•"), fragment=""))


def mask_headers(headers, secrets=()):
    return {str(k): (MASK if is_sensitive(k) else mask_text(str(v), secrets)) for k, v in (headers or {}).items()}


def _mask_json(value, secrets):
    if isinstance(value, dict):
        return {k: (MASK if is_sensitive(k) and k.lower() not in JSON_PLAIN_NAMES and v not in (None, "")
                    else _mask_json(v, secrets))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_json(v, secrets) for v in value]
    if isinstance(value, str):
        return mask_text(value, secrets)
    return value


def _mask_plain(text, secrets):
    """Free text (and JSON too large or broken to parse): credentials by key name, then IBANs and digits."""
    text = SENSITIVE_PAIR_RE.sub(lambda m: m.group(1) + MASK, text)
    return mask_text(text, secrets)


def mask_body(body, content_type="", secrets=(), cap=BODY_CAP, size=None):
    """Masked text of a request or response body, cut at ``cap`` characters: ``(text, size)``.

    Bodies above ``PARSE_LIMIT`` are not parsed (bounded time and memory): their head is masked
    as text. ``size`` is the real size when only a part of the body is given.
    """
    if not body:
        return "", size or 0
    raw = body if isinstance(body, bytes) else str(body).encode("utf-8", "replace")
    size = size or len(raw)
    kind = (content_type or "").lower()
    if kind and not any(part in kind for part in TEXT_TYPES):
        return f"[{size} bytes of {kind} not stored]", size
    truncated = len(raw) > PARSE_LIMIT or size > len(raw)
    if len(raw) > PARSE_LIMIT:
        raw = raw[:cap * 2]
    text = raw.decode("utf-8", "replace")
    masked = None
    if len(text) < PARSE_LIMIT and ("json" in kind or text[:1] in ("{", "[")):
        try:
            masked = json.dumps(_mask_json(json.loads(text), secrets), ensure_ascii=False, sort_keys=True)
        except ValueError:
            masked = None
    if masked is None and "x-www-form-urlencoded" in kind:
        pairs = [(k, MASK if is_sensitive(k) else mask_text(v, secrets))
                 for k, v in parse_qsl(text, keep_blank_values=True)]
        masked = urlencode(pairs, safe="[]•")
    if masked is None:
        masked = _mask_plain(text, secrets)
    for secret in secrets:
        if secret and len(secret) >= 4:
            masked = masked.replace(secret, "[secret]")
    if len(masked) > cap:
        masked, truncated = masked[:cap], True
    if truncated:
        masked += f"\n… [cut: {size} bytes in all]"
    return masked, size


@dataclass(frozen=True)
class HttpExchange:
    """What is stored of one exchange; every text field is already masked."""
    method: str
    url: str
    host: str
    status: int  # 0 = no answer (timeout, refused, TLS failure)
    duration_ms: int
    started_at: datetime
    request_headers: dict
    request_body: str
    request_size: int
    response_headers: dict
    response_body: str
    response_size: int
    request_id: str = ""
    error: str = ""
    correlation_id: str = ""


def _host(url):
    return urlsplit(url or "").hostname or ""


def exchange_from_response(response, correlation_id="", secrets=(), cap=BODY_CAP, now=None, read_body=True):
    """An ``HttpExchange`` of a completed request/response pair (the final one after redirects).

    ``read_body=False`` for a streamed download: its body is the caller's to read, chunk by chunk.
    """
    request = response.request
    body = request.body if isinstance(request.body, (bytes, str)) or request.body is None else b"[stream]"
    req_body, req_size = mask_body(body, request.headers.get("Content-Type", ""), secrets, cap)
    if read_body:
        resp_body, resp_size = mask_body(response.content, response.headers.get("Content-Type", ""), secrets, cap)
    else:
        resp_size = int(response.headers.get("Content-Length") or 0)
        resp_body = "[streamed body not stored]"
    elapsed = int(response.elapsed.total_seconds() * 1000) if response.elapsed else 0
    return HttpExchange(
        method=request.method or "", url=mask_url(request.url, secrets), host=_host(request.url),
        status=int(response.status_code or 0), duration_ms=elapsed,
        started_at=now or datetime.now(timezone.utc),
        request_headers=mask_headers(request.headers, secrets), request_body=req_body, request_size=req_size,
        response_headers=mask_headers(response.headers, secrets), response_body=resp_body,
        response_size=resp_size, request_id=mask_text(request.headers.get("X-Request-ID", ""), secrets),
        correlation_id=correlation_id or "")


def exchange_from_error(method, url, error, started_monotonic, correlation_id="", secrets=(), request=None,
                        now=None):
    """An ``HttpExchange`` for a call that got no answer (timeout, connection or TLS error)."""
    headers = getattr(request, "headers", None) or {}
    req_body, req_size = mask_body(getattr(request, "body", None), headers.get("Content-Type", ""), secrets)
    return HttpExchange(
        method=(method or "").upper(), url=mask_url(url, secrets), host=_host(url), status=0,
        duration_ms=int((time.monotonic() - started_monotonic) * 1000), started_at=now or datetime.now(timezone.utc),
        request_headers=mask_headers(headers, secrets), request_body=req_body, request_size=req_size,
        response_headers={}, response_body="", response_size=0,
        request_id=mask_text(headers.get("X-Request-ID", ""), secrets),
        error=mask_text(QUERY_IN_TEXT_RE.sub("?[query]", f"{type(error).__name__}: {error}"), secrets)[:500],
        correlation_id=correlation_id or "")
