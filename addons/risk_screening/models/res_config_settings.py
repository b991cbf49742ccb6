from odoo import fields, models

FIELDS = ("risk_threshold", "risk_cooling_off_days", "risk_new_account_threshold", "risk_anomaly_factor",
          "risk_duplicate_days", "risk_rule_bank_changed", "risk_rule_new_account", "risk_rule_anomaly",
          "risk_rule_duplicate", "risk_external_connection_id", "risk_fallback_policy", "risk_fallback_amount")


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    risk_threshold = fields.Float(related="company_id.risk_threshold", readonly=False)
    risk_cooling_off_days = fields.Integer(related="company_id.risk_cooling_off_days", readonly=False)
    risk_new_account_threshold = fields.Monetary(related="company_id.risk_new_account_threshold", readonly=False)
    risk_anomaly_factor = fields.Float(related="company_id.risk_anomaly_factor", readonly=False)
    risk_duplicate_days = fields.Integer(related="company_id.risk_duplicate_days", readonly=False)
    risk_rule_bank_changed = fields.Boolean(related="company_id.risk_rule_bank_changed", readonly=False)
    risk_rule_new_account = fields.Boolean(related="company_id.risk_rule_new_account", readonly=False)
    risk_rule_anomaly = fields.Boolean(related="company_id.risk_rule_anomaly", readonly=False)
    risk_rule_duplicate = fields.Boolean(related="company_id.risk_rule_duplicate", readonly=False)
    risk_external_connection_id = fields.Many2one(related="company_id.risk_external_connection_id", readonly=False)
    risk_fallback_policy = fields.Selection(related="company_id.risk_fallback_policy", readonly=False)
    risk_fallback_amount = fields.Monetary(related="company_id.risk_fallback_amount", readonly=False)
