"""Alert rules: a condition over the dashboards, a threshold, a severity and who is told."""
from odoo import api, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button

from ..lib.alert_logic import breaches, plan
from ..lib.ops_sql import MISSING_STATEMENTS_SQL, UNACKNOWLEDGED_SQL

# condition -> (label, comparator, default threshold, unit)
CONDITIONS = {
    "stale_account": ("Bank account balance stale", ">", 0, "hours beyond the account's stale limit"),
    "continuity_gap": ("Statement continuity gap", ">", 0, "gaps in 31 days"),
    "consecutive_failures": ("Connection failing repeatedly", ">", 2, "consecutive failures"),
    "connection_late": ("Connection late against its schedule", ">", 60, "minutes"),
    "consent_expiry": ("Consent or certificate expiring", "<=", 14, "days left"),
    "outbox_dead": ("Dead letters in the outbox", ">", 0, "messages"),
    "outbox_oldest": ("Outbox message waiting too long", ">", 60, "minutes"),
    "statement_missing": ("Statement not received by the expected time", ">", 0, "accounts"),
    "payment_unacknowledged": ("Payment transmitted without acknowledgement", ">", 0, "messages"),
    "exceptions_backlog": ("Exceptions backlog", ">", 0, "open exceptions"),
}


class FinanceTreasuryAlertRule(models.Model):
    _name = "finance.treasury.alert.rule"
    _description = "Treasury and operations alert rule"
    _order = "severity desc, name"
    _finance_shared_config = True  # a rule for every company is changed only by a user of every company

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", index=True,
                                 help="Leave empty to watch every company (only a user of every company may).")
    condition = fields.Selection([(k, v[0]) for k, v in CONDITIONS.items()], required=True)
    threshold = fields.Float(default=0, help="The condition's measure must exceed it (for expiries: days left "
                                             "at or below it).")
    threshold_unit = fields.Char(compute="_compute_threshold_unit", string="Unit")
    severity = fields.Selection([("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
                                default="warning", required=True)
    user_ids = fields.Many2many("res.users", string="Recipients",
                                help="Told by an activity and a message; empty: the treasury managers of "
                                     "the company concerned.")
    alert_ids = fields.One2many("finance.treasury.alert", "rule_id")
    open_alert_count = fields.Integer(compute="_compute_open_alert_count")

    @api.depends("condition")
    def _compute_threshold_unit(self):
        for rule in self:
            rule.threshold_unit = CONDITIONS[rule.condition][3] if rule.condition else False

    def _compute_open_alert_count(self):
        counts = dict(self.env["finance.treasury.alert"]._read_group(
            [("rule_id", "in", self.ids), ("state", "=", "open")], ["rule_id"], ["__count"]))
        for rule in self:
            rule.open_alert_count = counts.get(rule, 0)

    @api.onchange("condition")
    def _onchange_condition(self):
        if self.condition:
            self.threshold = CONDITIONS[self.condition][2]

    # ------------------------------------------------------------------ measures
    def _measures(self):
        """{subject_key: (company, record, value, text)} of the rule's condition, all subjects."""
        env = self.env(su=True)
        env.flush_all()
        for view in ("finance.treasury.cash.account", "finance.treasury.ops.connection",
                     "finance.treasury.ops.company"):
            env[view].invalidate_model()  # views: figures are recomputed by PostgreSQL on each read
        domain = [("company_id", "=", self.company_id.id)] if self.company_id else []
        out = {}
        cond = self.condition
        if cond in ("stale_account", "continuity_gap"):
            for acc in env["finance.treasury.cash.account"].search(domain):
                if cond == "stale_account":
                    value = (acc.balance_age_hours - acc.stale_after_hours) if acc.last_balance_at else 1e6
                    if not acc.stale:
                        value = min(value, 0)
                    text = f"{acc.journal_id.display_name}: last balance {acc.last_balance_at or 'never'}"
                else:
                    value, text = acc.continuity_gaps, f"{acc.journal_id.display_name}: continuity gaps"
                out[f"journal:{acc.journal_id.id}"] = (acc.company_id, acc.journal_id, value, text)
        elif cond in ("consecutive_failures", "connection_late", "consent_expiry"):
            for row in env["finance.treasury.ops.connection"].search(domain):
                field = {"consecutive_failures": "consecutive_failures", "connection_late": "lateness_minutes",
                         "consent_expiry": "consent_days_left"}[cond]
                if cond == "consent_expiry" and not row.consent_expires_on:
                    continue
                out[f"connection:{row.connection_id.id}"] = (
                    row.company_id, row.connection_id, row[field],
                    f"{row.connection_id.display_name}: {self._fields['condition'].convert_to_export(cond, self)}")
        elif cond in ("statement_missing", "payment_unacknowledged"):
            sql, model, key = ((MISSING_STATEMENTS_SQL, "account.journal", "journal_id") if cond == "statement_missing"
                               else (UNACKNOWLEDGED_SQL, "finance.outbox.message", "message_id"))
            env.flush_all()
            env.cr.execute(f"SELECT company_id, {key} FROM ({sql}) s")
            for company_id, res_id in env.cr.fetchall():
                if self.company_id and company_id != self.company_id.id:
                    continue
                record = env[model].browse(res_id)
                out[f"{model}:{res_id}"] = (env["res.company"].browse(company_id), record, 1,
                                            f"{record.display_name}: {CONDITIONS[cond][0].lower()}")
        else:
            field = {"outbox_dead": "dead_letters", "outbox_oldest": "outbox_oldest_minutes",
                     "exceptions_backlog": "exceptions_backlog"}[cond]
            for row in env["finance.treasury.ops.company"].search(domain):
                out[f"company:{row.company_id.id}"] = (row.company_id, row.company_id, row[field],
                                                       f"{row.company_id.name}: {row[field]} {CONDITIONS[cond][3]}")
        return out

    def _evaluate(self):
        """Open an alert once per breaching subject; close the open ones whose condition cleared."""
        Alert = self.env["finance.treasury.alert"].sudo()
        opened = closed = 0
        for rule in self.sudo().filtered("active"):
            comparator = CONDITIONS[rule.condition][1]
            measures = rule._measures()
            breaching = {key for key, (_c, _r, value, _t) in measures.items()
                         if breaches(value, rule.threshold, comparator)}
            current = Alert.search([("rule_id", "=", rule.id), ("state", "=", "open")])
            to_open, to_close = plan(current.mapped("subject_key"), breaching)
            for key in to_open:
                company, record, value, text = measures[key]
                Alert._open(rule, key, company, record, value, text)
                opened += 1
            current.filtered(lambda a, keys=set(to_close): a.subject_key in keys)._close()
            closed += len(to_close)
        return {"opened": opened, "closed": closed}

    @api.model
    def _cron_evaluate(self):
        return self.search([])._evaluate()

    def action_evaluate_now(self):
        check_button(self, "finance_bridge_core.group_treasury_manager")
        self._evaluate()
        return True
