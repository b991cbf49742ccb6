from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    finance_match_threshold = fields.Integer(related="company_id.finance_match_threshold", readonly=False)
    finance_writeoff_account_id = fields.Many2one(related="company_id.finance_writeoff_account_id", readonly=False)
    finance_writeoff_tolerance = fields.Float(related="company_id.finance_writeoff_tolerance", readonly=False)
    finance_charges_account_id = fields.Many2one(related="company_id.finance_charges_account_id", readonly=False)
