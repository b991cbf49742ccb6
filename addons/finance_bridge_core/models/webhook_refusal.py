"""Refused webhook deliveries: the counters per reason and connection, bounded.

* A delivery to a connection's URL (the caller knew a 256-bit token) is one append-only row: it can
  be traced (when, from where, why) and concurrent refusals never contend for a row.
* A delivery to an unknown token — anyone on the internet can send those — is counted in one
  aggregate row per reason and UTC hour (``period_start``, ``count``), upserted atomically with
  ``INSERT … ON CONFLICT DO UPDATE``: a flood adds one row per reason and hour, not one per request.
  (Concurrent upserts of one row are serialised by PostgreSQL; a serialisation conflict under
  REPEATABLE READ is retried by Odoo's request retry, as for every request.)
* Retention: the daily cron deletes rows older than ``finance_bridge.webhook_refusal_days``
  (default 90), audited per company; the *Evidence Retention* wizard deletes a company's older too.

Counters are read with ``_counts`` (connection form, operations dashboards): the sum of ``count``.
"""
import logging
from datetime import timedelta

from odoo import api, fields, models

from ..lib.evidence import evidence_writer
from ..lib.webhook_verify import REFUSAL_LABELS, REFUSAL_REASONS

_logger = logging.getLogger(__name__)

RETENTION_PARAM = "finance_bridge.webhook_refusal_days"
DEFAULT_RETENTION_DAYS = 90


class FinanceWebhookRefusal(models.Model):
    _name = "finance.webhook.refusal"
    _description = "Refused webhook delivery"
    _order = "id desc"
    _rec_name = "reason"
    _finance_guarded_records = True  # evidence: written by the webhook controller only

    connection_id = fields.Many2one("finance.bank.connection", readonly=True, index=True, ondelete="cascade",
                                    help="Empty when the URL token matched no connection.")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    reason = fields.Selection([(r, REFUSAL_LABELS[r]) for r in REFUSAL_REASONS], required=True, readonly=True,
                              index=True)
    http_status = fields.Integer(readonly=True)
    received_at = fields.Datetime(readonly=True, required=True, default=fields.Datetime.now,
                                  help="When it was refused (for an hourly count of unknown tokens: the latest).")
    remote_addr = fields.Char(readonly=True, string="From", help="For an hourly count: the latest sender.")
    detail = fields.Char(readonly=True, help="Why, for the administrator (never sent to the caller).")
    count = fields.Integer(readonly=True, default=1, required=True, string="Deliveries",
                           help="Refused deliveries this row counts: 1, or all of one hour for unknown tokens.")
    period_start = fields.Datetime(readonly=True, string="Hour",
                                   help="Set on the hourly count of deliveries to unknown tokens (UTC hour).")

    _unknown_token_hourly = models.UniqueIndex(
        "(reason, period_start) WHERE connection_id IS NULL",
        "Deliveries to unknown tokens are counted in one row per reason and hour.")

    @api.model
    def _append(self, reason, http_status, connection=None, remote_addr=None, detail=None):
        """Count one refusal, with SQL: no ORM cache to invalidate on the hot path."""
        values = (reason, http_status, (remote_addr or "")[:64] or None, (detail or "")[:256] or None,
                  self.env.uid, self.env.uid)
        if not connection:
            self.env.cr.execute("""
                INSERT INTO finance_webhook_refusal
                    (connection_id, company_id, reason, http_status, remote_addr, detail, create_uid, write_uid,
                     received_at, create_date, write_date, period_start, count)
                VALUES (NULL, NULL, %s, %s, %s, %s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
                        now() AT TIME ZONE 'UTC', date_trunc('hour', now() AT TIME ZONE 'UTC'), 1)
                ON CONFLICT (reason, period_start) WHERE connection_id IS NULL DO UPDATE SET
                    count = finance_webhook_refusal.count + 1, received_at = EXCLUDED.received_at,
                    http_status = EXCLUDED.http_status, remote_addr = EXCLUDED.remote_addr,
                    detail = EXCLUDED.detail, write_date = EXCLUDED.write_date""", values)
            return
        self.env.cr.execute("""
            INSERT INTO finance_webhook_refusal
                (connection_id, company_id, reason, http_status, remote_addr, detail, create_uid, write_uid,
                 received_at, create_date, write_date, count)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
                    now() AT TIME ZONE 'UTC', 1)""", (connection.id, connection.company_id.id, *values))

    @api.model
    def _counts(self, connections=None):
        """``{connection id (None: unknown token): {reason: refused deliveries}}``."""
        domain = [("connection_id", "in", connections.ids)] if connections is not None else []
        result = {}
        for connection, reason, total in self.sudo()._read_group(domain, ["connection_id", "reason"], ["count:sum"]):
            result.setdefault(connection.id or None, {})[reason] = total
        return result

    # ------------------------------------------------------------------ retention
    @api.model
    def _retention_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, "")
        return int(value) if str(value).strip().isdigit() and int(value) > 0 else DEFAULT_RETENTION_DAYS

    @api.model
    def _purge(self, cutoff, companies=None, why="retention"):
        """Delete rows received before ``cutoff`` — of ``companies``, or all (also those of unknown
        tokens, which belong to no company) — audited per company; returns ``{company id: count}``."""
        Refusal = self.sudo()
        domain = [("received_at", "<", cutoff)]
        groups = [(c.id, [("company_id", "=", c.id)]) for c in companies] if companies is not None else \
            [(c.id, [("company_id", "=", c.id)]) for c in Refusal.search(domain).company_id] + \
            [(None, [("company_id", "=", False)])]
        counts = {}
        for company_id, scope in groups:
            old = Refusal.search([*domain, *scope])
            if not old:
                continue
            counts[company_id] = sum(old.mapped("count"))
            with evidence_writer():
                old.unlink()
            company = self.env["res.company"].browse(company_id) if company_id else self.env.company
            self.env["finance.audit.event"]._log(
                "webhook_refusal.purged", summary=f"{len(old)} webhook refusal row(s) ({counts[company_id]} "
                f"deliveries) before {cutoff} deleted" + ("" if company_id else " (unknown tokens)"),
                payload={"rows": len(old), "deliveries": counts[company_id], "cutoff": cutoff, "why": why,
                         "unknown_tokens": not company_id}, company=company)
        return counts

    @api.model
    def _cron_purge(self):
        """Daily: refusals older than the retention period (``finance_bridge.webhook_refusal_days``)."""
        days = self._retention_days()
        return self._purge(fields.Datetime.now() - timedelta(days=days), why=f"older than {days} day(s)")
