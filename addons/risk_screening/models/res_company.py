from odoo import fields, models

from ..lib.matcher import DEFAULT_THRESHOLD


class ResCompany(models.Model):
    _inherit = "res.company"

    risk_threshold = fields.Float(default=DEFAULT_THRESHOLD, string="Screening threshold",
                                  help="Matches scoring at least this (0-100) become hits.")
    risk_cooling_off_days = fields.Integer(default=10, string="Cooling-off after bank change (days)")
    risk_new_account_threshold = fields.Monetary(default=5000, currency_field="currency_id",
                                                 string="First payment to a new account: hold from")
    risk_anomaly_factor = fields.Float(default=3.0, string="Anomalous amount: × typical payment")
    risk_duplicate_days = fields.Integer(default=30, string="Duplicate window (days)")
    risk_rule_bank_changed = fields.Boolean(default=True, string="Rule: changed bank details")
    risk_rule_new_account = fields.Boolean(default=True, string="Rule: first payment to new account")
    risk_rule_anomaly = fields.Boolean(default=True, string="Rule: anomalous amount")
    risk_rule_duplicate = fields.Boolean(default=True, string="Rule: duplicate payment")
    risk_external_connection_id = fields.Many2one(
        "finance.bank.connection", string="External screening service",
        domain="[('provider_capabilities', '=', 'screening'), ('company_id', '=', id)]",
        help="Optional remote matching service asked in addition to the local lists.")
    risk_fallback_policy = fields.Selection(
        [("block", "Block everything"), ("allow_below", "Allow below an amount"), ("review", "Manual review")],
        default="block", string="When the service is down or slow")
    risk_fallback_amount = fields.Monetary(default=1000, currency_field="currency_id",
                                           string="Allow below (fallback)")
