from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    finance_match_threshold = fields.Integer(
        string="Auto-reconcile threshold", default=95,
        help="Statement lines whose best match scores at least this are reconciled automatically at import "
             "(in journals where automatic reconciliation is on).")
    finance_writeoff_account_id = fields.Many2one("account.account", string="Write-off account")
    finance_writeoff_tolerance = fields.Float(
        string="Write-off tolerance", default=0.0,
        help="Under- or over-payments up to this amount are written off to the write-off account.")
    finance_charges_account_id = fields.Many2one("account.account", string="Bank charges account")
