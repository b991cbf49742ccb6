"""Our released payments as open items for the bank reconciliation (core hook, no import of it).

A statement line that carries the EndToEndId (or UETR) of one of our transfers, or the MsgId /
PmtInfId of a batch booked as one line, may settle the payments of that transfer or batch: each
payment is offered with its open outstanding-account item, its transfer's EndToEndId and the batch
ids it went out under (docs/EXTENDING.md, "Own payments for matching").
"""
from decimal import Decimal

from odoo import api, models
from odoo.fields import Domain


def _keys(lines):
    """(EndToEndIds, UETRs, batch ids) the statement lines carry, as the camt adapter keeps them."""
    e2e, uetrs, batch_ids = set(), set(), set()
    for line in lines:
        details = line.transaction_details if isinstance(line.transaction_details, dict) else {}
        raw = details.get("raw") if isinstance(details.get("raw"), dict) else {}
        e2e.update(filter(None, [details.get("end_to_end_id")]
                          + [tx.get("EndToEndId") for tx in raw.get("batch") or () if isinstance(tx, dict)]))
        uetrs.update(filter(None, [details.get("uetr")]))
        batch_ids.update(filter(None, (raw.get("ref_MsgId"), raw.get("msg_id"), raw.get("ref_PmtInfId"),
                                       raw.get("pmt_inf_id"))))
    return e2e, uetrs, batch_ids


class FinanceReconciliationHooks(models.AbstractModel):
    _inherit = "finance.reconciliation.hooks"

    @api.model
    def _finance_match_own_payments(self, lines):
        items = super()._finance_match_own_payments(lines)
        e2e, uetrs, batch_ids = _keys(lines)
        if not (e2e or uetrs or batch_ids):
            return items
        domains = []
        if e2e:
            domains += [[("tx_end_to_end_id", "in", list(e2e))], [("end_to_end_id", "in", list(e2e))]]
        if uetrs:
            domains.append([("uetr", "in", list(uetrs))])
        if batch_ids:
            domains += [[("batch_id.msg_id", "in", list(batch_ids))], [("pmt_inf_id", "in", list(batch_ids))]]
        batch_lines = self.env["finance.payment.batch.line"].sudo().search(Domain.AND([
            Domain.OR(domains), [("company_id", "in", lines.company_id.ids), ("payment_id", "!=", False)]]))
        for payment in batch_lines.payment_id:
            move = payment.move_id
            if not move or move.state != "posted":
                continue
            liquidity = payment._seek_for_lines()[0].filtered(lambda ln: ln.account_id.reconcile and not ln.reconciled)
            if len(liquidity) != 1:
                continue
            paid = batch_lines.filtered(lambda ln, p=payment: ln.payment_id == p)[:1]
            digits = payment.currency_id.decimal_places
            sign = -1 if payment.payment_type == "outbound" else 1
            items.append({
                "move_line_ids": liquidity.ids,
                "amount": sign * Decimal(f"{payment.amount:.{digits}f}"),
                "currency": payment.currency_id.name,
                "partner_id": payment.partner_id.id,
                "name": payment.name,
                "end_to_end_id": paid.tx_end_to_end_id or paid.end_to_end_id,
                "uetr": paid.uetr or None,
                "batch_ids": tuple(filter(None, (paid.batch_id.msg_id, paid.pmt_inf_id))),
            })
        return items
