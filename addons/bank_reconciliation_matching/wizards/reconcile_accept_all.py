"""Accept, in one go, the best suggestion of every line of a journal scoring at least N."""
from odoo import _, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

from ..models.reconcile_suggestion import RECONCILE_GROUP


class FinanceReconcileAcceptAll(models.TransientModel):
    _name = "finance.reconcile.accept.all"
    _description = "Accept every suggestion above a score"

    journal_id = fields.Many2one("account.journal", required=True, domain="[('type', 'in', ('bank', 'cash'))]")
    min_score = fields.Integer(default=90, required=True)

    def action_accept(self):
        """Accept the best suggestion of each unreconciled line at or above the score (one per line)."""
        check_button(self, RECONCILE_GROUP)
        self.ensure_one()
        self.journal_id.check_access("read")
        if not 0 < self.min_score <= 100:
            raise UserError(_("The score is between 1 and 100."))
        lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal_id.id),
                                                                ("is_reconciled", "=", False)])
        accepted = 0
        for line in lines:
            best = line.finance_suggestion_ids.filtered(lambda s: s.state == "suggested")[:1]
            if best and best.score >= self.min_score:
                best.action_accept()
                accepted += 1
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"message": _("%s lines reconciled.", accepted), "type": "success",
                           "next": {"type": "ir.actions.act_window_close"}}}
