"""Per-company thresholds of the treasury and operations views."""
from odoo import fields, models
from odoo.addons.base.models.res_partner import _tz_get


class ResCompany(models.Model):
    _inherit = "res.company"

    finance_treasury_stale_hours = fields.Integer(
        string="Balance stale after (hours)", default=26,
        help="An account whose last balance is older than this (or than its connection's interval, "
             "whichever is longer) is shown as stale.")
    finance_treasury_statement_hour = fields.Float(
        string="Statements expected by", default=9.0,
        help="On the bank's business days (Monday to Friday, local date) each connected account should have "
             "received the previous business day's statement by this local time. An account may set its own "
             "time and time zone (Bank Connections → Accounts).")
    finance_treasury_statement_tz = fields.Selection(
        _tz_get, string="Statement time zone",
        help="Time zone of the expected statement time; empty: the company's address time zone, else UTC.")
    finance_treasury_ack_hours = fields.Integer(
        string="Acknowledgement expected within (hours)", default=4,
        help="A payment message sent to the bank without any status event after this many hours is "
             "reported as unacknowledged.")
