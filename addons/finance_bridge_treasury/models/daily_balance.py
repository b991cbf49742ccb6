"""History of daily closing balances: a stored series filled from statements and booked balances."""
from odoo import api, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button

FILL_SQL = """
    INSERT INTO finance_treasury_daily_balance
           (journal_id, company_id, currency_id, date, closing_balance, source, create_uid, create_date,
            write_uid, write_date)
    SELECT journal_id, company_id, currency_id, date, amount, source, %(uid)s, now() AT TIME ZONE 'UTC',
           %(uid)s, now() AT TIME ZONE 'UTC'
      FROM (
        SELECT DISTINCT ON (x.journal_id, x.date) x.*
          FROM (
            SELECT b.journal_id, j.company_id, COALESCE(j.currency_id, c.currency_id) AS currency_id, b.date,
                   b.amount, 'bank' AS source, 0 AS pref
              FROM finance_bank_balance b JOIN account_journal j ON j.id = b.journal_id
              JOIN res_company c ON c.id = j.company_id
             WHERE b.kind = 'booked' AND b.position = 'closing'
            UNION ALL
            SELECT s.journal_id, s.company_id, COALESCE(j.currency_id, c.currency_id), s.date,
                   s.balance_end_real, 'statement', 1
              FROM account_bank_statement s JOIN account_journal j ON j.id = s.journal_id
              JOIN res_company c ON c.id = j.company_id
             WHERE s.date IS NOT NULL
          ) x
         ORDER BY x.journal_id, x.date, x.pref
      ) best
    ON CONFLICT (journal_id, date) DO UPDATE
       SET closing_balance = EXCLUDED.closing_balance, source = EXCLUDED.source,
           write_date = EXCLUDED.write_date, write_uid = EXCLUDED.write_uid
     WHERE finance_treasury_daily_balance.closing_balance IS DISTINCT FROM EXCLUDED.closing_balance
        OR finance_treasury_daily_balance.source IS DISTINCT FROM EXCLUDED.source
"""


class FinanceTreasuryDailyBalance(models.Model):
    _name = "finance.treasury.daily.balance"
    _description = "Daily closing balance"
    _order = "date desc, journal_id"
    _finance_guarded_records = True  # filled by the server from the bank's figures only

    journal_id = fields.Many2one("account.journal", string="Bank account", required=True, readonly=True,
                                 ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date = fields.Date(required=True, readonly=True, index=True)
    closing_balance = fields.Monetary(readonly=True)
    source = fields.Selection([("bank", "Bank booked balance"), ("statement", "Statement closing")],
                              readonly=True)

    _journal_date_unique = models.Constraint("UNIQUE (journal_id, date)", "One closing balance per day.")

    @api.model
    def _refresh_series(self):
        """Upsert every day's closing balance in one statement (bank booked balance wins)."""
        self.flush_model()
        self.env["finance.bank.balance"].flush_model()
        self.env["account.bank.statement"].flush_model()
        self.env.cr.execute(FILL_SQL, {"uid": self.env.uid})
        count = self.env.cr.rowcount
        self.invalidate_model()
        return count

    def action_refresh_series(self):
        check_button(self, "finance_bridge_core.group_treasury_manager")
        self.sudo()._refresh_series()
        return {"type": "ir.actions.client", "tag": "reload"}
