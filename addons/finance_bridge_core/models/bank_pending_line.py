"""Transactions a bank reports as pending: shown next to the statements, never booked.

A REST bank lists transactions that are not booked yet (card holds, payments in process). They
are not statement lines: their amount, date and even id may change when they book. A provider
returns them in ``FetchResult.pending``; the sync engine keeps, per account, exactly the set the
bank reported in the last run that reported any (what is no longer pending — booked under its own
id, or dropped — disappears), so the booked version arrives as an ordinary statement line and
nothing is counted twice.
"""
from odoo import api, fields, models

from ..lib.errors import FormatError


class FinanceBankPendingLine(models.Model):
    _name = "finance.bank.pending.line"
    _description = "Pending bank transaction"
    _order = "journal_id, booking_date desc, id"
    _finance_guarded_records = True  # replaced by the sync engine only

    company_id = fields.Many2one(related="journal_id.company_id", store=True, index=True)
    journal_id = fields.Many2one("account.journal", required=True, ondelete="cascade", index=True, readonly=True)
    connection_id = fields.Many2one("finance.bank.connection", ondelete="cascade", index=True, readonly=True)
    sync_run_id = fields.Many2one("finance.sync.run", ondelete="set null", readonly=True)
    bank_reference = fields.Char(readonly=True,
                                 help="The bank's id of the pending transaction (it may change when booked).")
    booking_date = fields.Date(readonly=True, string="Date")
    value_date = fields.Date(readonly=True)
    label = fields.Char(readonly=True)
    counterparty_name = fields.Char(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(readonly=True)
    first_seen = fields.Datetime(readonly=True, help="When the bank first reported it pending.")

    @api.model
    def _replace(self, connection, journal, lines, run=None):
        """The pending set of ``journal`` served by ``connection`` becomes ``lines``; returns how many."""
        Pending = self.sudo()
        old = Pending.search([("connection_id", "=", connection.id), ("journal_id", "=", journal.id)])
        first_seen = {p.bank_reference: p.first_seen for p in old if p.bank_reference}
        old.unlink()
        currency = journal.currency_id or journal.company_id.currency_id
        wrong = [(f"pending {line.unique_id or index}", f"currency {line.amount.currency} is not {currency.name}")
                 for index, line in enumerate(lines, start=1) if line.amount.currency != currency.name]
        if wrong:
            raise FormatError(wrong, f"pending transactions of {journal.code}")
        now = fields.Datetime.now()
        Pending.create([{
            "journal_id": journal.id, "connection_id": connection.id, "sync_run_id": run.id if run else False,
            "bank_reference": line.unique_id or line.acct_svcr_ref or False, "booking_date": line.booking_date,
            "value_date": line.value_date or False, "label": line.label or line.remittance_unstructured or "/",
            "counterparty_name": line.counterparty_name or False, "currency_id": currency.id,
            "amount": float(line.amount.amount),
            "first_seen": first_seen.get(line.unique_id or line.acct_svcr_ref) or now,
        } for line in lines])
        return len(lines)
