"""What a provider may read and write back of its connection: cursors, consent, tokens, own data.

A REST bank hands out things that must outlive the call: refreshed OAuth tokens, the consent id,
its status, validity and the day's count of unattended calls. Providers never touch the ORM, so
they get a ``ProviderState`` on their context (``context.state``) with a few audited writes:

* ``store_secret(name, value)`` — a *managed* secret of the provider's ``secret_schema``
  (``SecretField(managed=True)``: tokens), sealed by the core's secret vault;
* ``update_consent(**changes)`` / ``count_call(today)`` — the consent fields of the connection;
* ``put(key, value)`` — small JSON-native, non-secret data of the provider (token expiry…).

The core writes each change at once, in the run's transaction, and audits it (never a value of a
secret). What the bank told us stays true when the run fails afterwards: the engine re-applies
the journal of writes after rolling the run's data back (``replay``), so a refreshed token is
never lost with the statements of a failed page.
"""
import contextvars
import json
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import date

CONSENT_STATES = ("none", "received", "valid", "rejected", "revoked", "expired", "terminated")
MAX_DATA_BYTES = 64 * 1024
MAX_SECRET_CHARS = 64 * 1024
# the lists of ``collect_states`` blocks currently open (a state joins every one of them)
_COLLECTORS = contextvars.ContextVar("finance_bridge_provider_states", default=())


class StateError(ValueError):
    """A write the state API refuses (unknown secret, bad consent value, data too large)."""


