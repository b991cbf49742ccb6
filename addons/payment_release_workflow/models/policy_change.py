"""Four eyes on the approval policy: a treasury manager proposes, a second one applies.

Nobody writes policy rules or the small-team switch directly (they are guarded). A proposal is
immutable once created (withdraw it and propose again); ``action_confirm`` by a *different*
treasury manager applies it in server code and records before/after in the audit trail.
"""
import json

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides, in_decision_scope
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import AccessError, UserError, ValidationError

from ..lib.approval_policy import PolicyRule, overlapping, to_decimal

GROUP_TREASURY = "finance_bridge_core.group_treasury_manager"
RULE_FIELDS = ("journal_id", "currency_id", "amount_min", "amount_max", "required_approvals",
               "approver_group_ids", "senior_approvals", "senior_group_ids")
PROPOSAL_FIELDS = set(RULE_FIELDS) | {"company_id", "operation", "rule_id", "reason", "small_team"}


def rule_snapshot(record):
    """The rule fields of a rule or of a proposed change, as plain JSON values (for the audit)."""
    return {"journal": record.journal_id.display_name or None, "currency": record.currency_id.name or None,
            "amount_min": record.amount_min, "amount_max": record.amount_max,
            "required_approvals": record.required_approvals,
            "approver_groups": record.approver_group_ids.mapped("display_name"),
            "senior_approvals": record.senior_approvals,
            "senior_groups": record.senior_group_ids.mapped("display_name")}


