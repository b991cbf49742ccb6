from odoo import fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button


class RiskHitReview(models.TransientModel):
    _name = "risk.hit.review"
    _description = "Review screening hits"

    hit_ids = fields.Many2many("risk.screening.hit", required=True)
    decision = fields.Selection([("confirmed", "Confirmed match: block the partner and its payments"),
                                 ("false_positive", "False positive: allow this name for this list entry")],
                                required=True)
    reason = fields.Text(required=True)
    expires_on = fields.Date(help="False positives only: screen the name again after this date.")

    def action_apply(self):
        self.ensure_one()
        check_button(self, "risk_screening.group_screening_reviewer")
        if self.decision == "confirmed":
            self.hit_ids.action_confirm(self.reason)
        else:
            self.hit_ids.action_false_positive(self.reason, self.expires_on)
        return {"type": "ir.actions.act_window_close"}
