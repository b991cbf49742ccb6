from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    finance_outbox_max_attempts = fields.Integer(related="company_id.finance_outbox_max_attempts",
                                                 readonly=False)
    finance_expiry_warning_days = fields.Integer(related="company_id.finance_expiry_warning_days",
                                                 readonly=False)
    finance_balance_mismatch = fields.Selection(related="company_id.finance_balance_mismatch", readonly=False)
    finance_master_key_status = fields.Char(compute="_compute_finance_master_key_status",
                                            string="Master key")

    @api.depends("company_id")
    def _compute_finance_master_key_status(self):
        ok, detail = self.env["finance.secret.vault"]._key_status()
        text = f"configured (key id {detail})" if ok else f"NOT USABLE: {detail}"
        for settings in self:
            settings.finance_master_key_status = text
