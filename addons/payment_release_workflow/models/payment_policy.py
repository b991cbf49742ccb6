"""Approval policy rules per company: journal, currency and amount range -> approvals and their groups.

Rules are decision records: nobody writes them directly; a treasury manager proposes a change
(models/policy_change.py) and a second treasury manager applies it. Matching and tier filling are
pure (lib/approval_policy.py).
"""
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.approval_policy import PolicyRule, select_rule, to_decimal

GROUP_APPROVER = "finance_bridge_core.group_payment_approver"


class FinancePaymentPolicyRule(models.Model):
    _name = "finance.payment.policy.rule"
    _description = "Payment approval policy rule"
    _order = "company_id, journal_id, currency_id, amount_min, id"
    _check_company_auto = True
    _finance_guarded_records = True  # changed only by an applied four-eyes change

    name = fields.Char(compute="_compute_name")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 fixed=True, index=True)
    journal_id = fields.Many2one("account.journal", check_company=True, help="Empty: every bank journal.")
    currency_id = fields.Many2one("res.currency", help="Empty: every currency.")
    amount_min = fields.Float(string="Above", digits=(16, 2), help="The rule applies to batch totals above this.")
    amount_max = fields.Float(string="Up to", digits=(16, 2), help="... up to and including this (0: no limit).")
    required_approvals = fields.Integer(default=1, required=True)
    approver_group_ids = fields.Many2many("res.groups", "finance_payment_rule_approver_group_rel",
                                          "rule_id", "group_id", string="Groups allowed to approve")
    senior_approvals = fields.Integer(default=0, help="How many of the approvals must come from the senior groups.")
    senior_group_ids = fields.Many2many("res.groups", "finance_payment_rule_senior_group_rel",
                                        "rule_id", "group_id", string="Senior groups")

    @api.depends("journal_id", "currency_id", "amount_min", "amount_max", "required_approvals")
    def _compute_name(self):
        for rule in self:
            scope = " / ".join(filter(None, (rule.journal_id.name, rule.currency_id.name))) or _("all")
            upper = f"≤ {rule.amount_max:,.2f}" if rule.amount_max else _("no limit")
            rule.name = _("%(scope)s, > %(low)s %(up)s: %(n)s approval(s)", scope=scope,
                          low=f"{rule.amount_min:,.2f}", up=upper, n=rule.required_approvals)

    def _to_dto(self):
        self.ensure_one()
        return PolicyRule(
            rule_id=self.id, approvals_required=self.required_approvals,
            approver_groups=frozenset(self.approver_group_ids.ids),
            senior_approvals=self.senior_approvals, senior_groups=frozenset(self.senior_group_ids.ids),
            journal_id=self.journal_id.id or None, currency_id=self.currency_id.id or None,
            amount_min=to_decimal(self.amount_min), amount_max=to_decimal(self.amount_max))

    @api.model
    def _default_rule(self):
        """Without a configured rule a batch still needs one Payment Approver's approval."""
        return PolicyRule(rule_id=0, approvals_required=1,
                          approver_groups=frozenset(self.env.ref(GROUP_APPROVER).ids))

    @api.model
    def _rule_for(self, company, journal, currency, amount):
        """The rule (DTO) governing a batch of ``company``; a clear error when rules overlap."""
        rules = self.sudo().search([("company_id", "=", company.id)])
        try:
            rule = select_rule([r._to_dto() for r in rules], journal.id or None, currency.id or None,
                               Decimal(str(amount)))
        except ValueError as exc:
            raise UserError(_("Approval policy of %(c)s: %(e)s. Ask a treasury manager to fix the rules.",
                              c=company.name, e=exc)) from exc
        return rule or self._default_rule()
