"""Cash per bank account: booked and interim balances, lines since, freshness, continuity (SQL view)."""
from odoo import fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button

from ..lib.position_sql import accounts_sql


class FinanceTreasuryCashAccount(models.Model):
    _name = "finance.treasury.cash.account"
    _description = "Cash position per bank account"
    _auto = False
    _rec_name = "journal_id"
    _order = "company_id, journal_id"

    journal_id = fields.Many2one("account.journal", string="Bank account", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    reporting_currency_id = fields.Many2one("res.currency", readonly=True)
    bank_account_id = fields.Many2one("res.partner.bank", readonly=True)
    bank_id = fields.Many2one("res.bank", related="bank_account_id.bank_id", string="Bank")
    connection_id = fields.Many2one("finance.bank.connection", readonly=True)
    booked_date = fields.Date(readonly=True, string="Booked balance date")
    booked_balance = fields.Monetary(readonly=True, currency_field="currency_id",
                                     help="Latest closing booked balance (camt.053, MT940 :62F:, closingBooked).")
    interim_balance = fields.Monetary(readonly=True, currency_field="currency_id", string="Intraday/available",
                                      help="Latest intraday or available balance (camt.052, MT942, "
                                           "interimAvailable).")
    interim_date = fields.Date(readonly=True)
    interim_at = fields.Datetime(readonly=True, string="Intraday received at")
    lines_since = fields.Integer(readonly=True, string="Lines since booked")
    lines_since_amount = fields.Monetary(readonly=True, currency_field="currency_id")
    balance = fields.Monetary(readonly=True, currency_field="currency_id",
                              help="Booked balance plus the statement lines booked after it.")
    balance_company = fields.Monetary(readonly=True, currency_field="company_currency_id",
                                      string="Balance (company currency)")
    balance_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                        string="Balance (reporting currency)")
    last_balance_at = fields.Datetime(readonly=True, string="Last balance received")
    balance_age_hours = fields.Float(readonly=True, string="Age (hours)")
    stale_after_hours = fields.Float(readonly=True)
    stale = fields.Boolean(readonly=True)
    continuity_gaps = fields.Integer(readonly=True, string="Continuity gaps (31 days)")
    continuity_warning = fields.Boolean(readonly=True)
    other_than_reporting = fields.Boolean(readonly=True, help="The account's currency is not the reporting one.")

    @property
    def _table_query(self):
        return accounts_sql()

    def init(self):
        # "lines booked since the latest balance": an index range scan per account, not a scan of all lines
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS finance_treasury_st_line_journal_index_idx "
                            "ON account_bank_statement_line (journal_id, internal_index) INCLUDE (amount)")

    def action_open_lines(self):
        """The account's statement lines (a link from the dashboard tile)."""
        check_button(self, "finance_bridge_core.group_finance_user")
        self.ensure_one()
        return {"type": "ir.actions.act_window", "name": self.journal_id.display_name,
                "res_model": "account.bank.statement.line", "view_mode": "list,form",
                "domain": [("journal_id", "=", self.journal_id.id)]}
