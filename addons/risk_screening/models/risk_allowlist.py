"""False positives decided by a reviewer: bound to a list entry and the exact screened name."""
from odoo import api, fields, models


class RiskAllowlist(models.Model):
    _name = "risk.allowlist"
    _description = "Screening allowlist entry"
    _order = "id desc"

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    entry_id = fields.Many2one("risk.list.entry", required=True, ondelete="cascade", index=True,
                               context={"active_test": False})
    partner_id = fields.Many2one("res.partner", index=True)
    screened_name = fields.Char(required=True, help="The name as it was screened; another name is screened again.")
    name_hash = fields.Char(required=True, index=True)
    reason = fields.Text(required=True)
    reviewer_id = fields.Many2one("res.users", required=True, default=lambda self: self.env.user)
    expires_on = fields.Date(help="After this date the name is screened again as if never reviewed.")
    active = fields.Boolean(default=True)

    @api.model
    def _allowed_pairs(self, company, entry_ids, digest):
        today = fields.Date.context_today(self)
        allowed = self.sudo().search([("company_id", "=", company.id), ("entry_id", "in", entry_ids),
                                      ("name_hash", "=", digest), "|", ("expires_on", "=", False),
                                      ("expires_on", ">=", today)])
        return set(allowed.entry_id.ids)
