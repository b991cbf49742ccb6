"""Errors raised by the pure layer; each one says what is wrong and where."""
import math


class FinanceBridgeError(Exception):
    """Base class of every error the suite raises on purpose."""


class FormatError(FinanceBridgeError):
    """Input that does not follow its format.

    ``problems`` is a list of ``(location, message)``; the location is a JSON
    path, an XML element path or ``line N`` so the user can find the spot.
    """

    def __init__(self, problems, source=None):
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        text = "; ".join(f"{loc}: {msg}" for loc, msg in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            text += f"; … and {more} more"
        super().__init__(f"{where}{text}")


class ProviderError(FinanceBridgeError):
    """A provider failed to talk to its bank. ``retryable`` drives backoff."""

    def __init__(self, message, retryable=True):
        super().__init__(message)
        self.retryable = retryable


class ConfigurationError(FinanceBridgeError):
    """A connection's configuration does not fit its provider's schema."""


class SecretKeyError(FinanceBridgeError):
    """The master key is missing, malformed, or not the one a secret was sealed with."""


class RetryAfter(ProviderError):
    """The bank asked us to come back later (HTTP 429/503 ``Retry-After``, a maintenance window,
    an exhausted daily quota): the next attempt is made no earlier than ``seconds`` from now.

    The sync engine and the outbox schedule the next attempt at that time (never sooner, even
    when their own backoff is shorter) and record the delay and ``reason`` on the run/message
    and in the audit trail. ``seconds`` is clamped to [1 s, 7 days] so a hostile header cannot
    park a connection for ever.
    """

    MAX_SECONDS = 7 * 24 * 3600

    def __init__(self, seconds, reason=""):
        try:
            seconds = float(seconds)
        except (TypeError, ValueError):
            seconds = 60.0
        if math.isnan(seconds):
            seconds = 60.0
        self.seconds = math.ceil(min(max(seconds, 1.0), self.MAX_SECONDS))
        self.reason = str(reason or "the bank asked to retry later")
        super().__init__(f"{self.reason} (retry after {self.seconds} s)", retryable=True)

    @property
    def retry_after_seconds(self):
        return self.seconds
