"""Execution-date settings of a payment connection: cut-off time, holiday calendar, refuse or move."""
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class FinanceBankConnection(models.Model):
    _inherit = "finance.bank.connection"

    payment_cutoff_time = fields.Float(
        string="Payment cut-off", default=15.0,
        help="Latest time of day (company time zone) at which the bank still executes a payment on the "
             "same day; later requests move to the next business day.")
    payment_holiday_calendar_id = fields.Many2one(
        "finance.bank.holiday.calendar", string="Bank holidays", ondelete="restrict",
        default=lambda self: self.env.ref("payment_release_workflow.calendar_target2", raise_if_not_found=False),
        help="Closing days of the payment system (TARGET2 is shipped; other calendars are editable).")
    payment_refuse_non_business_day = fields.Boolean(
        string="Refuse non-business execution dates",
        help="Refuse a batch whose requested date is not a business day (or after the cut-off) instead of "
             "moving it to the next business day.")

    @api.constrains("payment_cutoff_time")
    def _check_payment_cutoff_time(self):
        for conn in self:
            if not 0 <= conn.payment_cutoff_time < 24:
                raise ValidationError(self.env._("Connection %(c)s: the payment cut-off must be a time of day "
                                                 "between 00:00 and 23:59.", c=conn.name))