@dataclass(frozen=True)
class ConsentState:
    """The consent a bank gave for this connection, as the core stores it on the connection."""

    reference: str | None = None          # the bank's consent id
    status: str = "none"                  # one of CONSENT_STATES
    valid_until: date | None = None       # last day the consent is valid (bank-local)
    frequency_per_day: int = 0            # unattended calls the bank allows per day; 0 = no limit
    calls_today: int = 0                  # unattended calls made on ``calls_on``
    calls_on: date | None = None          # the bank-local day ``calls_today`` counts

    def __post_init__(self):
        if self.status not in CONSENT_STATES:
            raise StateError(f"consent status {self.status!r} is not one of {', '.join(CONSENT_STATES)}")
        for name in ("valid_until", "calls_on"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
                raise StateError(f"consent {name} must be a date")
        for name in ("frequency_per_day", "calls_today"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise StateError(f"consent {name} must be a non-negative integer")
        if self.reference is not None and (not isinstance(self.reference, str) or len(self.reference) > 256):
            raise StateError("consent reference must be text of at most 256 characters")

    def calls_used(self, today):
        """Unattended calls already made on the bank-local day ``today``."""
        return self.calls_today if self.calls_on == today else 0

    def calls_left(self, today):
        """Unattended calls still allowed on ``today`` (None: no limit)."""
        if not self.frequency_per_day:
            return None
        return max(self.frequency_per_day - self.calls_used(today), 0)

    def usable(self, today):
        """Valid, and not past its last day."""
        return self.status == "valid" and (self.valid_until is None or today <= self.valid_until)


CONSENT_FIELDS = tuple(f.name for f in fields(ConsentState))


class ProviderState:
    """The provider's view of its connection's persisted state (see the module docstring).

    ``sink`` is the core's writer: an object with ``write_secret(name, value)``,
    ``write_consent(consent, changed)`` and ``write_data(data, changed)``, each validating,
    persisting and auditing one change.
    """

    def __init__(self, sink, *, consent=None, data=None, managed_secrets=(),
                 cursor: Callable[[str], str | None] = lambda account: None,
                 status_cursor: Callable[[], str | None] = lambda: None):
        self._sink = sink
        self._consent = consent or ConsentState()
        self._data = dict(data or {})
        self._managed = frozenset(managed_secrets)
        self._cursor = cursor
        self._status_cursor = status_cursor
        self._secrets = {}
        self.journal = []
        for collected in _COLLECTORS.get():
            collected.append(self)
        # told every secret value stored, so the masking logger hides it from then on
        self.on_secret = None

    # ------------------------------------------------------------------ read
    def cursor(self, account):
        """The stored statement cursor of one account (where the engine starts next)."""
        return self._cursor(account)

    @property
    def status_cursor(self):
        return self._status_cursor()

    @property
    def consent(self):
        return self._consent

    def get(self, key, default=None):
        return self._data.get(key, default)

    def written_secret(self, name, default=None):
        """A secret stored during this run (the context's ``secrets`` returns it too); ``default``
        when it was not written."""
        return self._secrets.get(name, default)

    # ------------------------------------------------------------------ write
    def store_secret(self, name, value):
        """Seal and store a managed secret (a refreshed token); ``None`` or "" clears it."""
        if name not in self._managed:
            raise StateError(f"secret {name!r} is not a managed secret of this provider "
                             f"(declare it SecretField({name!r}, ..., managed=True))")
        if value is not None and (not isinstance(value, str) or len(value) > MAX_SECRET_CHARS):
            raise StateError(f"secret {name!r} must be text of at most {MAX_SECRET_CHARS} characters")
        if value and self.on_secret:
            self.on_secret(value)
        self._apply(("secret", name, value or None))
        self._secrets[name] = value or None

    def update_consent(self, **changes):
        """Change consent fields (``reference``, ``status``, ``valid_until``, ``frequency_per_day``,
        ``calls_today``, ``calls_on``); returns the new ``ConsentState``."""
        unknown = sorted(set(changes) - set(CONSENT_FIELDS))
        if unknown:
            raise StateError(f"not a consent field: {', '.join(unknown)}")
        new = replace(self._consent, **changes)
        changed = tuple(sorted(k for k in changes if getattr(self._consent, k) != getattr(new, k)))
        if changed:
            self._apply(("consent", new, changed))
            self._consent = new
        return new

    def count_call(self, today):
        """Count one unattended call on the bank-local day ``today`` (the counter restarts each day)."""
        return self.update_consent(calls_today=self._consent.calls_used(today) + 1, calls_on=today)

    def put(self, key, value):
        """Store one JSON-native, non-secret value of the provider (``None`` removes the key)."""
        if not isinstance(key, str) or not key or len(key) > 64:
            raise StateError("provider data keys are text of 1 to 64 characters")
        data = dict(self._data)
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
        try:
            text = json.dumps(data, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StateError(f"provider data {key!r} is not JSON-native: {exc}") from None
        if len(text.encode("utf-8")) > MAX_DATA_BYTES:
            raise StateError(f"provider data exceeds {MAX_DATA_BYTES} bytes")
        if data != self._data:
            self._apply(("data", json.loads(text), (key,)))
            self._data = json.loads(text)

    # ------------------------------------------------------------------ core side
    def _apply(self, entry):
        self._write(entry)
        self.journal.append(entry)

    def _write(self, entry):
        kind, first, second = entry       # ("secret", name, value) / ("consent"|"data", new, changed)
        writer = {"secret": self._sink.write_secret, "consent": self._sink.write_consent,
                  "data": self._sink.write_data}[kind]
        writer(first, second)

    def replay(self):
        """Write the journal again (after the run's data was rolled back); the last value wins."""
        for entry in self.journal:
            self._write(entry)


@contextmanager
def collect_states():
    """Collect every ``ProviderState`` made inside the block (a sync, an outbox message).

    The unit of work that owns a savepoint calls ``replay_states`` on the list after rolling it
    back: what the bank told us — a refreshed or rotated token above all — is written again.
    """
    collected = []
    token = _COLLECTORS.set((*_COLLECTORS.get(), collected))
    try:
        yield collected
    finally:
        _COLLECTORS.reset(token)


def replay_states(states):
    """Write the journal of every state again, in the order they were made."""
    for state in states:
        if state.journal:
            state.replay()


def consent_from_mapping(values: Mapping):
    """A ``ConsentState`` from stored values (False/empty as None, as the ORM gives them)."""
    return ConsentState(
        reference=values.get("reference") or None, status=values.get("status") or "none",
        valid_until=values.get("valid_until") or None, frequency_per_day=values.get("frequency_per_day") or 0,
        calls_today=values.get("calls_today") or 0, calls_on=values.get("calls_on") or None)
