"""Operations dashboard: per connection and per company, computed by PostgreSQL on read."""
from odoo import fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.addons.finance_bridge_core.models.ops_overview import FIGURES as OVERVIEW_FIGURES
from odoo.addons.finance_bridge_core.models.ops_overview import open_figure

from ..lib.ops_sql import companies_sql, connections_sql

FIGURES = {**OVERVIEW_FIGURES,
           "outbox_queued": ("finance.outbox.message", [("state", "=", "queued")]),
           "outbox_failed": ("finance.outbox.message", [("state", "=", "failed")]),
           "exceptions_backlog": ("finance.status.event", [("state", "in", ("unmatched", "error"))]),
           "open_alerts": ("finance.treasury.alert", [("state", "=", "open")]),
           "webhook_backlog": ("finance.webhook.inbox", [("state", "=", "queued")]),
           "webhook_failed": ("finance.webhook.inbox", [("state", "=", "failed")])}


class FinanceTreasuryOpsConnection(models.Model):
    _name = "finance.treasury.ops.connection"
    _description = "Operations: connection health"
    _auto = False
    _rec_name = "connection_id"
    _order = "company_id, connection_id"

    @property
    def _table_query(self):
        return connections_sql("certificate_expires_on" in self.env["finance.bank.connection"]._fields)

    connection_id = fields.Many2one("finance.bank.connection", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    provider = fields.Char(readonly=True)
    state = fields.Selection([("draft", "Draft"), ("active", "Active"), ("error", "Error"),
                              ("expired", "Expired")], readonly=True)
    last_success = fields.Datetime(readonly=True)
    next_run = fields.Datetime(readonly=True)
    lateness_minutes = fields.Integer(readonly=True, string="Late (min)")
    consecutive_failures = fields.Integer(readonly=True)
    consent_expires_on = fields.Date(readonly=True)
    consent_days_left = fields.Integer(readonly=True)
    certificate_expires_on = fields.Date(readonly=True, help="Earliest expiry of the connection's certificates "
                                                             "(REST connections).")
    certificate_days_left = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    failed_runs_24h = fields.Integer(readonly=True, string="Failed runs (24 h)")
    statements_missing = fields.Integer(readonly=True)

    def action_open_connection(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": "finance.bank.connection",
                "res_id": self.connection_id.id, "view_mode": "form"}


class FinanceTreasuryOpsCompany(models.Model):
    _name = "finance.treasury.ops.company"
    _description = "Operations: queues and business signals per company"
    _auto = False
    _rec_name = "company_id"
    _order = "company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    connections_error = fields.Integer(readonly=True)
    failed_runs_24h = fields.Integer(readonly=True, string="Failed runs (24 h)")
    outbox_queued = fields.Integer(readonly=True)
    outbox_sending = fields.Integer(readonly=True)
    outbox_failed = fields.Integer(readonly=True)
    dead_letters = fields.Integer(readonly=True)
    outbox_oldest_minutes = fields.Integer(readonly=True, string="Oldest queued (min)")
    statements_missing = fields.Integer(readonly=True)
    payments_unacknowledged = fields.Integer(readonly=True)
    exceptions_backlog = fields.Integer(readonly=True)
    failed_imports = fields.Integer(readonly=True)
    open_hits = fields.Integer(readonly=True, string="Open screening hits")
    duplicate_lines_today = fields.Integer(readonly=True, string="Duplicate lines prevented today")
    duplicate_files_today = fields.Integer(readonly=True, string="Duplicate files prevented today")
    webhook_backlog = fields.Integer(readonly=True, string="Webhook events waiting",
                                     help="Bank webhook events received and not processed yet.")
    webhook_oldest_minutes = fields.Integer(readonly=True, string="Oldest webhook event waiting (min)")
    webhook_failed = fields.Integer(readonly=True, string="Webhook events failed")
    open_alerts = fields.Integer(readonly=True, help="Alerts opened by the alert rules and not cleared yet.")
    technical_failures = fields.Integer(readonly=True)
    business_failures = fields.Integer(readonly=True)

    @property
    def _table_query(self):
        return companies_sql("risk.screening.hit" in self.env, "finance.webhook.inbox" in self.env)

    def action_open_figure(self):
        """Open the filtered list behind one figure of the tile (the overview's figures and the queues')."""
        return open_figure(self, FIGURES)
