"""Partners are screened when created and when their name, country or bank details change."""
from odoo import api, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button

SCREENED_FIELDS = {"name", "country_id", "is_company", "bank_ids"}


class ResPartner(models.Model):
    _inherit = "res.partner"

    risk_state = fields.Selection([("unscreened", "Not screened"), ("clear", "Clear"), ("hit", "Possible match"),
                                   ("blocked", "Blocked")], default="unscreened", readonly=True, copy=False,
                                  string="Sanctions screening", index=True, guarded=True)
    risk_screened_at = fields.Datetime(readonly=True, copy=False, guarded=True)
    risk_bank_changed_on = fields.Date(readonly=True, copy=False, string="Bank details changed on", guarded=True,
                                       help="Payments within the cooling-off period after this date are held.")
    risk_hit_ids = fields.One2many("risk.screening.hit", "partner_id", string="Screening hits")
    risk_hit_count = fields.Integer(compute="_compute_risk_hit_count")

    def _compute_risk_hit_count(self):
        counts = dict(self.env["risk.screening.hit"]._read_group(
            [("partner_id", "in", self.ids), ("state", "in", ("open", "confirmed"))], ["partner_id"], ["__count"]))
        for partner in self:
            partner.risk_hit_count = counts.get(partner, 0)

    def _risk_skip_screening(self):
        """Only server code may skip screening: a client can send any context key over RPC."""
        return self.env.su and self.env.context.get("risk_skip_screening")

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self._risk_skip_screening():
            partners._risk_screen()
        return partners

    def write(self, vals):
        res = super().write(vals)
        if SCREENED_FIELDS & set(vals) and not self._risk_skip_screening():
            if "bank_ids" in vals:
                self.sudo().with_context(risk_skip_screening=True).write(
                    {"risk_bank_changed_on": fields.Date.context_today(self)})
            self._risk_screen()
        return res

    def _risk_screen(self):
        # Contacts of a company are screened through their company's name and their own.
        targets = self.filtered(lambda p: p.name and p.active)
        if targets:
            self.env["risk.screening.engine"]._screen_partners(targets)

    def action_risk_screen(self):
        self._risk_screen()
        return True

    def action_view_risk_hits(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        action = self.env["ir.actions.act_window"]._for_xml_id("risk_screening.action_risk_hit")
        action["domain"] = [("partner_id", "=", self.id)]
        return action
