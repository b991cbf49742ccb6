"""When each bank account's statement is expected, in the bank's local time (default: the company's)."""
from odoo import fields, models
from odoo.addons.base.models.res_partner import _tz_get


class FinanceBankConnectionAccount(models.Model):
    _inherit = "finance.bank.connection.account"

    treasury_statement_hour = fields.Float(
        string="Statement expected by",
        help="Local time (in the bank time zone) by which the previous business day's statement should have "
             "arrived; empty: the company's (Treasury settings on the company).")
    treasury_statement_tz = fields.Selection(
        _tz_get, string="Bank time zone",
        help="Time zone of the bank's business day and of the expected time; empty: the company's.")
