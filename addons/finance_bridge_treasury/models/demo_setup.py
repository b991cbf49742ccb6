"""Demo data of the treasury views: a second bank in a second currency, one stale account, one alert."""
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope


class FinanceTreasuryDemo(models.AbstractModel):
    _name = "finance.treasury.demo"
    _description = "Finance Bridge treasury demo data"

    @api.model
    def _setup_demo(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        usd = self.env.ref("base.USD")
        eur = self.env.ref("base.EUR")
        foreign = usd if company.currency_id != usd else eur
        foreign.sudo().active = True
        if not self.env["res.currency.rate"].search([("currency_id", "=", foreign.id), ("name", "=", today),
                                                     ("company_id", "in", (False, company.id))]):
            self.env["res.currency.rate"].create({"currency_id": foreign.id, "name": today, "rate": 1.08,
                                                  "company_id": company.id})
        banks = {}
        for name, bic in (("Northbank", "NRTHDEFFXXX"), ("Harbour Bank", "HRBRGB2LXXX")):
            banks[name] = self.env["res.bank"].search([("bic", "=", bic)], limit=1) or \
                self.env["res.bank"].create({"name": name, "bic": bic})
        specs = (("TRUSD", f"Harbour {foreign.name} operating", "GB33BUKB20201555555555", banks["Harbour Bank"],
                  foreign, 250000.00, False),
                 ("TRSTL", "Northbank escrow (stale)", "GB29NWBK60161331926819", banks["Northbank"],
                  company.currency_id, 42000.00, True))
        Journal = self.env["account.journal"]
        for code, name, iban, bank, currency, amount, stale in specs:
            journal = Journal.search([("code", "=", code), ("company_id", "=", company.id)], limit=1)
            if not journal:
                partner_bank = self.env["res.partner.bank"].search(
                    [("sanitized_acc_number", "=", iban), ("partner_id", "=", company.partner_id.id)], limit=1) or \
                    self.env["res.partner.bank"].create({
                        "acc_number": iban, "partner_id": company.partner_id.id, "bank_id": bank.id})
                journal = Journal.create({"name": name, "code": code, "type": "bank", "company_id": company.id,
                                          "bank_account_id": partner_bank.id,
                                          "currency_id": currency.id if currency != company.currency_id else False})
            days = (3, 4) if stale else (0, 1, 2)
            for back in days:
                day = today - timedelta(days=back)
                vals = {"journal_id": journal.id, "kind": "booked", "position": "closing", "date": day,
                        "currency_id": currency.id, "amount": amount + 1500 * back}
                if not self.env["finance.bank.balance"].search_count(
                        [("journal_id", "=", journal.id), ("kind", "=", "booked"), ("date", "=", day)]):
                    self.env["finance.bank.balance"].create(vals)
            if not stale:
                self.env["finance.bank.balance"].search([("journal_id", "=", journal.id), ("kind", "=", "intraday"),
                                                         ("date", "=", today)]).unlink()
                self.env["finance.bank.balance"].create({
                    "journal_id": journal.id, "kind": "intraday", "position": "interim", "date": today,
                    "currency_id": currency.id, "amount": amount + 3250})
            else:
                self.env.flush_all()
                self.env.cr.execute("UPDATE finance_bank_balance SET write_date = (now() AT TIME ZONE 'UTC') "
                                    "- interval '3 days' WHERE journal_id = %s", (journal.id,))
        self.env["finance.treasury.daily.balance"].sudo()._refresh_series()
        with decision_scope("demo"):
            self.env["finance.treasury.alert.rule"].sudo().search([("condition", "=", "stale_account")])._evaluate()
        return True
