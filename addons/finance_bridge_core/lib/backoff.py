"""Retry delays for failed syncs, outbox messages and HTTP calls."""
import random
from datetime import timedelta
from email.utils import parsedate_to_datetime


def retry_delay(failures, base_seconds=60, cap_seconds=6 * 3600, jitter=0.1, rng=random):
    """Exponential backoff: base · 2^(failures-1), capped, with ±jitter."""
    if failures < 1:
        return timedelta(0)
    delay = min(base_seconds * (2 ** min(failures - 1, 30)), cap_seconds)
    if jitter:
        delay *= 1 + rng.uniform(-jitter, jitter)
    return timedelta(seconds=round(delay, 3))


def failure_delay(exc, failures, rng=random):
    """When to try again after ``exc``: what the bank asked for (``RetryAfter``), else the backoff.

    A non-retryable error waits as long as six failures in a row (someone has to fix it).
    """
    seconds = getattr(exc, "retry_after_seconds", None)
    if seconds is not None:
        return timedelta(seconds=seconds)
    if not getattr(exc, "retryable", True):
        failures = max(failures, 6)
    return retry_delay(failures, rng=rng)


def full_jitter_delay(attempt, base_seconds=0.5, cap_seconds=60.0, rng=random):
    """"Full jitter" backoff for many clients hitting one API: uniform in [0, min(cap, base · 2^attempt)].

    Spreads retries of parallel workers so they do not come back in lock-step (the fixed ±10 % of
    ``retry_delay`` suits one connection's schedule, not a burst of calls).
    """
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    ceiling = min(cap_seconds, base_seconds * (2 ** min(attempt, 30)))
    return timedelta(seconds=round(rng.uniform(0, ceiling), 3))


def next_wait(attempt, retry_after=None, base_seconds=0.5, cap_seconds=60.0, rng=random):
    """How long to wait before attempt ``attempt + 1``: the bank's ``Retry-After`` when it sent one
    (never shortened, capped at ``cap_seconds``), else full-jitter backoff."""
    if retry_after is not None:
        seconds = retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(retry_after)
        return timedelta(seconds=min(max(seconds, 0.0), cap_seconds))
    return full_jitter_delay(attempt, base_seconds, cap_seconds, rng)


def parse_retry_after(value, now):
    """A ``Retry-After`` header (delta-seconds or HTTP-date) as a ``timedelta`` (None when absent or
    unreadable; a date in the past is zero)."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return timedelta(seconds=int(text))
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))
