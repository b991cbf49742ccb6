"""Operations overview: one row per company, computed by PostgreSQL on read."""
from odoo import fields, models

from .button_access import check_button

# figure -> (model, domain) behind each number of the overview; the key comes from the view's context,
# so only these fixed lists can be opened (always within the row's company).
FIGURES = {
    "connections_active": ("finance.bank.connection", [("state", "=", "active")]),
    "connections_error": ("finance.bank.connection", [("state", "=", "error")]),
    "connections_expired": ("finance.bank.connection", [("state", "=", "expired")]),
    "connections_draft": ("finance.bank.connection", [("state", "=", "draft")]),
    "failed_runs_24h": ("finance.sync.run", [("state", "=", "failed")]),
    "outbox_depth": ("finance.outbox.message", [("state", "in", ("queued", "failed", "sending"))]),
    "dead_letters": ("finance.outbox.message", [("state", "=", "dead")]),
    "unmatched_status_events": ("finance.status.event", [("state", "in", ("unmatched", "error"))]),
    "failed_imports": ("finance.file.import", [("state", "=", "failed")]),
    "open_hits": ("risk.screening.hit", [("state", "=", "open")]),
}


def open_figure(row, figures):
    """The list behind the figure named in the context (only the ``figures`` given), in the row's company."""
    check_button(row, "finance_bridge_core.group_finance_user")
    row.ensure_one()
    figure = row.env.context.get("figure")
    model, domain = figures.get(figure, (None, None))
    if not model or model not in row.env:
        return False
    return {"type": "ir.actions.act_window", "name": row._fields[figure].string, "res_model": model,
            "view_mode": "list,form", "domain": [("company_id", "=", row.company_id.id), *domain]}


class FinanceOpsOverview(models.Model):
    _name = "finance.ops.overview"
    _description = "Finance Bridge operations overview"
    _auto = False
    _rec_name = "company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    connections_active = fields.Integer(readonly=True)
    connections_error = fields.Integer(readonly=True)
    connections_expired = fields.Integer(readonly=True)
    connections_draft = fields.Integer(readonly=True)
    last_success = fields.Datetime(readonly=True, help="Most recent successful synchronisation.")
    oldest_success = fields.Datetime(readonly=True,
                                     help="Least recent last success among active connections: the stalest.")
    failed_runs_24h = fields.Integer(readonly=True, string="Failed runs (24 h)")
    outbox_depth = fields.Integer(readonly=True, string="Outbox depth", help="Queued and failed messages.")
    outbox_oldest = fields.Datetime(readonly=True, string="Oldest waiting message")
    outbox_oldest_age_minutes = fields.Integer(readonly=True, string="Oldest message age (min)")
    dead_letters = fields.Integer(readonly=True)
    unmatched_status_events = fields.Integer(readonly=True)
    failed_imports = fields.Integer(readonly=True, string="Failed file imports")
    open_hits = fields.Integer(readonly=True, string="Open screening hits",
                               help="Counted when the screening addon is installed.")

    @property
    def _table_query(self):
        # A query, not a view: nothing to create at install, so no ordering between tables.
        hits = ("(SELECT count(*) FROM risk_screening_hit h WHERE h.company_id = c.id AND h.state = 'open')"
                if "risk.screening.hit" in self.env else "0")
        return self._base_query.replace("FROM res_company c", f""",
                   (SELECT count(*) FROM finance_file_import f WHERE f.company_id = c.id
                       AND f.state = 'failed') AS failed_imports,
                   {hits} AS open_hits
              FROM res_company c""")

    def action_open_figure(self):
        """Open the filtered list behind one figure of the overview."""
        return open_figure(self, FIGURES)

    _base_query = """
            SELECT c.id AS id, c.id AS company_id,
                   (SELECT count(*) FROM finance_bank_connection b WHERE b.company_id = c.id AND b.active
                       AND b.state = 'active') AS connections_active,
                   (SELECT count(*) FROM finance_bank_connection b WHERE b.company_id = c.id AND b.active
                       AND b.state = 'error') AS connections_error,
                   (SELECT count(*) FROM finance_bank_connection b WHERE b.company_id = c.id AND b.active
                       AND b.state = 'expired') AS connections_expired,
                   (SELECT count(*) FROM finance_bank_connection b WHERE b.company_id = c.id AND b.active
                       AND b.state = 'draft') AS connections_draft,
                   (SELECT max(last_success) FROM finance_bank_connection b WHERE b.company_id = c.id
                       AND b.active) AS last_success,
                   (SELECT min(last_success) FROM finance_bank_connection b WHERE b.company_id = c.id
                       AND b.active AND b.state IN ('active', 'error')) AS oldest_success,
                   (SELECT count(*) FROM finance_sync_run r WHERE r.company_id = c.id AND r.state = 'failed'
                       AND r.started_at > (now() AT TIME ZONE 'UTC') - interval '24 hours') AS failed_runs_24h,
                   (SELECT count(*) FROM finance_outbox_message m WHERE m.company_id = c.id
                       AND m.state IN ('queued', 'failed', 'sending')) AS outbox_depth,
                   (SELECT min(create_date) FROM finance_outbox_message m WHERE m.company_id = c.id
                       AND m.state IN ('queued', 'failed', 'sending')) AS outbox_oldest,
                   (SELECT (extract(epoch FROM (now() AT TIME ZONE 'UTC') - min(create_date)) / 60)::int
                      FROM finance_outbox_message m WHERE m.company_id = c.id
                       AND m.state IN ('queued', 'failed', 'sending')) AS outbox_oldest_age_minutes,
                   (SELECT count(*) FROM finance_outbox_message m WHERE m.company_id = c.id
                       AND m.state = 'dead') AS dead_letters,
                   (SELECT count(*) FROM finance_status_event e WHERE e.company_id = c.id
                       AND e.state IN ('unmatched', 'error')) AS unmatched_status_events
              FROM res_company c
    """
