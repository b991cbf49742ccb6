"""Balances reported by banks (booked, available, intraday) by account and date."""
from odoo import fields, models


class FinanceBankBalance(models.Model):
    _name = "finance.bank.balance"
    _description = "Bank balance"
    _order = "date desc, journal_id, kind"
    _check_company_auto = True  # the connection must belong to the journal's company

    company_id = fields.Many2one(related="journal_id.company_id", store=True, index=True)
    journal_id = fields.Many2one("account.journal", required=True, ondelete="cascade", index=True)
    connection_id = fields.Many2one("finance.bank.connection", ondelete="set null", check_company=True)
    kind = fields.Selection([("booked", "Booked"), ("available", "Available"), ("intraday", "Intraday"),
                             ("expected", "Expected")], required=True)
    position = fields.Selection([("opening", "Opening"), ("closing", "Closing"), ("interim", "Interim"),
                                 ("forward", "Forward")], required=True, default="closing")
    date = fields.Date(required=True, help="Bank-local date the balance refers to.")
    currency_id = fields.Many2one("res.currency", required=True)
    amount = fields.Monetary(required=True)
    sync_run_id = fields.Many2one("finance.sync.run", ondelete="set null", readonly=True)

    _balance_unique = models.Constraint(
        "UNIQUE (journal_id, kind, position, date)", "One balance per journal, kind, position and date.")
