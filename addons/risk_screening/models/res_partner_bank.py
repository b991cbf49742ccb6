"""A new or changed bank account starts the cooling-off period and re-screens its holder."""
from odoo import api, fields, models


class ResPartnerBank(models.Model):
    _inherit = "res.partner.bank"

    @api.model_create_multi
    def create(self, vals_list):
        banks = super().create(vals_list)
        banks.partner_id._risk_bank_changed()
        return banks

    def write(self, vals):
        partners = self.partner_id
        res = super().write(vals)
        if {"acc_number", "partner_id", "bank_id"} & set(vals):
            (partners | self.partner_id)._risk_bank_changed()
        return res


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _risk_bank_changed(self):
        partners = self.filtered("id")
        if not partners or partners._risk_skip_screening():
            return
        partners.sudo().with_context(risk_skip_screening=True).write(
            {"risk_bank_changed_on": fields.Date.context_today(self)})
        partners._risk_screen()
