"""Every HTTP exchange of a provider with its bank, masked, kept as append-only evidence.

Rows come from ``make_http_session(recorder=...)`` (see ``lib/http_exchange``): the connection hands
each provider session a recorder, so a provider logs nothing itself. Users read them; only server
code creates them (``_record``) and only the retention cron deletes them, audited.
"""
import json
from datetime import timedelta

from odoo import api, fields, models

from ..lib.evidence import evidence_writer
from .button_access import check_button

RETENTION_PARAM = "finance_bridge.http_exchange_retention_days"
DEFAULT_RETENTION_DAYS = 90
PURGE_BATCH = 5000


class FinanceHttpExchange(models.Model):
    _name = "finance.http.exchange"
    _description = "Bank API exchange (masked)"
    _order = "id desc"
    _rec_name = "url"
    _finance_guarded_records = True  # evidence: written by server code only

    connection_id = fields.Many2one("finance.bank.connection", required=True, ondelete="restrict", index=True,
                                    readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    correlation_id = fields.Char(readonly=True, index="btree_not_null",
                                 help="The sync run's or outbox message's correlation id.")
    sync_run_id = fields.Many2one("finance.sync.run", readonly=True, ondelete="set null", index="btree_not_null")
    outbox_message_id = fields.Many2one("finance.outbox.message", readonly=True, ondelete="set null",
                                        index="btree_not_null")
    started_at = fields.Datetime(readonly=True, index=True)
    method = fields.Char(readonly=True)
    url = fields.Char(readonly=True, help="Query values are masked.")
    host = fields.Char(readonly=True, index=True)
    status_code = fields.Integer(readonly=True, string="HTTP status", help="0: no answer (timeout, refused, TLS).")
    outcome = fields.Selection([("ok", "Success"), ("client_error", "Refused (4xx)"),
                                ("server_error", "Bank error (5xx)"), ("no_answer", "No answer")],
                               readonly=True, index=True)
    duration_ms = fields.Integer(readonly=True, string="Duration (ms)")
    request_id = fields.Char(readonly=True, index="btree_not_null", string="X-Request-ID")
    request_headers = fields.Text(readonly=True)
    request_body = fields.Text(readonly=True)
    request_size = fields.Integer(readonly=True, help="Bytes sent (before masking and cutting).")
    response_headers = fields.Text(readonly=True)
    response_body = fields.Text(readonly=True)
    response_size = fields.Integer(readonly=True, help="Bytes received (before masking and cutting).")
    error = fields.Char(readonly=True)

    @staticmethod
    def _outcome(status):
        if not status:
            return "no_answer"
        if status >= 500:
            return "server_error"
        if status >= 400:
            return "client_error"
        return "ok"

    @api.model
    def _record(self, connection, exchanges):
        """Store masked ``HttpExchange`` values for ``connection``; links runs/messages by correlation id."""
        if not exchanges:
            return self.browse()
        ids = {e.correlation_id for e in exchanges if e.correlation_id}
        runs = dict(self.env["finance.sync.run"].sudo().search_fetch(
            [("correlation_id", "in", list(ids))], ["correlation_id"]).mapped(lambda r: (r.correlation_id, r.id)))
        messages = dict(self.env["finance.outbox.message"].sudo().search_fetch(
            [("correlation_id", "in", list(ids))], ["correlation_id"]).mapped(lambda m: (m.correlation_id, m.id)))
        vals_list = [{
            "connection_id": connection.id, "company_id": connection.company_id.id,
            "correlation_id": e.correlation_id or False, "sync_run_id": runs.get(e.correlation_id, False),
            "outbox_message_id": messages.get(e.correlation_id, False),
            "started_at": e.started_at.replace(tzinfo=None), "method": e.method, "url": e.url[:2000], "host": e.host,
            "status_code": e.status, "outcome": self._outcome(e.status), "duration_ms": e.duration_ms,
            "request_id": e.request_id or False,
            "request_headers": json.dumps(e.request_headers, indent=1, sort_keys=True),
            "request_body": e.request_body or False, "request_size": e.request_size,
            "response_headers": json.dumps(e.response_headers, indent=1, sort_keys=True),
            "response_body": e.response_body or False, "response_size": e.response_size,
            "error": e.error or False,
        } for e in exchanges]
        return self.sudo().create(vals_list)

    @api.model
    def _action_for(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id("finance_bridge_core.action_finance_http_exchange")
        action["domain"] = domain
        return action

    @api.model
    def _retention_days(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM)
        try:
            days = int(value) if value not in (None, False, "") else DEFAULT_RETENTION_DAYS
        except ValueError:
            days = DEFAULT_RETENTION_DAYS
        return max(days, 1)

    @api.model
    def _cron_purge(self):
        """Delete exchanges older than the retention period (setting), per company, audited."""
        days = self._retention_days()
        cutoff = fields.Datetime.now() - timedelta(days=days)
        exchanges = self.sudo().with_context(active_test=False)
        counts = {}
        for company_id in exchanges.search([("create_date", "<", cutoff)]).company_id.ids:
            old = exchanges.search([("company_id", "=", company_id), ("create_date", "<", cutoff)])
            counts[company_id] = len(old)
            with evidence_writer():
                for start in range(0, len(old), PURGE_BATCH):
                    old[start:start + PURGE_BATCH].unlink()
            self.env["finance.audit.event"]._log(
                "http_exchange.purged", summary=f"{counts[company_id]} bank API exchange(s) older than {days} day(s) "
                                                "deleted", payload={"count": counts[company_id], "days": days,
                                                                    "cutoff": cutoff},
                company=self.env["res.company"].browse(company_id))
        return counts


class FinanceSyncRunExchanges(models.Model):
    _inherit = "finance.sync.run"

    http_exchange_ids = fields.One2many("finance.http.exchange", "sync_run_id", string="HTTP exchanges",
                                        readonly=True)
    http_exchange_count = fields.Integer(compute="_compute_http_exchange_count")

    def _compute_http_exchange_count(self):
        counts = dict(self.env["finance.http.exchange"]._read_group(
            [("sync_run_id", "in", self.ids)], ["sync_run_id"], ["__count"]))
        for run in self:
            run.http_exchange_count = counts.get(run, 0)

    def action_view_http_exchanges(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self.env["finance.http.exchange"]._action_for([("sync_run_id", "in", self.ids)])


class FinanceOutboxMessageExchanges(models.Model):
    _inherit = "finance.outbox.message"

    http_exchange_ids = fields.One2many("finance.http.exchange", "outbox_message_id", string="HTTP exchanges",
                                        readonly=True)
    http_exchange_count = fields.Integer(compute="_compute_http_exchange_count")

    def _compute_http_exchange_count(self):
        counts = dict(self.env["finance.http.exchange"]._read_group(
            [("outbox_message_id", "in", self.ids)], ["outbox_message_id"], ["__count"]))
        for message in self:
            message.http_exchange_count = counts.get(message, 0)

    def action_view_http_exchanges(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self.env["finance.http.exchange"]._action_for([("outbox_message_id", "in", self.ids)])


class ResConfigSettingsExchanges(models.TransientModel):
    _inherit = "res.config.settings"

    finance_http_exchange_retention_days = fields.Integer(
        string="Keep bank API exchanges (days)", config_parameter=RETENTION_PARAM, default=DEFAULT_RETENTION_DAYS,
        help="Masked HTTP exchanges with banks older than this are deleted by a daily job (audited).")
