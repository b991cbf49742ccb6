"""The smallest real source of outbound messages: the reference implementation of the contract.

Until the payment release workflow (``finance.payment.batch``) exists, the outbox tests queue their
messages through this document. It does what a real source must do — nothing is faked: it queues a
message only when released, and at send time re-derives the payload from its own stored content and
refuses when it is no longer released or the message's company or connection is not its own.
"""
from odoo import fields, models
from odoo.addons.finance_bridge_core.lib.outbox_handlers import OutboxPermanentError
from odoo.exceptions import UserError


class FinanceOutboxTestDocument(models.Model):
    _name = "finance.outbox.test.document"
    _inherit = ["finance.outbox.source"]
    _description = "Outbox test source document (tests only)"
    _finance_guarded_records = True  # released by server code only, like a real source document

    name = fields.Char(required=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    connection_id = fields.Many2one("finance.bank.connection")
    message_type = fields.Char(required=True, default="payment_batch.submit")
    content = fields.Json(help="The payload this document stands behind.")
    state = fields.Selection([("draft", "Draft"), ("released", "Released"), ("cancelled", "Cancelled")],
                             default="draft", required=True)
    # What the outbox reported back (``_finance_outbox_sent`` / ``_finance_outbox_dead``).
    outbox_outcome = fields.Selection([("sent", "Accepted by the bank"), ("dead", "Dead letter")], readonly=True)
    bank_reference = fields.Char(readonly=True)
    outcome_note = fields.Text(readonly=True)
    refuse_outcome = fields.Boolean(help="Tests only: the outcome hooks raise, as a broken source would.")

    def _release(self):
        """Release and queue the document's message, keyed by its name (server code; returns the message)."""
        self.ensure_one()
        if self.state == "cancelled":
            raise UserError(f"{self.name} is cancelled")
        self.state = "released"
        return self._finance_outbox_enqueue(self.name, self.message_type, self.content,
                                            connection=self.connection_id or None, company=self.company_id)

    def _finance_outbox_payload(self, message):
        self.ensure_one()
        if self.state != "released":
            raise OutboxPermanentError(f"{self.name} is {self.state}, not released")
        if message.key != self.name:
            raise OutboxPermanentError(f"{self.name} did not queue message {message.key}")
        if message.company_id != self.company_id or message.connection_id != self.connection_id:
            raise OutboxPermanentError(f"{self.name} was released for another company or connection")
        if message.message_type != self.message_type:
            raise OutboxPermanentError(f"{self.name} does not send {message.message_type} messages")
        return self.content

    def _finance_outbox_sent(self, message, result):
        self.ensure_one()
        if self.refuse_outcome:
            raise UserError(f"{self.name} cannot record the outcome of {message.key}")
        self.write({"outbox_outcome": "sent", "bank_reference": (result or {}).get("bank_reference"),
                    "outcome_note": False})

    def _finance_outbox_dead(self, message, reason):
        self.ensure_one()
        if self.refuse_outcome:
            raise UserError(f"{self.name} cannot record the outcome of {message.key}")
        self.write({"outbox_outcome": "dead", "outcome_note": reason})
