"""Evidence records (imported files and their originals, sync runs, status events, outbox messages)
are append-only for users: only server code changes them, and only where it says so.

A context key would not do: callers over RPC choose their context. The marker is a context
variable of this Python process, set by ``evidence_writer()`` around the few server paths that
write evidence; nothing a remote caller sends can set it.
"""
import contextvars

from .decision_guard import server_scope

# Models whose records are evidence; their attachments (originals, files sent) are protected too.
EVIDENCE_MODELS = frozenset({
    "finance.file.import", "finance.sync.run", "finance.status.event", "finance.outbox.message",
})

_WRITER = contextvars.ContextVar("finance_bridge_evidence_writer", default=False)


def evidence_writer():
    """Server code that creates, changes or deletes evidence attachments runs inside this block."""
    return server_scope(_WRITER, True)


def writing_evidence():
    return _WRITER.get()
