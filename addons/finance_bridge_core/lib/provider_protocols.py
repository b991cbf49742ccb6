"""What a provider must implement for each capability it declares, and how the core calls it.

A provider declares ``capabilities``; the core calls exactly the methods of those capabilities
and nothing else, so a declared capability without its methods would silently do nothing. The
registry therefore refuses such a class when it is registered (``missing_methods``), naming the
capability and the method. The ``Protocol`` classes below are the contracts, for readers and type
checkers; ``CAPABILITY_METHODS`` is what the registry checks.

Who calls what (see ``models/sync_engine.py`` and ``models/outbox_message.py``):

* STATEMENTS — the sync engine, per account of the connection, with the account's cursor, until
  ``has_more`` is false; the cursor is saved with the lines, in the same transaction.
* BALANCES — the sync engine, per account, after its statements (``fetch_balances``).
* STATUS — the sync engine, once per run, with the connection's status cursor; the events become
  ``finance.status.event`` rows (de-duplicated, applied by the addons that sent the payments).
* PAYMENTS — the outbox handler ``payment_batch.submit``, with the message key as the idempotency
  key: a resend of the same message (retry, replay) passes the same key.
* FILES — the sync engine lists, reads and imports every inbound file through the file-format
  registry and acknowledges it after commit. A file channel delivers STATEMENTS and STATUS as
  files, so it need not implement ``fetch_statements`` / ``fetch_status_events``.
* WEBHOOKS, SCREENING — called by the addon that owns the feature (the webhook controller, the
  screening engine); their methods are listed here so a declaration is checked all the same.

Errors: ``ProviderError(message, retryable=…)``, ``RetryAfter(seconds, reason)``,
``ConfigurationError``, ``FormatError`` (``lib/errors.py``).
"""
from enum import Enum
from typing import Protocol, runtime_checkable


class Capability(str, Enum):
    STATEMENTS = "statements"
    BALANCES = "balances"
    PAYMENTS = "payments"
    STATUS = "status"
    WEBHOOKS = "webhooks"
    SCREENING = "screening"
    FILES = "files"          # a file channel: list_inbound / read_inbound / acknowledge


@runtime_checkable
class StatementsProvider(Protocol):
    def fetch_statements(self, account, cursor):
        """``FetchResult`` of one account after ``cursor`` (None: from what the bank still offers).

        ``account`` is the normalised IBAN/number; ``next_cursor`` is stored only when the lines of
        this page are stored; ``has_more`` asks for the next page at once.
        """


@runtime_checkable
class BalancesProvider(Protocol):
    def fetch_balances(self, account):
        """The balances (``BalanceDTO``) the bank reports now for one account; may be empty."""


@runtime_checkable
class StatusProvider(Protocol):
    def fetch_status_events(self, cursor):
        """``StatusResult`` (payment status events after ``cursor``, ``next_cursor``, ``has_more``)."""


@runtime_checkable
class PaymentsProvider(Protocol):
    def submit_payment_batch(self, batch, idempotency_key):
        """Send a ``PaymentBatchDTO``; return a ``SubmissionResult``.

        ``idempotency_key`` is the outbox message key: send it to the bank as its idempotency key /
        request id. The same message is re-sent with the same key after a timeout, a retry or a
        replay, so the bank must never hold two payments for one key.
        """


@runtime_checkable
class FilesProvider(Protocol):
    def list_inbound(self):
        """Names of the inbound files waiting (bounded)."""

    def read_inbound(self, name):
        """The bytes of one inbound file."""

    def acknowledge(self, name, ok):
        """Called after the import committed: move the file to processed (ok) or failed."""


CAPABILITY_METHODS = {
    Capability.STATEMENTS: ("fetch_statements",),
    Capability.BALANCES: ("fetch_balances",),
    Capability.STATUS: ("fetch_status_events",),
    Capability.PAYMENTS: ("submit_payment_batch",),
    Capability.FILES: ("list_inbound", "read_inbound", "acknowledge"),
    Capability.SCREENING: ("match",),
    Capability.WEBHOOKS: (),   # the webhook protocol adds its methods (see lib/webhook_protocol.py)
}

# A file channel delivers these as files, through the file-format registry.
DELIVERED_AS_FILES = frozenset({Capability.STATEMENTS, Capability.STATUS})


def missing_methods(cls):
    """``[(capability, method), …]`` the class declares but does not implement (empty: complete)."""
    capabilities = {Capability(c) for c in cls.capabilities}
    missing = []
    for capability in sorted(capabilities, key=lambda c: c.value):
        if Capability.FILES in capabilities and capability in DELIVERED_AS_FILES:
            continue
        for name in CAPABILITY_METHODS.get(capability, ()):
            if not callable(getattr(cls, name, None)):
                missing.append((capability, name))
    return missing


def declares(provider, capability):
    """Whether a provider (class or instance) declares ``capability``."""
    cls = provider if isinstance(provider, type) else type(provider)
    return Capability(capability) in {Capability(c) for c in getattr(cls, "capabilities", ())}
