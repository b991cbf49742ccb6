from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    finance_outbox_max_attempts = fields.Integer(
        default=8, string="Outbox attempts before dead letter",
        help="Failed outbound messages are retried with exponential backoff this many times.")
    finance_expiry_warning_days = fields.Integer(
        default=14, string="Consent expiry warning (days)",
        help="Days before a bank consent expires that an activity is scheduled.")
    finance_notification_lines = fields.Boolean(
        string="Notifications as statement lines",
        help="Also create statement lines from debit/credit notifications (camt.054); without it they only "
             "update the status of outgoing payments.")
    finance_balance_mismatch = fields.Selection(
        [("refuse", "Refuse the file"), ("flag", "Import and flag the statement")], default="refuse",
        required=True, string="Statement not adding up",
        help="A statement whose opening balance plus its lines is not its closing balance: refuse the whole "
             "file (default), or import it and flag the statement with the difference.")
