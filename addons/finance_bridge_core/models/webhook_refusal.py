"""Refused webhook deliveries, one append-only row each: the counters per reason and connection.

Rows are appended, never updated: concurrent refusals never contend for a counter row, and each
count can be traced to its delivery (when, from where, why). Counters are read with ``_counts``
(connection form, operations dashboards).
"""
from odoo import api, fields, models

from ..lib.webhook_verify import REFUSAL_LABELS, REFUSAL_REASONS


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
    received_at = fields.Datetime(readonly=True, required=True, default=fields.Datetime.now)
    remote_addr = fields.Char(readonly=True, string="From")
    detail = fields.Char(readonly=True, help="Why, for the administrator (never sent to the caller).")

    @api.model
    def _append(self, reason, http_status, connection=None, remote_addr=None, detail=None):
        """One row per refusal, with SQL: no ORM cache to invalidate on the hot path."""
        self.env.cr.execute("""
            INSERT INTO finance_webhook_refusal
                (connection_id, company_id, reason, http_status, received_at, remote_addr, detail,
                 create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, %s, %s, now() AT TIME ZONE 'UTC', %s, %s, %s, %s,
                    now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')""", (
            connection.id if connection else None, connection.company_id.id if connection else None,
            reason, http_status, (remote_addr or "")[:64] or None, (detail or "")[:256] or None,
            self.env.uid, self.env.uid))

    @api.model
    def _counts(self, connections=None):
        """``{connection id (None: unknown token): {reason: count}}``."""
        domain = [("connection_id", "in", connections.ids)] if connections is not None else []
        result = {}
        for connection, reason, count in self.sudo()._read_group(domain, ["connection_id", "reason"], ["__count"]):
            result.setdefault(connection.id or None, {})[reason] = count
        return result
