"""Screening holds on batch lines, and line edits that void the batch's approvals."""
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentDTO, ScreeningHold

# Line fields that are part of what the bank is asked to pay (see lib/batch_content.py).
LINE_CONTENT_FIELDS = {"batch_id", "move_id", "partner_id", "partner_bank_id", "amount", "currency_id", "remittance",
                       "end_to_end_id"}


class FinancePaymentBatchLine(models.Model):
    _inherit = "finance.payment.batch.line"

    screening_holds = fields.Text(readonly=True, copy=False, guarded=True,
                                  help="Why screening holds this payment (cleared when a re-check passes).")
    screened_at = fields.Datetime(readonly=True, copy=False, guarded=True)

    # ------------------------------------------------------------------ approvals follow the content
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.batch_id._content_changed()
        return lines

    def write(self, vals):
        batches = self.batch_id
        res = super().write(vals)
        if LINE_CONTENT_FIELDS & set(vals):
            (batches | self.batch_id)._content_changed()
        return res

    def unlink(self):
        batches = self.batch_id
        res = super().unlink()
        batches.exists()._content_changed()
        return res

    # ------------------------------------------------------------------ screening
    def _screening_payment(self):
        """The canonical PaymentDTO of this line, for the screening hook."""
        self.ensure_one()
        bank = self.partner_bank_id
        digits = self.currency_id.decimal_places
        return PaymentDTO(
            end_to_end_id=self.end_to_end_id,
            amount=Money(Decimal(str(self.amount)).quantize(Decimal(1).scaleb(-digits)), self.currency_id.name),
            creditor_name=self.partner_id.name or "", creditor_iban=bank.sanitized_acc_number or None,
            creditor_bic=bank.bank_bic or None,
            requested_execution_date=self.batch_id.execution_date or self.batch_id.requested_date,
            remittance_unstructured=self.remittance or None)

    def _screen_payment(self, stage):
        """Call ``finance.screening.screen`` for this payment; record the holds. True when held."""
        self.ensure_one()
        try:
            payment = self._screening_payment()
        except ValueError as exc:
            holds = [ScreeningHold(code="payment.incomplete", reason=str(exc), source="payment_release_workflow")]
        else:
            holds = self.env["finance.screening"].sudo().screen(self, stage, payments=[payment])
        blocking = [h for h in holds if h.blocking]
        self._record_holds(holds, bool(blocking))
        return bool(blocking)

    @decides
    def _record_holds(self, holds, blocking):
        text = "\n".join(f"[{h.code}] {h.reason}" + ("" if h.blocking else _(" (warning)")) for h in holds)
        vals = {"screening_holds": text or False, "screened_at": fields.Datetime.now()}
        if blocking:
            vals["state"] = "screening_hold"
        elif self.state == "screening_hold":
            vals["state"] = "pending"
        self.sudo().write(vals)
