"""Durable inbox of webhook events: stored on receipt (fast 2xx), applied later by a cron worker.

Receiving only verifies and appends (one row per event, ``INSERT … ON CONFLICT DO NOTHING`` on
the per-connection event id, so a replay is recognised by the database itself). Applying happens
in the worker, one event per transaction, claimed with ``FOR UPDATE SKIP LOCKED`` like the outbox:
two workers never apply the same event, and a failure is retried with backoff, then marked failed.
"""
import json
import logging
import time
import uuid
from datetime import UTC, timedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.backoff import retry_delay
from ..lib.concurrency import CONCURRENCY_ERRORS, drain_due
from ..lib.decision_guard import decides
from ..lib.errors import FormatError
from ..lib.evidence import writing_evidence
from ..lib.masking import mask_account, mask_text, normal_account
from ..lib.user_errors import describe_error
from ..lib.webhook_protocol import EVENT_KINDS, WebhookEvent
from ..lib.webhook_verify import WebhookRefused, body_digest, check_size
from .button_access import check_button

_logger = logging.getLogger(__name__)

STATES = [("queued", "Queued"), ("applied", "Applied"), ("failed", "Failed"), ("ignored", "Ignored")]
MASKED_BODY_CHARS = 8000
BUSY_DELAY = timedelta(seconds=30)
PERMANENT_ERRORS = (ValueError, FormatError)
TRIGGER_EVERY = 5.0
_LAST_TRIGGER = [float("-inf")]  # per process; a lost race only triggers twice


class _ConnectionBusy(Exception):
    """A sync of the connection is running in another worker: apply the event a little later."""


