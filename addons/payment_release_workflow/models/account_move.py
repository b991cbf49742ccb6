"""Vendor bills → payment batch: the list action "Add to payment batch"."""
from odoo import _, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

GROUP_PREPARER = "finance_bridge_core.group_payment_preparer"


class AccountMove(models.Model):
    _inherit = "account.move"

    finance_batch_line_ids = fields.One2many("finance.payment.batch.line", "move_id", string="Payment batch lines",
                                             readonly=True)

    def action_add_to_payment_batch(self):
        """Put the selected posted vendor bills into a new draft payment batch and open it."""
        check_button(self, GROUP_PREPARER)
        bills = self._finance_payable_bills()
        batch = self.env["finance.payment.batch"]._new_for_bills(bills)
        batch.write({"line_ids": [fields.Command.create({"move_id": bill.id}) for bill in bills]})
        return {"type": "ir.actions.act_window", "res_model": "finance.payment.batch", "res_id": batch.id,
                "view_mode": "form", "name": batch.name}

    def _finance_payable_bills(self):
        """The selection, refused as a whole when any bill cannot be paid (naming each)."""
        if not self:
            raise UserError(_("Select the vendor bills to pay."))
        if len(self.company_id) > 1:
            raise UserError(_("Select bills of one company: %s.", ", ".join(self.company_id.mapped("name"))))
        problems = []
        for move in self:
            if move.move_type not in ("in_invoice", "in_receipt"):
                problems.append(_("%(m)s is not a vendor bill", m=move.display_name))
            elif move.state != "posted":
                problems.append(_("%(m)s is not posted", m=move.display_name))
            elif move.payment_state not in ("not_paid", "partial") or move.currency_id.is_zero(move.amount_residual):
                problems.append(_("%(m)s has nothing left to pay", m=move.display_name))
        if problems:
            raise UserError(_("These bills cannot be added to a payment batch:\n%s", "\n".join(problems)))
        return self
