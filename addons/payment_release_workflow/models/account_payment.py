"""The batch an outbound payment was created by."""
from odoo import fields, models


class AccountPayment(models.Model):
    _inherit = "account.payment"

    finance_batch_id = fields.Many2one("finance.payment.batch", string="Payment batch", readonly=True,
                                       copy=False, index="btree_not_null", fixed=True)
