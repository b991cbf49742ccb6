"""A line of a payment batch: one vendor bill (or part of it) paid to one beneficiary account."""
import uuid

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

LINE_STATES = [
    ("pending", "Pending"),
    ("bank_details_to_verify", "Bank Details to Verify"),
    ("screening_hold", "Screening Hold"),
    ("in_process", "In Process"),
    ("accepted", "Accepted"),
    ("paid", "Paid"),
    ("rejected", "Rejected"),
    ("returned", "Returned"),
    ("excluded", "Excluded"),
]


def _new_end_to_end_id():
    return "E2E" + uuid.uuid4().hex[:32].upper()


class FinancePaymentBatchLine(models.Model):
    _name = "finance.payment.batch.line"
    _description = "Payment batch line"
    _order = "batch_id, id"
    _check_company_auto = True

    batch_id = fields.Many2one("finance.payment.batch", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    move_id = fields.Many2one("account.move", string="Vendor bill", required=True, check_company=True,
                              index=True, domain="[('move_type', 'in', ('in_invoice', 'in_receipt')), "
                                                 "('state', '=', 'posted'), ('company_id', '=', company_id)]")
    partner_id = fields.Many2one("res.partner", string="Beneficiary", required=True)
    partner_bank_id = fields.Many2one("res.partner.bank", string="Beneficiary account",
                                      domain="[('partner_id', '=', partner_id)]")
    amount = fields.Monetary(required=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", required=True)
    remittance = fields.Char(help="Remittance information sent to the beneficiary (bill reference).")
    end_to_end_id = fields.Char(string="End-to-end ID", default=_new_end_to_end_id, readonly=True, copy=False,
                                required=True, index=True)
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False, guarded=True)
    state = fields.Selection(LINE_STATES, default="pending", required=True, readonly=True, copy=False,
                             index=True, guarded=True)
    status_reason = fields.Char(readonly=True, copy=False, guarded=True, help="ISO reason code and text.")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Bill residual",
                                      currency_field="currency_id")

    _end_to_end_unique = models.Constraint("unique(end_to_end_id)", "An end-to-end ID is used once.")

    @api.constrains("amount")
    def _check_amount_positive(self):
        for line in self:
            if line.currency_id.compare_amounts(line.amount, 0) <= 0:
                raise ValidationError(_("Batch %(b)s, bill %(m)s: the amount must be positive.",
                                        b=line.batch_id.name, m=line.move_id.name))
