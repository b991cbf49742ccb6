"""Bookings of our own payments on bank statements (camt.053 and any other statement) as status events.

A statement line whose EndToEndId is the one of a transfer we sent is the bank telling us it
booked it: a debit settles the payment (and is reconciled with it), a credit after settlement is
a return. They become ``finance.status.event`` rows like pain.002 and camt.054 statuses, so they
are recorded once, audited and applied by the same rules.
"""
from datetime import datetime, time, timezone
from decimal import Decimal

from odoo import fields, models
from odoo.addons.finance_bridge_core.lib.dto import Money, StatusEventDTO

IN_FLIGHT = ("in_process", "accepted", "paid")


class FinanceStatementIngestion(models.AbstractModel):
    _inherit = "finance.statement.ingestion"

    def _create_lines(self, journal, vals_list, run=None, recompute_statement=True):
        bulk = super()._create_lines(journal, vals_list, run, recompute_statement)
        self._payment_bookings(journal, vals_list)
        return bulk

    def _payment_bookings(self, journal, vals_list):
        """Status events for the new lines that carry the EndToEndId of one of our transfers."""
        by_e2e = {}
        for vals in vals_list:
            e2e = (vals.get("transaction_details") or {}).get("end_to_end_id")
            if e2e and vals.get("finance_import_key"):
                by_e2e.setdefault(e2e, []).append(vals)
        if not by_e2e:
            return
        Line = self.env["finance.payment.batch.line"].sudo()
        ours = Line.search([("tx_end_to_end_id", "in", list(by_e2e)), ("company_id", "=", journal.company_id.id),
                            ("state", "in", IN_FLIGHT), ("batch_id.journal_id", "=", journal.id)])
        if not ours:
            return
        known = set(ours.mapped("tx_end_to_end_id"))
        keys = [v["finance_import_key"] for e2e in known for v in by_e2e[e2e]]
        st_lines = {line.finance_import_key: line for line in self.env["account.bank.statement.line"].sudo().search(
            [("journal_id", "=", journal.id), ("finance_import_key", "in", keys)])}
        currency = journal.currency_id or journal.company_id.currency_id
        events = []
        for e2e in known:
            batch = ours.filtered(lambda ln, e2e=e2e: ln.tx_end_to_end_id == e2e).batch_id[:1]
            for vals in by_e2e[e2e]:
                st_line = st_lines.get(vals["finance_import_key"])
                amount = Decimal(str(vals["amount"]))
                booked = fields.Date.to_date(vals.get("date"))
                events.append(StatusEventDTO(
                    source="camt.053", status="BOOK" if amount < 0 else "RTRN", level="transaction",
                    msg_id=batch.msg_id, end_to_end_id=e2e,
                    reason_code=(vals["transaction_details"].get("raw") or {}).get("return_reason") or None,
                    occurred_at=datetime.combine(booked, time(), tzinfo=timezone.utc) if booked else None,
                    amount=Money(abs(amount), currency.name),
                    raw={"statement_line_id": st_line.id if st_line else None,
                         "import_key": vals["finance_import_key"]}))
        self.env["finance.status.event"]._record(events, company=journal.company_id)
