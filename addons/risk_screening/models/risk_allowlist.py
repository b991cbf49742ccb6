"""False positives decided by a reviewer: bound to a list entry and the exact screened name.

Entries are created only by the review of a hit (``risk.screening.hit.action_false_positive``,
four-eyes checked and audited) and withdrawn only by ``action_revoke``; nobody writes them directly.
"""
from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button


class RiskAllowlist(models.Model):
    _name = "risk.allowlist"
    _description = "Screening allowlist entry"
    _order = "id desc"
    _finance_guarded_records = True  # decisions: created by the hit review, withdrawn by action_revoke

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

    @api.depends("screened_name", "entry_id.name")
    def _compute_display_name(self):
        """"Ivan Petrov ≠ PETROV, Ivan" rather than risk.allowlist,1."""
        for allow in self:
            allow.display_name = _("%(name)s ≠ %(listed)s", name=allow.screened_name, listed=allow.entry_id.name) \
                if allow.entry_id else allow.screened_name

    @decides
    def action_revoke(self):
        """Withdraw false-positive decisions: the names are screened again from now on."""
        check_button(self, "risk_screening.group_screening_reviewer")
        for entry in self.filtered("active"):
            entry.write({"active": False})
            self.env["finance.audit.event"]._log(
                "screening.allowlist.revoked", entry, summary=f"{entry.screened_name}: allowlist revoked",
                payload={"entry": entry.entry_id.id, "by": self.env.uid}, company=entry.company_id)
            if entry.partner_id:
                self.env["risk.screening.engine"]._screen_partners(entry.partner_id)
        return True

    @api.model
    def _allowed_pairs(self, company, entry_ids, digest):
        today = fields.Date.context_today(self)
        allowed = self.sudo().search([("company_id", "=", company.id), ("entry_id", "in", entry_ids),
                                      ("name_hash", "=", digest), "|", ("expires_on", "=", False),
                                      ("expires_on", ">=", today)])
        return set(allowed.entry_id.ids)
