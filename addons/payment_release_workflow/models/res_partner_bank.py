"""Who last changed a beneficiary account: that person (and its creator) cannot approve payments to it."""
from odoo import api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope

TRACKED_SKIP = {"last_changed_by_id", "last_changed_at"}


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    last_changed_by_id = fields.Many2one("res.users", string="Last changed by", readonly=True, copy=False,
                                         guarded=True, index=True)
    last_changed_at = fields.Datetime(readonly=True, copy=False, guarded=True)

    @api.model_create_multi
    def create(self, vals_list):
        banks = super().create(vals_list)
        with decision_scope("partner_bank.created"):
            banks.write({"last_changed_by_id": self.env.uid, "last_changed_at": fields.Datetime.now()})
        return banks

    def write(self, vals):
        res = super().write(vals)
        if set(vals) - TRACKED_SKIP:
            with decision_scope("partner_bank.changed"):
                super().write({"last_changed_by_id": self.env.uid, "last_changed_at": fields.Datetime.now()})
        return res

    def _payment_editors(self):
        """User ids who created or last changed this account."""
        self.ensure_one()
        bank = self.sudo()
        return frozenset(uid for uid in (bank.create_uid.id, bank.last_changed_by_id.id) if uid)
