"""The contract between a business document and the outbox: it vouches for its messages at send time.

A model that sends messages inherits ``finance.outbox.source`` and implements
``_finance_outbox_payload(message)``: it re-derives, from its own current state, the payload it
would queue for ``message`` — or raises ``OutboxPermanentError`` when it no longer stands behind it
(not released, cancelled, approvals changed, content hash changed, other company or connection).
The outbox sends a message only when the payload stored, the SHA-256 recorded when it was queued
and the payload re-derived by the source all agree; anything else is a dead letter, audited.
Once the outcome is known the outbox reports it back: ``_finance_outbox_sent(message, result)``
when the handler succeeded, ``_finance_outbox_dead(message, reason)`` when the message became a
dead letter (permanent refusal or attempts spent). Both run as superuser in their own savepoint
after the message's state is written: a hook that raises is rolled back alone and audited
(``outbox.callback_failed``), the message keeps its state.
See readme/DESCRIPTION.md and docs/EXTENDING.md.
"""
from odoo import models

from ..lib.outbox_handlers import OutboxPermanentError


class FinanceOutboxSource(models.AbstractModel):
    _name = "finance.outbox.source"
    _description = "Source document of outbound bank messages"

    def _finance_outbox_payload(self, message):
        """Re-derive the payload of ``message`` from this document; refuse by raising.

        The default refuses: a model that does not implement the contract sends nothing.
        """
        raise OutboxPermanentError(f"{self._name} does not vouch for outbound messages")

    def _finance_outbox_sent(self, message, result):
        """Hook: ``message`` was accepted by the bank; ``result`` is what its handler returned
        (e.g. ``bank_reference``). Default: nothing."""
        return None

    def _finance_outbox_dead(self, message, reason):
        """Hook: ``message`` became a dead letter for ``reason`` (masked text); it will not be sent
        unless an operator replays it. Default: nothing."""
        return None

    def _finance_outbox_enqueue(self, key, message_type, payload, connection=None, company=None):
        """Queue ``payload`` for this document (server code only: private, not callable over RPC)."""
        self.ensure_one()
        return self.env["finance.outbox.message"]._enqueue(
            key, message_type, payload, connection=connection, record=self, company=company)