class FinancePaymentPolicyChange(models.Model):
    _name = "finance.payment.policy.change"
    _description = "Payment approval policy change (four eyes)"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 fixed=True, index=True)
    operation = fields.Selection([("create", "Add rule"), ("update", "Change rule"), ("archive", "Remove rule"),
                                  ("small_team", "Small-team switch")], required=True, default="create")
    rule_id = fields.Many2one("finance.payment.policy.rule", check_company=True,
                              context={"active_test": False})
    reason = fields.Text(required=True)
    journal_id = fields.Many2one("account.journal", check_company=True)
    currency_id = fields.Many2one("res.currency")
    amount_min = fields.Float(string="Above", digits=(16, 2))
    amount_max = fields.Float(string="Up to", digits=(16, 2))
    required_approvals = fields.Integer(default=1)
    approver_group_ids = fields.Many2many(
        "res.groups", "finance_payment_change_approver_group_rel", "change_id", "group_id",
        string="Groups allowed to approve",
        default=lambda self: self.env.ref("finance_bridge_core.group_payment_approver"))
    senior_approvals = fields.Integer(default=0)
    senior_group_ids = fields.Many2many("res.groups", "finance_payment_change_senior_group_rel",
                                        "change_id", "group_id", string="Senior groups")
    small_team = fields.Boolean(string="Small team (new value)")
    state = fields.Selection([("pending", "Waiting for a second treasury manager"), ("applied", "Applied"),
                              ("rejected", "Rejected"), ("withdrawn", "Withdrawn")],
                             default="pending", required=True, readonly=True, guarded=True, index=True)
    proposed_by_id = fields.Many2one("res.users", readonly=True, guarded=True,
                                     default=lambda self: self.env.user)
    decided_by_id = fields.Many2one("res.users", readonly=True, guarded=True)
    decided_at = fields.Datetime(readonly=True, guarded=True)
    before_json = fields.Text(readonly=True, guarded=True)
    after_json = fields.Text(readonly=True, guarded=True)

    @api.depends("operation", "rule_id", "state")
    def _compute_name(self):
        labels = dict(self._fields["operation"].selection)
        for change in self:
            change.name = f"{labels.get(change.operation, '')} {change.rule_id.name or ''}".strip()

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        changes = super().create(vals_list)  # the guard refuses decision fields first
        if not self.env.su and not self.env.user.has_group(GROUP_TREASURY):
            raise AccessError(_("Only a treasury manager may propose a change of the approval policy."))
        for change in changes:
            change._check_proposal()
            self.env["finance.audit.event"]._log(
                "payment_policy.change_proposed", change, summary=f"policy change proposed: {change.name}",
                payload=change._after_values(), company=change.company_id)
            change._notify_other_managers()
        return changes

    def write(self, vals):
        if set(vals) & PROPOSAL_FIELDS and not (self.env.su or in_decision_scope()):
            raise UserError(_("A policy change cannot be edited once proposed: withdraw it and propose a new one."))
        return super().write(vals)

    # ------------------------------------------------------------------ checks
    def _check_proposal(self):
        self.ensure_one()
        if self.operation in ("update", "archive") and not self.rule_id:
            raise ValidationError(_("Policy change: choose the rule to change or remove."))
        if self.operation in ("create", "update"):
            try:
                self._as_dto()
            except ValueError as exc:
                raise ValidationError(_("Policy change: %s", exc)) from exc

    def _as_dto(self, rule_id=-1):
        return PolicyRule(
            rule_id=rule_id, approvals_required=self.required_approvals,
            approver_groups=frozenset(self.approver_group_ids.ids), senior_approvals=self.senior_approvals,
            senior_groups=frozenset(self.senior_group_ids.ids), journal_id=self.journal_id.id or None,
            currency_id=self.currency_id.id or None,
            amount_min=to_decimal(self.amount_min), amount_max=to_decimal(self.amount_max))

    def _after_values(self):
        if self.operation == "small_team":
            return {"small_team": self.small_team}
        if self.operation == "archive":
            return {"rule": self.rule_id.id, "active": False}
        return dict(rule_snapshot(self), rule=self.rule_id.id or None)

    def _before_values(self):
        if self.operation == "small_team":
            return {"small_team": self.company_id.payment_small_team}
        rule = self.rule_id.sudo()
        return dict(rule_snapshot(rule), rule=rule.id, active=rule.active) if rule else {}

    def _notify_other_managers(self):
        managers = self.env.ref(GROUP_TREASURY).sudo().all_user_ids.filtered(
            lambda u: self.company_id in u.company_ids and u != self.proposed_by_id and not u.share)
        for manager in managers[:20]:
            self.env["mail.activity"].sudo().create({
                "res_model_id": self.env["ir.model"]._get_id(self._name), "res_id": self.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                "summary": _("Confirm or reject the approval policy change"), "user_id": manager.id})

    # ------------------------------------------------------------------ buttons
    def action_confirm(self):
        """Apply the change: only a treasury manager who did not propose it."""
        check_button(self, GROUP_TREASURY)
        for change in self:
            if change.state != "pending":
                raise UserError(_("Policy change %(c)s is %(s)s, not waiting for confirmation.",
                                  c=change.name, s=dict(self._fields["state"].selection)[change.state]))
            if change.proposed_by_id == self.env.user:
                raise AccessError(_("Policy change %(c)s: you proposed it, so a second treasury manager must "
                                    "confirm it (four eyes).", c=change.name))
            change._apply()
        return True

    def action_reject(self):
        """A second treasury manager rejects; the proposer withdraws."""
        check_button(self, GROUP_TREASURY)
        for change in self:
            if change.state != "pending":
                raise UserError(_("Policy change %(c)s is no longer pending.", c=change.name))
            change._close("withdrawn" if change.proposed_by_id == self.env.user else "rejected")
        return True

    @decides
    def _close(self, state):
        self.write({"state": state, "decided_by_id": self.env.uid, "decided_at": fields.Datetime.now()})
        self.env["finance.audit.event"]._log(f"payment_policy.change_{state}", self, summary=f"policy change {state}: "
                                             f"{self.name}", company=self.company_id)
        self._drop_activities()

    def _drop_activities(self):
        self.env["mail.activity"].sudo().search([("res_model", "=", self._name), ("res_id", "in", self.ids)]).unlink()

    @decides
    def _apply(self):
        self.ensure_one()
        before = self._before_values()
        Rule = self.env["finance.payment.policy.rule"].sudo()
        if self.operation == "small_team":
            self.company_id.sudo().payment_small_team = self.small_team
        elif self.operation == "archive":
            self.rule_id.sudo().active = False
        else:
            vals = self._convert_to_write({name: self[name] for name in RULE_FIELDS})
            if self.operation == "create":
                Rule.create(dict(vals, company_id=self.company_id.id))
            else:
                self.rule_id.sudo().write(vals)
            rules = Rule.search([("company_id", "=", self.company_id.id)])
            clash = overlapping([r._to_dto() for r in rules])
            if clash:
                raise ValidationError(_("Policy change %(c)s: rules %(r)s would overlap (same journal and "
                                        "currency, overlapping amounts). Change or remove one first.",
                                        c=self.name, r=", ".join(f"{a}/{b}" for a, b in clash)))
        self.write({"state": "applied", "decided_by_id": self.env.uid, "decided_at": fields.Datetime.now(),
                    "before_json": json.dumps(before, sort_keys=True, default=str),
                    "after_json": json.dumps(self._after_values(), sort_keys=True, default=str)})
        self._drop_activities()
        self.env["finance.audit.event"]._log(
            "payment_policy.change_applied", self, summary=f"policy change applied: {self.name}",
            payload={"proposed_by": self.proposed_by_id.login, "confirmed_by": self.env.user.login,
                     "before": before, "after": self._after_values()}, company=self.company_id)
