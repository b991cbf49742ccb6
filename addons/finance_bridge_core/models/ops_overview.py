"""Operations overview: one row per company, computed by PostgreSQL on read."""
from odoo import fields, models


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

    # A query, not a view: nothing to create at install, so no ordering between tables.
    _table_query = """
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
