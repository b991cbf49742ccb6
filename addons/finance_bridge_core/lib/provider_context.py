"""What a provider gets from the core: config, secrets, HTTP, logging, clock, its persisted state."""
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .http_exchange import exchange_from_error, exchange_from_response
from .masking import MaskingLogger

DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)


class CappedRetry(Retry):
    """urllib3 Retry that honours Retry-After but never sleeps longer than a cap."""

    max_retry_after = 60.0

    def new(self, **kw):
        new = super().new(**kw)
        new.max_retry_after = self.max_retry_after
        return new

    def get_retry_after(self, response):
        value = super().get_retry_after(response)
        if value is None:
            return None
        return min(value, self.max_retry_after)


class TimeoutSession(requests.Session):
    """A session whose every request has a timeout unless the caller gives one.

    With an ``exchange_recorder`` every exchange is handed to it masked (``lib/http_exchange``):
    answers through a response hook, calls without an answer (timeout, refused, TLS) from here.
    """

    def __init__(self, timeout=DEFAULT_TIMEOUT):
        super().__init__()
        self.default_timeout = timeout
        self.exchange_recorder = None
        self.exchange_secrets = ()
        self.correlation_id = ""

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.default_timeout)
        if kwargs["timeout"] is None:
            raise ValueError("finance_bridge HTTP calls must have a timeout")
        if self.exchange_recorder is None:
            return super().request(method, url, **kwargs)
        started = time.monotonic()
        try:
            return super().request(method, url, **kwargs)
        except requests.RequestException as exc:
            self.exchange_recorder(exchange_from_error(
                method, url, exc, started, self.correlation_id, self._secrets(), request=exc.request))
            raise

    def _record_response(self, response, *args, **kwargs):
        # requests runs response hooks before it reads the body; a streamed body stays unread
        self.exchange_recorder(exchange_from_response(response, self.correlation_id, self._secrets(),
                                                      read_body=not kwargs.get("stream")))
        return response

    def _secrets(self):
        """Known secret values to mask (a callable is asked each time: secrets are opened lazily)."""
        values = self.exchange_secrets() if callable(self.exchange_secrets) else self.exchange_secrets
        return tuple(v for v in values or () if v)


def make_http_session(timeout=DEFAULT_TIMEOUT, retries=3, backoff_factor=0.5,
                      status_forcelist=(429, 500, 502, 503, 504), max_retry_after=60.0,
                      client_cert: tuple[str, str] | None = None, verify=True,
                      retry_methods=("GET", "HEAD", "OPTIONS", "PUT", "DELETE"),
                      recorder=None, correlation_id="", secrets=()):
    """Build a requests session with timeouts, retries with backoff and Retry-After.

    POST is only retried when the caller lists it (an API that honours an
    idempotency key); by default a non-idempotent call is sent once.
    ``recorder(HttpExchange)`` receives every exchange, masked (the connection passes one that
    stores them as evidence, tagged with ``correlation_id``); ``secrets`` (values, or a callable
    returning them) are masked as well.
    """
    retry = CappedRetry(
        total=retries, connect=retries, read=retries, status=retries,
        backoff_factor=backoff_factor, status_forcelist=status_forcelist,
        allowed_methods=frozenset(retry_methods), respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.max_retry_after = max_retry_after
    session = TimeoutSession(timeout=timeout)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = verify
    if client_cert:
        session.cert = client_cert
    session.headers["User-Agent"] = "finance_bridge/19.0"
    if recorder is not None:
        session.exchange_recorder = recorder
        session.correlation_id = correlation_id or ""
        session.exchange_secrets = secrets
        session.hooks["response"].append(session._record_response)
    return session


def utc_now():
    return datetime.now(timezone.utc)


def bank_zone(name):
    """The ``ZoneInfo`` of a bank's time zone; an unknown name is UTC (the connection form only
    offers known zones)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass
class ProviderContext:
    """Everything a provider may use; it never touches the ORM.

    ``clock`` returns an aware UTC datetime (the engine's, fixed in tests); ``bank_timezone`` is
    the zone the bank's business day runs in: date windows, "today" for daily call quotas and
    consent validity are bank-local dates (``bank_today()``), never the server's date.
    ``state`` is the connection's persisted provider state (``lib/provider_state.ProviderState``);
    it is None where no connection stands behind the provider (a pure unit test).
    """

    config: Mapping
    secrets: Callable[[str], str | None]
    http: Callable[..., requests.Session] = make_http_session
    logger: logging.LoggerAdapter = field(
        default_factory=lambda: MaskingLogger(logging.getLogger("finance_bridge.provider")))
    clock: Callable[[], datetime] = utc_now
    correlation_id: str | None = None
    bank_timezone: str = "UTC"
    # resolved folders the server may use (option finance_bridge_folder_roots); empty = none
    folder_roots: tuple = ()
    state: object = None

    def now(self):
        """The clock's time, aware, in UTC."""
        value = self.clock()
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def bank_now(self):
        """The clock's time in the bank's time zone."""
        return self.now().astimezone(bank_zone(self.bank_timezone))

    def bank_today(self) -> date:
        """Today's date where the bank is (its business day, quotas, consent validity)."""
        return self.bank_now().date()
