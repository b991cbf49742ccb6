"""A beneficiary account changed while batches use it: their content changed, their checks re-run."""
from odoo import models

WATCHED = ("acc_number", "bank_id", "allow_out_payment", "partner_id", "active")


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    def write(self, vals):
        res = super().write(vals)
        if set(vals) & set(WATCHED):
            lines = self.env["finance.payment.batch.line"].sudo().search([
                ("partner_bank_id", "in", self.ids),
                ("batch_id.state", "in", ("draft", "screening", "to_approve", "approved")),
            ])
            if lines:
                lines.filtered(lambda ln: ln.batch_id.state != "draft")._check_beneficiaries()
                lines.batch_id._content_changed()
        return res
