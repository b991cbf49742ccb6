"""A possible sanctions match waiting for, or carrying, a reviewer's decision."""
from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

STAGES = [("partner", "Partner"), ("approval", "Approval request"), ("release", "Release")]
REVIEWER_GROUP = "risk_screening.group_screening_reviewer"


class RiskScreeningHit(models.Model):
    _name = "risk.screening.hit"
    _description = "Screening hit"
    _inherit = ["mail.thread"]
    _order = "state, id desc"
    _rec_name = "screened_name"
    _finance_guarded_records = True  # decisions: only the review methods change them

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", index=True, readonly=True)
    entry_id = fields.Many2one("risk.list.entry", required=True, readonly=True, ondelete="restrict",
                               context={"active_test": False})
    entry_source_id = fields.Many2one(related="entry_id.source_id", string="List")
    list_version_id = fields.Many2one("risk.list.version", readonly=True)
    screened_name = fields.Char(required=True, readonly=True)
    name_hash = fields.Char(readonly=True, index=True)
    stage = fields.Selection(STAGES, readonly=True)
    score = fields.Float(readonly=True, aggregator="max")
    explanation = fields.Json(readonly=True)
    explanation_text = fields.Text(compute="_compute_explanation_text", string="Why")
    res_model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)
    requested_by_id = fields.Many2one("res.users", readonly=True, string="Requested by",
                                      help="Who triggered the screening (e.g. asked for the payment); "
                                           "this person cannot review the hit.")
    state = fields.Selection([("open", "To review"), ("confirmed", "Confirmed match"),
                              ("false_positive", "False positive")], default="open", required=True,
                             readonly=True, index=True, tracking=True)
    reviewer_id = fields.Many2one("res.users", readonly=True)
    reviewed_at = fields.Datetime(readonly=True)
    review_reason = fields.Text(readonly=True)
    allowlist_id = fields.Many2one("risk.allowlist", readonly=True)
    review_refusal = fields.Char(compute="_compute_review_refusal", string="You cannot review this hit",
                                 help="Why you may not decide on this hit; another reviewer must.")

    @api.depends("explanation")
    def _compute_explanation_text(self):
        for hit in self:
            exp = hit.explanation or {}
            lines = [f"List name: {exp.get('name')} ({exp.get('alias_strength', 'strong')} alias)"]
            if exp.get("in_text"):
                lines.append("Found word for word in the remittance text.")
            else:
                lines.append(f"Tokens: {' '.join(exp.get('query_tokens', []))} ~ "
                             f"{' '.join(exp.get('list_tokens', []))}")
                lines.append(f"Scores: token order-free {exp.get('token_sort')}, without spaces {exp.get('compact')}")
            for label, delta in exp.get("qualifiers", []):
                lines.append(f"Qualifier: {label} ({delta})")
            hit.explanation_text = "\n".join(lines)

    @api.depends_context("uid")
    @api.depends("state", "requested_by_id", "partner_id")
    def _compute_review_refusal(self):
        for hit in self:
            hit.review_refusal = hit._review_refusal() if hit.state == "open" else False

    def _review_refusal(self):
        """Why the current user may not decide on this hit (shown before the review is opened), or False."""
        self.ensure_one()
        if not self.env.user.has_group(REVIEWER_GROUP):
            return _("Only screening reviewers can decide on hits.")
        if self.state != "open":
            return _("Hit %s was reviewed already.", self.display_name)
        if self.requested_by_id == self.env.user:
            return _("You asked for the screened operation; another reviewer must decide on %s.",
                     self.screened_name)
        if self.partner_id and self.partner_id == self.env.user.partner_id:
            return _("%s is screened as your own contact; another reviewer must decide.", self.screened_name)
        return False

    def _check_reviewer(self):
        for hit in self:
            refusal = hit._review_refusal()
            if refusal:
                raise UserError(refusal)

    @decides
    def _decide(self, state, reason, expires_on=None):
        self._check_reviewer()
        if not reason:
            raise UserError(_("A reason is required."))
        for hit in self:
            vals = {"state": state, "reviewer_id": self.env.uid, "reviewed_at": fields.Datetime.now(),
                    "review_reason": reason}
            if state == "false_positive":
                vals["allowlist_id"] = self.env["risk.allowlist"].sudo().create({
                    "company_id": hit.company_id.id, "entry_id": hit.entry_id.id, "partner_id": hit.partner_id.id,
                    "screened_name": hit.screened_name, "name_hash": hit.name_hash, "reason": reason,
                    "reviewer_id": self.env.uid, "expires_on": expires_on}).id
            hit.sudo().write(vals)
            self.env["finance.audit.event"]._log(
                f"screening.review.{state}", hit, summary=f"{hit.screened_name}: {state}",
                payload={"reviewer": self.env.uid, "reason": reason, "entry": hit.entry_id.id,
                         "score": hit.score, "expires_on": str(expires_on or "")}, company=hit.company_id)
            if hit.partner_id:
                self.env["risk.screening.engine"]._screen_partners(hit.partner_id)
        return True

    def action_confirm(self, reason):
        return self._decide("confirmed", reason)

    def action_false_positive(self, reason, expires_on=None):
        return self._decide("false_positive", reason, expires_on)

    def action_open_review(self):
        check_button(self, REVIEWER_GROUP)
        self._check_reviewer()  # refused before the wizard is filled in, with the reason
        return {"type": "ir.actions.act_window", "res_model": "risk.hit.review", "view_mode": "form",
                "target": "new", "context": {"default_hit_ids": self.ids}}
