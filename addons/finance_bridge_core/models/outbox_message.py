"""Durable outbound messages: written in the business transaction, sent by a cron worker."""
import json
import logging
import time
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib.backoff import failure_delay
from ..lib.concurrency import CONCURRENCY_ERRORS, drain_due
from ..lib.decision_guard import decides
from ..lib.dto import PaymentBatchDTO
from ..lib.errors import ProviderError, RetryAfter
from ..lib.evidence import evidence_writer, writing_evidence
from ..lib.masking import mask_text
from ..lib.outbox_handlers import OutboxPermanentError, payload_digest, register_outbox_handler, source_mismatch
from ..lib.payment_codec import batch_from_payload
from ..lib.provider_state import collect_states, replay_states
from .button_access import check_button

_logger = logging.getLogger(__name__)

STATES = [("queued", "Queued"), ("sending", "Sending"), ("sent", "Sent"), ("failed", "Failed"),
          ("dead", "Dead letter")]


class FinanceOutboxMessage(models.Model):
    _name = "finance.outbox.message"
    _description = "Outbound bank message"
    _order = "id desc"
    _rec_name = "key"
    _finance_guarded_records = True  # evidence: written by server code only

    key = fields.Char(required=True, readonly=True, index=True, copy=False,
                      help="Idempotency key: a second message with the same key is never created, and "
                           "APIs receive it as their idempotency key.")
    message_type = fields.Selection(selection="_selection_message_type", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    connection_id = fields.Many2one("finance.bank.connection", readonly=True, index=True, ondelete="restrict")
    payload = fields.Json(readonly=True)
    payload_preview = fields.Text(compute="_compute_payload_preview", string="Payload (masked)")
    state = fields.Selection(STATES, default="queued", required=True, readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(default=lambda self: self.env.company.finance_outbox_max_attempts or 8,
                                  help="After this many failed attempts the message becomes a dead letter.")
    next_attempt = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    last_error = fields.Text(readonly=True)
    correlation_id = fields.Char(readonly=True, default=lambda self: str(uuid.uuid4()), index=True)
    sent_at = fields.Datetime(readonly=True)
    result = fields.Json(readonly=True)
    file_ids = fields.Many2many("ir.attachment", string="Files sent", readonly=True,
                                help="Files generated for the bank (e.g. pain.001), kept for download and evidence.")
    res_model = fields.Char(readonly=True, help="The business document that produced the message.")
    res_id = fields.Integer(readonly=True)
    payload_sha256 = fields.Char(readonly=True, string="Payload SHA-256",
                                 help="Digest of the canonical payload when it was queued; checked against the "
                                      "source document before sending.")

    _key_unique = models.Constraint("UNIQUE (key)", "An outbound message with this key exists already.")

    @api.model
    def _selection_message_type(self):
        return self.env["finance.addon.registry"]._outbox_types()

    @api.constrains("connection_id", "company_id")
    def _check_connection_company(self):
        for msg in self:
            if msg.connection_id and msg.connection_id.sudo().company_id != msg.company_id:
                raise ValidationError(_("Message %(key)s: its connection belongs to another company.", key=msg.key))

    @api.depends("payload")
    def _compute_payload_preview(self):
        for msg in self:
            msg.payload_preview = mask_text(json.dumps(msg.payload, indent=2, sort_keys=True, default=str))

    # ------------------------------------------------------------------ enqueue
    @api.model
    def enqueue(self, *args, **kwargs):
        """Former public entry point: messages are queued by their source document, never over RPC."""
        raise AccessError(_("Outbound messages are queued by server code only (their source document)."))

    @api.model
    def _enqueue(self, key, message_type, payload, connection=None, record=None, company=None):
        """Queue a message once. Calling again with the same key returns the first message.

        Server code only (private: ``call_kw`` refuses it; users have no create right): ``record``
        is the source document (a ``finance.outbox.source``) that vouches for the payload at send time.
        ``INSERT … ON CONFLICT DO NOTHING`` makes two concurrent transactions
        enqueueing the same key end with one row, without an error in either.
        """
        if not self.env["finance.addon.registry"]._outbox_handler(message_type):
            raise UserError(_("No handler is installed for outbound messages of type %s.", message_type))
        if not record or not isinstance(record, self.env.registry["finance.outbox.source"]):
            raise UserError(_("Outbound message %s needs its source document (a finance.outbox.source).", key))
        record.ensure_one()
        company = company or (connection.company_id if connection else self.env.company)
        if connection and connection.sudo().company_id != company:
            raise UserError(_("Outbound message %(key)s: connection %(conn)s belongs to another company.",
                              key=key, conn=connection.sudo().display_name))
        self.env.cr.execute("""
            INSERT INTO finance_outbox_message
                (key, message_type, company_id, connection_id, payload, state, attempts, max_attempts,
                 next_attempt, correlation_id, res_model, res_id, payload_sha256, create_uid, write_uid,
                 create_date, write_date)
            VALUES (%s, %s, %s, %s, %s, 'queued', 0, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (key) DO NOTHING RETURNING id""", (
            key, message_type, company.id, connection.id if connection else None,
            json.dumps(payload, default=str), company.finance_outbox_max_attempts or 8, self.env.cr.now(),
            str(uuid.uuid4()), record._name, record.id, payload_digest(payload), self.env.uid, self.env.uid,
            self.env.cr.now(), self.env.cr.now()))  # the transaction's time, as the ORM stamps records
        row = self.env.cr.fetchone()
        if row:
            message = self.browse(row[0])
            self.env["finance.audit.event"]._log("outbox.enqueue", message, summary=f"queued {key}",
                                                 payload={"type": message_type, "key": key}, company=company)
            self.env.ref("finance_bridge_core.ir_cron_finance_outbox")._trigger()
            return message
        existing = self.sudo().search([("key", "=", key)], limit=1)
        if existing.message_type != message_type:
            raise UserError(_("Key %(key)s is used by a %(type)s message.", key=key, type=existing.message_type))
        if (existing.res_model, existing.res_id) != (record._name, record.id):
            raise UserError(_("Key %(key)s is used by a message of another document (%(model)s,%(id)s).",
                              key=key, model=existing.res_model, id=existing.res_id))
        return existing

    # ------------------------------------------------------------------ processing
    @api.model
    def _claim_due(self, limit=1):
        self.flush_model()
        self.env.cr.execute("""
            SELECT id FROM finance_outbox_message
             WHERE state IN ('queued', 'failed') AND next_attempt <= (clock_timestamp() AT TIME ZONE 'UTC')
             ORDER BY next_attempt, id
             LIMIT %s
             FOR UPDATE SKIP LOCKED""", (limit,))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _count_due(self):
        return self.search_count([("state", "in", ("queued", "failed")),
                                  ("next_attempt", "<=", fields.Datetime.now())])

    @api.model
    def _cron_process(self):
        return self._process_due(self.env["ir.cron"]._commit_progress)

    @api.model
    def _process_due(self, commit_progress):
        """Claim and send due messages one per transaction; see ``_sync_due`` of connections."""
        return drain_due(self.env, lambda: self._claim_due(1), lambda message: message.sudo()._process(),
                         commit_progress, self._count_due())

    @decides
    def _process(self):
        """Send one claimed message within the caller's transaction."""
        self.ensure_one()
        handler = self.env["finance.addon.registry"]._outbox_handler(self.message_type)
        previous = self.state
        self.write({"state": "sending", "attempts": self.attempts + 1})
        started = time.monotonic()
        states = []
        try:
            if handler is None:
                raise OutboxPermanentError(f"no handler installed for {self.message_type}")
            self._verify_source()
            with collect_states() as states, self.env.cr.savepoint():
                result = handler(self) or {}
        except CONCURRENCY_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the message
            self.env.invalidate_all()
            replay_states(states)  # a token the bank refreshed during the handler stays stored
            permanent = isinstance(exc, OutboxPermanentError) or not getattr(exc, "retryable", True)
            dead = permanent or self.attempts >= self.max_attempts
            error = mask_text(str(exc) or exc.__class__.__name__)
            if not isinstance(exc, (OutboxPermanentError, ProviderError, UserError)):
                _logger.warning("outbox message %s failed: %s", self.id, error)
            # RetryAfter: not before the bank's time, whatever our own backoff says
            delay = failure_delay(exc, self.attempts)
            self.write({"state": "dead" if dead else "failed", "last_error": error,
                        "next_attempt": fields.Datetime.now() + delay})
            extra = {"retry_after": exc.seconds, "retry_reason": exc.reason} if isinstance(exc, RetryAfter) else {}
            self._audit_state(previous, error, **extra)
            if dead:
                self._tell_source("_finance_outbox_dead", error)
            return False
        self.write({"state": "sent", "sent_at": fields.Datetime.now(), "last_error": False,
                    "result": dict(result, duration=round(time.monotonic() - started, 3))})
        self._audit_state(previous)
        self._tell_source("_finance_outbox_sent", self.result)
        return True

    def _source(self):
        """The source document of this message, when it still exists and is a ``finance.outbox.source``."""
        self.ensure_one()
        if not self.res_model or self.res_model not in self.env.registry or not self.res_id:
            return None
        source = self.env[self.res_model].sudo().browse(self.res_id).exists()
        return source if source and isinstance(source, self.env.registry["finance.outbox.source"]) else None

    def _tell_source(self, hook, value):
        """Report the outcome to the source document (``_finance_outbox_sent`` / ``_finance_outbox_dead``).

        The message's state is a fact (the bank has it, or it is dead): a hook that fails is rolled
        back alone, logged and audited, and never changes the message.
        """
        source = self._source()
        if source is None:
            return
        try:
            with self.env.cr.savepoint():
                getattr(source, hook)(self, value)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - the message stays as it is; the failure is visible
            self.env.invalidate_all()
            error = mask_text(str(exc) or exc.__class__.__name__)
            _logger.warning("outbox message %s: %s of %s failed: %s", self.id, hook, source, error)
            self.env["finance.audit.event"]._log(
                "outbox.callback_failed", self, summary=f"{self.key}: {hook} failed",
                payload={"hook": hook, "source": f"{self.res_model},{self.res_id}", "error": error},
                company=self.company_id)

    def _verify_source(self):
        """Refuse (permanently) a message its source document does not vouch for, before any handler runs.

        The stored payload, the digest recorded at enqueue and the payload the source re-derives now
        must agree, and the connection must be the company's: a message forged or changed outside
        ``_enqueue`` (SQL, import, copy, a server path with sudo) never reaches a bank.
        """
        self.ensure_one()
        reason = None
        source = None
        if self.connection_id and self.connection_id.sudo().company_id != self.company_id:
            reason = "its connection belongs to another company"
        elif not self.res_model or self.res_model not in self.env.registry or not self.res_id:
            reason = "it has no source document"
        else:
            source = self.env[self.res_model].sudo().browse(self.res_id).exists()
            if not source or not isinstance(source, self.env.registry["finance.outbox.source"]):
                reason = f"its source {self.res_model},{self.res_id} does not exist or cannot vouch for messages"
        if reason is None:
            try:
                with self.env.cr.savepoint():
                    derived = source._finance_outbox_payload(self)
            except (OutboxPermanentError, UserError) as exc:
                reason = f"its source refused it: {exc}"
            else:
                reason = source_mismatch(self.payload, self.payload_sha256, derived)
        if reason:
            self.env["finance.audit.event"]._log(
                "outbox.refused", self, summary=f"{self.key}: not sent, {reason}",
                payload={"reason": reason, "source": f"{self.res_model},{self.res_id}",
                         "payload_sha256": self.payload_sha256}, company=self.company_id)
            raise OutboxPermanentError(f"not sent: {reason}")

    def _audit_state(self, previous, error=None, **extra):
        self.env["finance.audit.event"]._log(
            "outbox.state", self, summary=f"{self.key}: {previous} → {self.state}",
            payload=dict(extra, **{"from": previous, "to": self.state, "attempts": self.attempts, "error": error,
                                   "correlation_id": self.correlation_id}))

    # ------------------------------------------------------------------ admin actions
    def _check_admin_action(self):
        """Buttons change messages with sudo: only treasury managers, only for their companies' messages."""
        check_button(self, "finance_bridge_core.group_treasury_manager")
        if not self.env.su and not set(self.company_id.ids) <= set(self.env.companies.ids):
            raise AccessError(_("These outbound messages belong to another company."))
        return self.sudo()

    @decides
    def action_retry(self):
        """Try a failed message again now, keeping its attempt count."""
        for msg in self._check_admin_action():
            if msg.state != "failed":
                raise UserError(_("Only failed messages can be retried (%s is %s).", msg.key, msg.state))
            msg.write({"next_attempt": fields.Datetime.now()})
            msg._audit_state("failed", "retry requested")
        self.env.ref("finance_bridge_core.ir_cron_finance_outbox")._trigger()
        return True

    @decides
    def action_replay(self):
        """Put a dead letter back in the queue with a fresh attempt budget.

        The key stays the same, so the bank (API idempotency key, MsgId)
        still sees one message: replay never creates a second payment.
        The source document is asked again at send time.
        """
        for msg in self._check_admin_action():
            if msg.state != "dead":
                raise UserError(_("Only dead letters can be replayed (%s is %s).", msg.key, msg.state))
            msg.write({"state": "queued", "attempts": 0, "next_attempt": fields.Datetime.now(),
                       "last_error": False})
            msg._audit_state("dead", "replay requested")
        self.env.ref("finance_bridge_core.ir_cron_finance_outbox")._trigger()
        return True

    def unlink(self):
        if not writing_evidence() and any(msg.state in ("sending", "sent") for msg in self):
            raise UserError(_("Sent messages are evidence and cannot be deleted."))
        return super().unlink()


@register_outbox_handler("payment_batch.submit", "Submit a payment batch")
def submit_payment_batch(message):
    """Send a canonical payment batch through the message's connection provider."""
    connection = message.connection_id
    if not connection:
        raise OutboxPermanentError("a payment batch message needs a bank connection")
    batch: PaymentBatchDTO = batch_from_payload(message.payload)
    provider = connection.sudo()._make_provider(message.correlation_id)
    # The message key is the bank's idempotency key: a retry, a resend after a timeout or a replay of
    # this message passes the same key, so the bank never holds two payments for it.
    result = provider.submit_payment_batch(batch, message.key)
    content = result.raw.get("content")
    if content:
        with evidence_writer():
            attachment = message.env["ir.attachment"].sudo().create({
                "name": result.raw.get("file") or f"{batch.msg_id}.xml", "raw": content,
                "res_model": message._name, "res_id": message.id, "mimetype": "application/xml"})
        message.sudo().file_ids = [(4, attachment.id)]
    if not result.accepted:
        if result.retryable:
            seconds = result.raw.get("retry_after")
            if seconds:
                raise RetryAfter(seconds, result.message or "the bank asked to retry later")
            raise ProviderError(result.message or "bank asked to retry", retryable=True)
        raise OutboxPermanentError(result.message or "refused by the bank")
    # What else the bank answered (status, an SCA redirect link…), JSON-native, for the source's
    # _finance_outbox_sent hook; file contents stay in the attachment.
    details = json.loads(json.dumps({k: v for k, v in result.raw.items() if k not in ("content", "sha256")},
                                    default=str))
    return {"bank_reference": result.bank_reference, "message": result.message,
            "sha256": result.raw.get("sha256"), "details": details}
