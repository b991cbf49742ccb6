"""Fault injection: rules that fire on chosen calls of an endpoint, per account, deterministic from a seed.

A rule names a kind, an endpoint (``accounts``, ``balances``, ``transactions``, ``payments``,
``payment_status``, ``consents``, ``token`` or None for any), optionally an account resource id and a
transactions page, and fires either on given call numbers of the calls it matches (1-based) or with a
probability drawn from the plan's seeded generator; ``times`` bounds how often it fires.

Kinds: ``rate_limit`` (429 ACCESS_EXCEEDED + Retry-After), ``server_error`` (status 500/502/503),
``slow`` (answer after ``delay`` s), ``timeout`` (process, then hold the connection ``delay`` s and
close it unanswered), ``expire_consent`` (the consent expires just before this call) and
``repeat_transaction`` (this page starts with the last transaction of the previous page again).
"""
import dataclasses
import random
import threading

KINDS = ("rate_limit", "server_error", "slow", "timeout", "expire_consent", "repeat_transaction")
ENDPOINTS = (None, "accounts", "balances", "transactions", "payments", "payment_status", "consents", "token")


@dataclasses.dataclass
class FaultRule:
    kind: str
    endpoint: str | None = None
    account: str | None = None
    page: int | None = None
    calls: tuple = ()
    probability: float = 0.0
    times: int | None = None
    retry_after: int = 2
    status: int = 503
    delay: float = 2.0
    seen: int = 0
    fired: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {', '.join(KINDS)}")
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}")
        self.calls = tuple(self.calls or ())
        if not self.calls and not self.probability:
            self.calls = (1,)

    def public(self):
        return dataclasses.asdict(self)


class FaultPlan:
    """The active rules; `fire` is called once per API call and returns the rules that fire on it."""

    def __init__(self, seed=0):
        self._lock = threading.Lock()
        self.seed = seed
        self._rng = random.Random(seed)
        self.rules = []

    def reset(self, seed=None):
        with self._lock:
            if seed is not None:
                self.seed = seed
            self._rng = random.Random(self.seed)
            self.rules = []

    def add(self, **kwargs):
        rule = FaultRule(**kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def fire(self, endpoint, account=None, page=None):
        fired = []
        with self._lock:
            for rule in self.rules:
                if rule.endpoint not in (None, endpoint):
                    continue
                if rule.account not in (None, account) or rule.page not in (None, page):
                    continue
                rule.seen += 1
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                hit = rule.seen in rule.calls if rule.calls else self._rng.random() < rule.probability
                if hit:
                    rule.fired += 1
                    fired.append(rule)
        return fired
