"""One synchronisation attempt of a connection: what it did, how long, and why it failed."""
from odoo import api, fields, models


class FinanceSyncRun(models.Model):
    _name = "finance.sync.run"
    _description = "Bank synchronisation run"
    _order = "id desc"
    _rec_name = "correlation_id"
    _finance_guarded_records = True  # evidence: written by server code only

    connection_id = fields.Many2one("finance.bank.connection", required=True, ondelete="restrict",
                                    index=True, readonly=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    trigger = fields.Selection([("cron", "Scheduled"), ("manual", "Sync now"), ("webhook", "Bank notification")],
                               default="cron", readonly=True,
                               help="Sync now is the only attended trigger: the others count against a consent's "
                                    "daily quota of unattended calls.")
    state = fields.Selection([("running", "Running"), ("done", "Done"), ("failed", "Failed")],
                             default="running", required=True, readonly=True, index=True)
    started_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    finished_at = fields.Datetime(readonly=True)
    duration = fields.Float(readonly=True, help="Seconds.")
    statements_created = fields.Integer(readonly=True)
    lines_created = fields.Integer(readonly=True)
    lines_skipped = fields.Integer(readonly=True, help="Lines already imported before (same import key).")
    balances_recorded = fields.Integer(readonly=True)
    status_events = fields.Integer(readonly=True, help="Payment status events recorded (new ones only).")
    pending_lines = fields.Integer(readonly=True, help="Transactions the bank reports as not booked yet (kept apart).")
    continuity_gaps = fields.Integer(readonly=True,
                                     help="Statements whose opening balance did not equal the previous closing.")
    error = fields.Text(readonly=True)
    notes = fields.Text(readonly=True)
    correlation_id = fields.Char(readonly=True, index=True,
                                 help="Sent to the provider and written in logs to follow one run end to end.")

    statement_ids = fields.One2many("account.bank.statement", "finance_sync_run_id", readonly=True,
                                    string="Statements", help="The statements this run created or added lines to.")

    @api.depends("connection_id.name", "trigger", "started_at")
    def _compute_display_name(self):
        """"Demo Bank · Sync now · 30/11/2026 12:26" rather than the correlation id."""
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        for run in self:
            when = fields.Datetime.context_timestamp(run, run.started_at).strftime("%Y-%m-%d %H:%M") \
                if run.started_at else ""
            run.display_name = " · ".join(part for part in (run.connection_id.name, triggers.get(run.trigger), when)
                                          if part)

    def _add_note(self, text):
        for run in self:
            run.notes = f"{run.notes}\n{text}" if run.notes else text
