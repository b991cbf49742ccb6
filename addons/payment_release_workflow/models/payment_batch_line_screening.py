"""Screening holds on batch lines: the core hook per payment, holds kept on the line until a re-check passes."""
from decimal import Decimal

from odoo import _, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentDTO, ScreeningHold


class FinancePaymentBatchLine(models.Model):
    _inherit = "finance.payment.batch.line"

    screening_holds = fields.Text(readonly=True, copy=False, guarded=True,
                                  help="Why screening holds this payment (cleared when a re-check passes).")
    screened_at = fields.Datetime(readonly=True, copy=False, guarded=True)

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