class FinanceWebhookInbox(models.Model):
    _name = "finance.webhook.inbox"
    _description = "Webhook event (inbox)"
    _order = "id desc"
    _rec_name = "event_id"
    _finance_guarded_records = True  # evidence: appended by the controller, advanced by the worker only

    connection_id = fields.Many2one("finance.bank.connection", required=True, readonly=True, index=True,
                                    ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    event_id = fields.Char(required=True, readonly=True, string="Event ID",
                           help="The sender's id of the event: a second delivery with it is refused as a replay.")
    kind = fields.Selection([(k, k.replace("_", " ").capitalize()) for k in EVENT_KINDS], required=True,
                            readonly=True)
    account_ref = fields.Char(readonly=True, groups="base.group_system",
                              help="The account the event concerns, as the bank sent it.")
    account_masked = fields.Char(compute="_compute_masked", string="Account")
    occurred_at = fields.Datetime(readonly=True, help="When the bank says the event happened.")
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    payload = fields.Json(readonly=True, groups="base.group_system",
                          help="The event as the provider parsed it; applied by the worker.")
    payload_preview = fields.Text(compute="_compute_masked", string="Event (masked)")
    body_sha256 = fields.Char(readonly=True, string="Body SHA-256",
                              help="Digest of the raw body as received and verified.")
    body_masked = fields.Text(readonly=True, string="Body (masked)",
                              help="The raw body with account numbers masked, as evidence.")
    remote_addr = fields.Char(readonly=True, string="From")
    state = fields.Selection(STATES, default="queued", required=True, readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    max_attempts = fields.Integer(default=8, readonly=True)
    next_attempt = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    error = fields.Text(readonly=True)
    result = fields.Char(readonly=True, help="What applying the event did.")
    applied_at = fields.Datetime(readonly=True)
    correlation_id = fields.Char(readonly=True, index=True, help="Shared by the events of one delivery.")
    sync_run_id = fields.Many2one("finance.sync.run", readonly=True, string="Sync run")

    _event_unique = models.Constraint("UNIQUE (connection_id, event_id)",
                                      "This webhook event was received already (replay).")

    @api.depends("body_masked")
    def _compute_masked(self):
        for event in self:
            data = event.sudo()
            event.account_masked = mask_account(data.account_ref) if data.account_ref else False
            event.payload_preview = mask_text(json.dumps(data.payload, indent=2, sort_keys=True, default=str))

    # ------------------------------------------------------------------ receive
    @api.model
    def _receive(self, token, headers, content_length, read_body, remote_addr=None, now=None):
        """Verify one delivery and store its events; returns ``(http status, JSON-able answer)``.

        Server code (the controller) only, as superuser. ``read_body(limit)`` is called once the
        announced length passed the limit; every refusal is counted, then answered with its status.
        """
        connection = self.env["finance.bank.connection"]
        try:
            if not token or len(token) > 128:
                raise WebhookRefused("unknown_token")
            connection.flush_model(["webhook_token", "active"])
            self.env.cr.execute("SELECT id FROM finance_bank_connection WHERE webhook_token = %s AND active",
                                (token,))
            row = self.env.cr.fetchone()
            connection = connection.sudo().browse(row[0] if row else [])
            protocol = connection._webhook_protocol() if connection else None
            if not protocol:
                connection = self.env["finance.bank.connection"]
                raise WebhookRefused("unknown_token")
            limit = protocol.webhook_max_body_bytes()
            check_size(content_length, limit)
            body = read_body(limit)
            if len(body) > limit:
                raise WebhookRefused("too_large", f"{len(body)} bytes read")
            now = time.time() if now is None else now
            protocol.verify_webhook(headers, body, connection._webhook_signing_secrets(), now)
            try:
                events = protocol.parse_webhook(headers, body)
            except PERMANENT_ERRORS as exc:
                raise WebhookRefused("malformed", str(exc)[:200]) from None
            stored, correlation_id = self._store(connection, events, body, remote_addr)
            if not stored:
                raise WebhookRefused("replayed", ", ".join(e.event_id for e in events)[:200])
        except WebhookRefused as refused:
            self.env["finance.webhook.refusal"].sudo()._append(refused.reason, refused.http_status, connection,
                                                               remote_addr, refused.detail)
            _logger.info("webhook delivery refused (%s) for connection %s: %s", refused.reason,
                         connection.id or "-", mask_text(refused.detail))
            return refused.http_status, {"error": refused.reason}
        self._trigger_worker()
        return 200, {"status": "accepted", "events": len(stored), "duplicates": len(events) - len(stored),
                     "correlation_id": correlation_id}

    @api.model
    def _trigger_worker(self):
        """Wake the worker, at most once per ``TRIGGER_EVERY`` seconds per process: a trigger costs a
        row and a NOTIFY on its own connection after commit, too much for every delivery of a burst
        (the cron's own schedule picks up whatever a skipped trigger leaves)."""
        now = time.monotonic()
        if now - _LAST_TRIGGER[0] >= TRIGGER_EVERY:
            _LAST_TRIGGER[0] = now
            self.env.ref("finance_bridge_core.ir_cron_finance_webhook")._trigger()

    @api.model
    def _store(self, connection, events, body, remote_addr):
        """Append the new events (replays skipped by the unique key); returns (new ids, correlation id)."""
        correlation_id = str(uuid.uuid4())
        digest = body_digest(body)
        masked = mask_text(body[:MASKED_BODY_CHARS * 4].decode("utf-8", "replace"))[:MASKED_BODY_CHARS]
        ids = []
        for event in events:
            occurred = event.occurred_at.astimezone(UTC).replace(tzinfo=None) if event.occurred_at else None
            self.env.cr.execute("""
                INSERT INTO finance_webhook_inbox
                    (connection_id, company_id, event_id, kind, account_ref, occurred_at, received_at, payload,
                     body_sha256, body_masked, remote_addr, state, attempts, max_attempts, next_attempt,
                     correlation_id, create_uid, write_uid, create_date, write_date)
                VALUES (%s, %s, %s, %s, %s, %s, now() AT TIME ZONE 'UTC', %s, %s, %s, %s, 'queued', 0, 8,
                        now() AT TIME ZONE 'UTC', %s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
                ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id""", (
                connection.id, connection.company_id.id, event.event_id, event.kind, event.account, occurred,
                json.dumps(dict(event.payload), default=str), digest, masked, (remote_addr or "")[:64] or None,
                correlation_id, self.env.uid or SUPERUSER_ID, self.env.uid or SUPERUSER_ID))
            row = self.env.cr.fetchone()
            if row:
                ids.append(row[0])
        return ids, correlation_id

    # ------------------------------------------------------------------ apply (worker)
    @api.model
    def _claim_due(self, limit=1):
        """Oldest due events first; one locked by another worker is skipped, never waited for."""
        self.flush_model()
        self.env.cr.execute("""
            SELECT id FROM finance_webhook_inbox
             WHERE state = 'queued' AND next_attempt <= (clock_timestamp() AT TIME ZONE 'UTC')
             ORDER BY id
             LIMIT %s
             FOR UPDATE SKIP LOCKED""", (limit,))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _count_due(self):
        return self.sudo().search_count([("state", "=", "queued"), ("next_attempt", "<=", fields.Datetime.now())])

    @api.model
    def _cron_apply(self):
        self.env["finance.bank.connection"]._webhook_expire_grace()
        return self._apply_due(self.env["ir.cron"]._commit_progress)

    @api.model
    def _apply_due(self, commit_progress):
        """Claim and apply due events one per transaction (see ``lib/concurrency.drain_due``)."""
        return drain_due(self.env, lambda: self._claim_due(1), lambda event: event.sudo()._apply_claimed(),
                         commit_progress, self._count_due())

    def _as_event(self):
        self.ensure_one()
        occurred = self.occurred_at.replace(tzinfo=UTC) if self.occurred_at else None
        return WebhookEvent(event_id=self.event_id, kind=self.kind, payload=self.payload or {},
                            account=self.account_ref or None, occurred_at=occurred)

    @decides
    def _apply_claimed(self):
        """Apply one claimed event within the caller's transaction; never twice (state checked under the lock)."""
        self.ensure_one()
        if self.state != "queued":
            return False
        attempts = self.attempts + 1
        try:
            with self.env.cr.savepoint():
                state, result, run = self._apply_event()
        except CONCURRENCY_ERRORS:
            raise
        except _ConnectionBusy:
            self.env.invalidate_all()
            self.write({"next_attempt": fields.Datetime.now() + BUSY_DELAY})
            return False
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the event
            self.env.invalidate_all()
            self._record_failure(attempts, exc, permanent=isinstance(exc, PERMANENT_ERRORS))
            return False
        if state == "retry":   # the sync ran and failed: its run is kept, the event is tried again
            self._record_failure(attempts, UserError(result), permanent=False, run=run)
            return False
        self.write({"state": state, "attempts": attempts, "result": result, "error": False,
                    "applied_at": fields.Datetime.now(), "sync_run_id": run.id if run else False})
        self._audit(f"{self.event_id}: {state} ({result})")
        return True

    def _record_failure(self, attempts, exc, permanent, run=None):
        error = mask_text(describe_error(exc))[:2000]
        dead = permanent or attempts >= self.max_attempts
        self.write({"state": "failed" if dead else "queued", "attempts": attempts, "error": error,
                    "next_attempt": fields.Datetime.now() + retry_delay(attempts),
                    "sync_run_id": run.id if run else self.sync_run_id.id})
        if dead:
            self._audit(f"{self.event_id}: failed after {attempts} attempt(s)", error)

    def _audit(self, summary, error=None):
        self.env["finance.audit.event"]._log(
            "webhook.apply", self, summary=summary,
            payload={"event": self.event_id, "kind": self.kind, "state": self.state, "attempts": self.attempts,
                     "error": error, "connection": self.connection_id.id, "correlation_id": self.correlation_id})

    def _apply_event(self):
        """``(state, result, sync run)`` of applying this event; raises on failure."""
        connection = self.connection_id._technical()
        protocol = connection._webhook_protocol()
        if not protocol:
            return "ignored", "the connection's provider no longer receives webhooks", None
        if self.kind == "status":
            dtos = protocol.webhook_status_events(self._as_event())
            events = self.env["finance.status.event"].sudo()._record(dtos, connection=connection)
            return "applied", f"{len(events)} new status event(s) of {len(dtos)}", None
        if self.kind == "sync_account":
            return self._apply_sync(connection)
        return "ignored", "not an event the core applies", None

    def _apply_sync(self, connection):
        wanted = normal_account(self.account_ref)
        if wanted not in {normal_account(n) for n in connection.account_ids.mapped("account_number")}:
            raise ValueError(f"account {mask_account(wanted)} is not served by connection {connection.name}")
        if connection.state not in ("active", "error"):
            return "ignored", f"connection is {connection.state}", None
        self.env.cr.execute("SELECT id FROM finance_bank_connection WHERE id = %s FOR UPDATE SKIP LOCKED",
                            (connection.id,))
        if not self.env.cr.fetchone():
            raise _ConnectionBusy()
        run = connection._run_sync(trigger="webhook", accounts=[wanted])
        if run.state != "done":
            return "retry", run.error or "synchronisation failed", run
        return "applied", f"sync run: {run.lines_created} line(s) created", run

    # ------------------------------------------------------------------ buttons
    @decides
    def action_retry(self):
        """A failed event back to the queue with a fresh attempt budget (treasury managers, own companies)."""
        check_button(self, "finance_bridge_core.group_treasury_manager")
        if not self.env.su and not set(self.company_id.ids) <= set(self.env.companies.ids):
            raise AccessError(_("These webhook events belong to another company."))
        for event in self.sudo():
            if event.state != "failed":
                raise UserError(_("Only failed webhook events can be retried (%(id)s is %(state)s).",
                                  id=event.event_id, state=event.state))
            event.write({"state": "queued", "attempts": 0, "next_attempt": fields.Datetime.now(), "error": False})
            event._audit(f"{event.event_id}: retry requested")
        self.env.ref("finance_bridge_core.ir_cron_finance_webhook")._trigger()
        return True

    def unlink(self):
        if not writing_evidence():
            raise UserError(_("Webhook events are evidence and cannot be deleted."))
        return super().unlink()
