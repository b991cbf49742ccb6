"""Alerts: opened once per rule and subject, closed when the condition clears; audited."""
from odoo import _, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides


class FinanceTreasuryAlert(models.Model):
    _name = "finance.treasury.alert"
    _description = "Treasury and operations alert"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "state desc, opened_at desc"
    _finance_guarded_records = True  # opened and closed by the evaluator only

    name = fields.Char(readonly=True)
    rule_id = fields.Many2one("finance.treasury.alert.rule", required=True, readonly=True, ondelete="cascade",
                              index=True)
    severity = fields.Selection(related="rule_id.severity", store=True)
    condition = fields.Selection(related="rule_id.condition", store=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    subject_key = fields.Char(required=True, readonly=True, index=True)
    res_model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)
    value = fields.Float(readonly=True, help="The measure when the alert opened.")
    state = fields.Selection([("open", "Open"), ("closed", "Closed")], default="open", required=True,
                             readonly=True, index=True)
    opened_at = fields.Datetime(readonly=True)
    closed_at = fields.Datetime(readonly=True)

    _one_open = models.UniqueIndex("(rule_id, subject_key) WHERE state = 'open'")

    def _recipients(self, rule, company):
        users = rule.user_ids.filtered(lambda u: company in u.company_ids)
        if not users:
            group = self.env.ref("finance_bridge_core.group_treasury_manager")
            users = group.sudo().all_user_ids.filtered(lambda u: company in u.company_ids and u.active
                                                        and not u.share)
        return users

    @decides
    def _open(self, rule, key, company, record, value, text):
        alert = self.sudo().create({
            "name": text, "rule_id": rule.id, "company_id": company.id, "subject_key": key,
            "res_model": record._name, "res_id": record.id, "value": value or 0,
            "opened_at": fields.Datetime.now()})
        users = self._recipients(rule, company)
        for user in users:
            alert.activity_schedule("mail.mail_activity_data_todo", user_id=user.id,
                                    summary=_("%(sev)s: %(text)s", sev=rule.severity.title(), text=text)[:200])
        alert.message_post(body=_("Alert opened by rule %(rule)s: %(text)s", rule=rule.name, text=text),
                           partner_ids=users.partner_id.ids, subtype_xmlid="mail.mt_comment")
        self.env["finance.audit.event"]._log(
            "treasury.alert.open", alert, summary=f"alert opened: {text}"[:256], company=company,
            payload={"alert": alert.id, "rule": rule.id, "condition": rule.condition, "subject": key,
                     "value": value, "threshold": rule.threshold})
        return alert

    @decides
    def _close(self):
        for alert in self.sudo():
            alert.write({"state": "closed", "closed_at": fields.Datetime.now()})
            alert.activity_ids.action_feedback(feedback=_("Condition cleared."))
            alert.message_post(body=_("Alert closed: the condition cleared."))
            self.env["finance.audit.event"]._log(
                "treasury.alert.close", alert, summary=f"alert closed: {alert.name}"[:256],
                company=alert.company_id,
                payload={"alert": alert.id, "rule": alert.rule_id.id, "subject": alert.subject_key})
