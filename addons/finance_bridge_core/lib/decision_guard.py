"""Who may change decision and state fields: server-side methods only, never a client's write.

The suite's decision/state fields (a hit's verdict, a connection's state, an outbox message's
state, evidence records as a whole…) change only inside a *decision scope*. A scope is opened by
Python code on the server — the ``decides`` decorator on a method that checks the rules, or the
``decision_scope()`` context manager around a few lines — and lives in a ``ContextVar``: it belongs
to the running thread/task and is reset when the method returns or raises.

Why a ContextVar and not a context key: everything in ``env.context`` can be sent by a client over
JSON-RPC/XML-RPC (``kwargs={"context": {...}}``), so a context flag would be a guard anyone can
switch on. A ContextVar cannot be reached from RPC: a client can only call public methods, and only
a method that opens the scope itself lets guarded writes through — which is why such a method must
never pass caller-supplied values for guarded fields to ``write``/``create``.
Superuser mode (``env.su``, i.e. code that called ``sudo()``) is accepted too: RPC never runs in
superuser mode, and the engine's cron jobs and evidence writers already elevate deliberately.
"""
import contextvars
import functools
from contextlib import contextmanager

_SCOPE = contextvars.ContextVar("finance_bridge_decision_scope", default=None)

# Field names that carry a decision or a state by naming convention; the generic adversarial test
# requires every stored field of the suite named like this to be guarded.
DECISION_NAME_PREFIXES = ("state", "decision", "approved", "approval", "reviewed", "reviewer", "released",
                          "rejected", "confirmed", "validated")
DECISION_NAME_SUFFIXES = ("_state", "_decision", "_approved", "_reviewed")


def looks_like_decision(name):
    """True for field names that by convention carry a decision or a state."""
    return name.startswith(DECISION_NAME_PREFIXES) or name.endswith(DECISION_NAME_SUFFIXES)


@contextmanager
def server_scope(var, value):
    """Set a server-only ContextVar for the enclosed code (reset on return or raise)."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def decision_scope(reason="server"):
    """Let guarded fields be written by the enclosed server code (and only there)."""
    return server_scope(_SCOPE, reason)


def in_decision_scope():
    return _SCOPE.get() is not None


def decides(method):
    """Decorate a method that checks the rules itself and then writes guarded fields.

    Only for methods whose guarded values are computed on the server — never for one that forwards
    a caller's ``vals`` to ``write``/``create``.
    """
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with decision_scope(method.__qualname__):
            return method(*args, **kwargs)
    return wrapper
