"""Cancel a payment batch with a reason (the reason is required and kept on the batch)."""
from odoo import fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button


class FinancePaymentBatchCancel(models.TransientModel):
    _name = "finance.payment.batch.cancel"
    _description = "Cancel a payment batch"

    batch_id = fields.Many2one("finance.payment.batch", required=True, ondelete="cascade")
    reason = fields.Text(required=True)

    def action_confirm(self):
        check_button(self.batch_id, "finance_bridge_core.group_payment_preparer", "write")
        self.batch_id.action_cancel(self.reason)
        return {"type": "ir.actions.act_window_close"}
