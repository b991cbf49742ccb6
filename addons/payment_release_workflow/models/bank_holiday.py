"""Bank holiday calendars: the days a payment system does not settle (TARGET2 shipped as data)."""
from odoo import api, fields, models


class FinanceBankHolidayCalendar(models.Model):
    _name = "finance.bank.holiday.calendar"
    _description = "Bank holiday calendar"
    _order = "name"
    # A calendar without company (TARGET2) is used by every company: only an all-company user edits it.
    _finance_shared_config = True

    name = fields.Char(required=True)
    code = fields.Char(help="Short code, e.g. TARGET2.")
    company_id = fields.Many2one("res.company", help="Empty: shared by every company.")
    holiday_ids = fields.One2many("finance.bank.holiday", "calendar_id", string="Closing days")
    active = fields.Boolean(default=True)

    def _closed_dates(self):
        """The set of closing dates of these calendars (for lib/execution_date)."""
        return set(self.sudo().holiday_ids.mapped("date"))


class FinanceBankHoliday(models.Model):
    _name = "finance.bank.holiday"
    _description = "Bank closing day"
    _order = "date"

    calendar_id = fields.Many2one("finance.bank.holiday.calendar", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="calendar_id.company_id", store=True)
    date = fields.Date(required=True)
    name = fields.Char(required=True)

    _calendar_date_unique = models.Constraint("unique(calendar_id, date)", "A closing day is listed once per calendar.")

    # A closing day changes its calendar: for a shared calendar (TARGET2) only an all-company user may.
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.calendar_id._finance_check_shared("write", records=records.calendar_id)
        return records

    def write(self, vals):
        self.calendar_id._finance_check_shared("write", records=self.calendar_id)
        res = super().write(vals)
        self.calendar_id._finance_check_shared("write", records=self.calendar_id)
        return res

    def unlink(self):
        self.calendar_id._finance_check_shared("write", records=self.calendar_id)
        return super().unlink()
