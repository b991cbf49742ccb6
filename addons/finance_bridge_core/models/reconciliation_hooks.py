"""Hooks the reconciliation addon asks and other addons answer, without importing each other.

``bank_reconciliation_matching`` calls these on every statement line it matches; an addon that
sends payments (the payment release workflow) extends them to say which of its payments a line
may settle. See docs/EXTENDING.md, "Bank reconciliation: own payments".
"""
from odoo import api, models


class FinanceReconciliationHooks(models.AbstractModel):
    _name = "finance.reconciliation.hooks"
    _description = "Finance Bridge reconciliation hooks"

    @api.model
    def _finance_match_own_payments(self, lines):
        """Open items for our own outgoing payments that ``lines`` (statement lines) may settle.

        Returns a list of dicts: ``move_line_ids`` (open journal items to reconcile, required),
        ``amount`` (Decimal, signed as the bank line: negative for money out), ``currency`` (ISO
        code), ``partner_id``, ``name``, ``end_to_end_id``, ``uetr`` and ``batch_ids`` (the MsgId and
        PmtInfId the payment was sent under). Extensions add theirs to ``super()``'s list.
        """
        return []
