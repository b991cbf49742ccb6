"""Per-connection circuit breaker: stop calling a bank that keeps failing, probe it after a cool-down.

closed --N consecutive failures--> open --cool-down elapsed--> half_open (one probe call)
half_open --success--> closed;  half_open --failure--> open again (cool-down restarts).

Pure: the state is a small frozen value the connection stores in three fields, so it holds across
cron runs and workers; ``CircuitBreaker`` only computes the next state.
"""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .errors import ProviderError

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
STATES = (CLOSED, OPEN, HALF_OPEN)


class CircuitOpen(ProviderError):
    """No call was made: the connection's circuit is open until ``retry_at``."""

    def __init__(self, retry_at, failures):
        self.retry_at = retry_at
        self.failures = failures
        super().__init__(f"the bank failed {failures} time(s) in a row; calls are paused until "
                         f"{retry_at:%Y-%m-%d %H:%M:%S} UTC (circuit breaker open)", retryable=True)


@dataclass(frozen=True)
class BreakerState:
    state: str = CLOSED
    failures: int = 0
    opened_at: datetime | None = None

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"unknown circuit state {self.state!r}")
        if self.state != CLOSED and self.opened_at is None:
            raise ValueError("an open or half-open circuit needs opened_at")


@dataclass(frozen=True)
class CircuitBreaker:
    threshold: int = 5
    cool_down: timedelta = timedelta(minutes=15)

    def __post_init__(self):
        if self.threshold < 1:
            raise ValueError("the failure threshold must be at least 1")
        if self.cool_down <= timedelta(0):
            raise ValueError("the cool-down must be positive")

    def retry_at(self, state):
        return state.opened_at + self.cool_down if state.opened_at else None

    def before_call(self, state, now):
        """``(allowed, state)``: an open circuit turns half-open (and lets one probe through) after the
        cool-down; a half-open circuit whose probe never reported is probed again after another one."""
        if state.state == CLOSED:
            return True, state
        if now >= self.retry_at(state):
            return True, replace(state, state=HALF_OPEN, opened_at=now)
        return False, state

    def check(self, state, now):
        """Like ``before_call`` but raises ``CircuitOpen`` when no call may be made."""
        allowed, new_state = self.before_call(state, now)
        if not allowed:
            raise CircuitOpen(self.retry_at(state), state.failures)
        return new_state

    def on_success(self, state):
        return BreakerState()

    def on_failure(self, state, now):
        failures = state.failures + 1
        if state.state == HALF_OPEN or failures >= self.threshold:
            return BreakerState(state=OPEN, failures=failures, opened_at=now)
        return BreakerState(state=CLOSED, failures=failures)
