"""Bank statuses drive the payments of a batch: matched by MsgId / PmtInfId / EndToEndId / UETR.

The rules (which status moves a line where, what is late or duplicated) are in lib/iso_status.py;
here they are applied: lines and their ``account.payment`` change state, rejected and returned
payments have their entry reversed (the bills are open again) and an exception activity carries
the ISO reason text, settled payments are reconciled with the statement line that booked them.
Bookings on camt.053 statements become ``camt.053`` status events (statement_booking.py) and come
through the same path, so every status is evidence, recorded once.
"""
import logging
from decimal import Decimal

from odoo import Command, _, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides

from ..lib.iso_status import action_for, batch_state, group_status_applies_to_lines, reason_text

_logger = logging.getLogger(__name__)

TRANSMITTED_STATES = ("released", "transmitted", "accepted", "settled", "partially_rejected", "rejected")


class FinanceStatusEvent(models.Model):
    _inherit = "finance.status.event"

    payment_line_ids = fields.Many2many("finance.payment.batch.line", string="Payment lines", readonly=True,
                                        compute="_compute_payment_line_ids")

    def _compute_payment_line_ids(self):
        for event in self:
            event.payment_line_ids = event.sudo()._matching_payment_lines()

    def _matching_payment_lines(self):
        """The batch lines this event speaks of (empty: not one of ours)."""
        self.ensure_one()
        Line = self.env["finance.payment.batch.line"].sudo()
        Batch = self.env["finance.payment.batch"].sudo()
        company = [("company_id", "=", self.company_id.id)]
        batch = Batch.browse()
        if self.msg_id:
            batch = Batch.search([*company, ("msg_id", "=", self.msg_id), ("state", "in", TRANSMITTED_STATES)], limit=1)
            if not batch:
                return Line
        scope = company + ([("batch_id", "=", batch.id)] if batch else
                           [("batch_id.state", "in", TRANSMITTED_STATES)])
        if self.level == "transaction":
            for field, value in (("tx_end_to_end_id", self.end_to_end_id), ("uetr", self.uetr),
                                 ("tx_end_to_end_id", self.instruction_id)):
                if value:
                    lines = Line.search([*scope, (field, "=", value)])
                    if lines:
                        return lines
            return Line
        if self.level == "payment_info":
            return Line.search([*scope, ("pmt_inf_id", "=", self.pmt_inf_id)]) if self.pmt_inf_id else Line
        return batch._file_lines().filtered(lambda ln: ln.state != "pending") if batch else Line

    def _apply_event(self):
        """Match the event to payment lines and apply its status; True when it was one of ours."""
        matched = super()._apply_event()
        lines = self._matching_payment_lines()
        if not lines:
            return matched
        if self.level != "transaction" and not group_status_applies_to_lines(self.status):
            return True          # PART of a group: the transaction statuses say which
        self._apply_to_lines(lines)
        return True

    @decides
    def _apply_to_lines(self, lines):
        reason = reason_text(self.reason_code, self.reason_text)
        transfers = {}
        for line in lines:
            transfers.setdefault(line.tx_end_to_end_id or line.end_to_end_id, self.env[line._name])
            transfers[line.tx_end_to_end_id or line.end_to_end_id] |= line
        batches = lines.batch_id
        for members in transfers.values():
            states = set(members.mapped("state"))
            state = members[0].state if len(states) == 1 else "accepted"
            expected = sum(Decimal(f"{m.amount:.{m.currency_id.decimal_places}f}") for m in members)
            amount_ok = (self.level != "transaction" or not self.amount or not self.currency_id
                         or Decimal(f"{abs(self.amount):.{self.currency_id.decimal_places}f}") == expected)
            action = action_for(self.status, state, amount_ok)
            if action.new_state is None and not action.exception and not action.settle:
                continue
            if action.new_state:
                members._set_line_state(action.new_state, status_reason=(reason or action.note)[:500])
            payments = members.payment_id
            if action.settle:
                self._settle_payments(payments)
            if action.reverse:
                self._reverse_payments(payments, reason or action.note)
            if action.exception:
                members[0].batch_id._payment_exception(members, self, reason or action.note)
        for batch in batches:
            new_state = batch_state(batch.line_ids.mapped("state"))
            if new_state and new_state != batch.state and batch.state in TRANSMITTED_STATES:
                batch._set_state(new_state)
            batch.message_post(body=_("Bank status %(s)s for %(r)s%(why)s", s=self.status,
                                      r=self.end_to_end_id or self.pmt_inf_id or self.msg_id,
                                      why=f": {reason}" if reason else ""))

    # ------------------------------------------------------------------ accounting
    def _settle_payments(self, payments):
        """Paid: validated, and reconciled with the statement line that booked it when there is one."""
        st_line = self.env["account.bank.statement.line"].sudo().browse(
            (self.raw or {}).get("statement_line_id") or []).exists()
        for payment in payments.sudo():
            if st_line:
                _reconcile_with_statement_line(payment, st_line)
            if payment.state in ("draft",):
                payment.action_post()
            if payment.state != "paid":
                payment.action_validate()

    def _reverse_payments(self, payments, reason):
        """Rejected or returned: reverse the payment's entry (its bills are open again), mark it rejected."""
        for payment in payments.sudo():
            move = payment.move_id
            if move and move.state == "posted" and not move.reversal_move_ids:
                move._reverse_moves([{"ref": _("Bank rejection of %(p)s: %(r)s", p=payment.name, r=reason)[:250],
                                      "date": fields.Date.context_today(self)}], cancel=True)
            elif move and move.state == "draft":
                move.button_cancel()
            if payment.state != "rejected":
                payment.action_reject()
            payment.message_post(body=_("Rejected by the bank: %(r)s", r=reason))


def _reconcile_with_statement_line(payment, st_line):
    """Replace the statement line's suspense line by the payment's outstanding account and reconcile.

    Community has no reconciliation widget; this is the step it would take for a 1:1 match.
    Returns True when reconciled, False when the lines do not fit (left for manual reconciliation).
    """
    _liquidity, suspense, other = st_line._seek_for_lines()
    if other or len(suspense) != 1 or not payment.move_id:
        return False
    pay_liquidity, _counterpart, _writeoff = payment._seek_for_lines()
    target = pay_liquidity.filtered(lambda ln: ln.account_id.reconcile and not ln.reconciled)
    if len(target) != 1 or payment.currency_id.compare_amounts(-suspense.amount_currency, target.amount_currency):
        return False
    try:
        with payment.env.cr.savepoint():
            st_line.move_id.with_context(skip_readonly_check=True, skip_account_move_synchronization=True).write(
                {"line_ids": [Command.update(suspense.id, {"account_id": target.account_id.id,
                                                           "partner_id": payment.partner_id.id})]})
            (suspense | target).reconcile()
    except Exception as exc:  # noqa: BLE001 - reconciliation is a convenience; the status still applies
        _logger.info("statement line %s not reconciled with %s: %s", st_line.id, payment.name, exc)
        return False
    return True
