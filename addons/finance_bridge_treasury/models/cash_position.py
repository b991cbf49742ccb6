"""The cash position: every amount once (position lines) and its per-company summary by horizon."""
from odoo import api, fields, models

from ..lib.position_sql import REPORTING_CURRENCY_PARAM, position_lines_sql, position_summary_sql

CATEGORIES = [("balance", "Bank balance"), ("transit_in", "Inbound in transit"),
              ("transit_out", "Outbound in transit"), ("receivable", "Receivable due"),
              ("payable", "Payable due")]
HORIZON_SELECTION = [("0", "Today / overdue"), ("7", "Within 7 days"), ("30", "Within 30 days"),
                     ("90", "Within 90 days")]


class FinanceTreasuryPositionLine(models.Model):
    _name = "finance.treasury.position.line"
    _description = "Cash position line"
    _auto = False
    _order = "company_id, category, journal_id"

    category = fields.Selection(CATEGORIES, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    journal_id = fields.Many2one("account.journal", string="Bank account", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    reporting_currency_id = fields.Many2one("res.currency", readonly=True)
    horizon = fields.Integer(readonly=True, help="Days: 0 = due today or overdue, then 7, 30, 90.")
    date = fields.Date(readonly=True, help="Balance date, payment date or due date.")
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    amount_company = fields.Monetary(readonly=True, currency_field="company_currency_id",
                                     string="Amount (company currency)")
    amount_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                       string="Amount (reporting currency)")

    @property
    def _table_query(self):
        return position_lines_sql(self.env["finance.treasury.transit"]._treasury_in_transit_sources())


class FinanceTreasuryPosition(models.Model):
    _name = "finance.treasury.position"
    _description = "Cash position per company"
    _auto = False
    _rec_name = "company_id"
    _order = "company_id"

    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    reporting_currency_id = fields.Many2one("res.currency", readonly=True)
    balance_company = fields.Monetary(readonly=True, currency_field="company_currency_id", string="Balances")
    transit_company = fields.Monetary(readonly=True, currency_field="company_currency_id", string="In transit")
    position_0_company = fields.Monetary(readonly=True, currency_field="company_currency_id", string="Today")
    position_7_company = fields.Monetary(readonly=True, currency_field="company_currency_id", string="7 days")
    position_30_company = fields.Monetary(readonly=True, currency_field="company_currency_id", string="30 days")
    position_90_company = fields.Monetary(readonly=True, currency_field="company_currency_id", string="90 days")
    balance_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                        string="Balances (reporting)")
    transit_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                        string="In transit (reporting)")
    position_0_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                           string="Today (reporting)")
    position_7_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                           string="7 days (reporting)")
    position_30_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                            string="30 days (reporting)")
    position_90_reporting = fields.Monetary(readonly=True, currency_field="reporting_currency_id",
                                            string="90 days (reporting)")

    @property
    def _table_query(self):
        return position_summary_sql(self.env["finance.treasury.transit"]._treasury_in_transit_sources())

    @api.model
    def _reporting_currency(self):
        value = self.env["ir.config_parameter"].sudo().get_param(REPORTING_CURRENCY_PARAM)
        currency = self.env["res.currency"].browse(int(value)) if value else self.env["res.currency"]
        return currency.exists() or self.env["res.company"].sudo().search([], order="id", limit=1).currency_id
