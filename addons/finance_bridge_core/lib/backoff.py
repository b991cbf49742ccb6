"""Retry delays for failed syncs and outbox messages."""
import random
from datetime import timedelta


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
