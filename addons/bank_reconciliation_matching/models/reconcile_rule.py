"""User-defined reconciliation rules (bank fees, interest, ...): conditions -> an account."""
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class FinanceReconcileRule(models.Model):
    _name = "finance.reconcile.rule"
    _description = "Bank reconciliation rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, fixed=True)
    label_contains = fields.Char(help="The line's label or remittance text contains this (case-insensitive).")
    partner_id = fields.Many2one("res.partner", check_company=True)
    use_amount_min = fields.Boolean(string="Minimum amount")
    amount_min = fields.Float(help="Signed: money out is negative.")
    use_amount_max = fields.Boolean(string="Maximum amount")
    amount_max = fields.Float(help="Signed: money out is negative.")
    account_id = fields.Many2one("account.account", required=True, check_company=True,
                                 domain="[('account_type', 'not in', ('asset_cash', 'liability_credit_card'))]")
    tax_ids = fields.Many2many("account.tax", string="Taxes (included)", check_company=True)
    score = fields.Integer(default=96, help="Score of the suggestion; at or above the journal's threshold the "
                                            "lines are reconciled automatically.")

    @api.constrains("label_contains", "partner_id", "use_amount_min", "use_amount_max", "score")
    def _check_conditions(self):
        for rule in self:
            if not (rule.label_contains or rule.partner_id or rule.use_amount_min or rule.use_amount_max):
                raise ValidationError(self.env._("Rule %s needs at least one condition (label, partner or amount).",
                                                 rule.name))
            if not 0 <= rule.score <= 100:
                raise ValidationError(self.env._("Rule %s: the score is between 0 and 100.", rule.name))
