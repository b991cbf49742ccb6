"""A scored, explained candidate for one statement line, written by the matcher only."""
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

# In Community, "Invoicing: Administrator" is the accounting role (group_account_user is not implied).
RECONCILE_GROUP = "account.group_account_manager"
RULES = [("own_payment", "Own payment (EndToEndId / UETR / batch)"),
         ("structured_reference", "Structured reference"),
         ("free_text", "Reference in remittance text"),
         ("partner_amount", "Partner and amount"),
         ("user_rule", "Reconciliation rule"),
         ("manual", "Manual")]
KINDS = [("", "Exact"), ("partial", "Partial"), ("charges", "Bank charges"), ("writeoff", "Write-off"),
         ("overpaid", "Overpaid"), ("account", "To an account")]


class FinanceReconcileSuggestion(models.Model):
    _name = "finance.reconcile.suggestion"
    _description = "Bank reconciliation suggestion"
    _order = "statement_line_id, rank, id"
    _finance_guarded_records = True   # written by the matcher, decided through the buttons only

    statement_line_id = fields.Many2one("account.bank.statement.line", required=True, readonly=True,
                                        ondelete="cascade", index=True)
    journal_id = fields.Many2one(related="statement_line_id.journal_id", store=True, index=True)
    company_id = fields.Many2one(related="statement_line_id.company_id", store=True, index=True)
    rank = fields.Integer(readonly=True)
    score = fields.Integer(readonly=True, aggregator="max")
    rule = fields.Selection(RULES, readonly=True, required=True)
    explanation = fields.Char(readonly=True)
    reason = fields.Char(readonly=True, help="Why the line was not reconciled automatically.")
    move_line_ids = fields.Many2many("account.move.line", string="Open items", readonly=True)
    allocations = fields.Json(readonly=True, help="[[journal item id, amount in its currency], ...]")
    difference = fields.Float(readonly=True, help="Line amount not allocated to the open items.")
    difference_kind = fields.Selection(KINDS, readonly=True)
    user_rule_id = fields.Many2one("finance.reconcile.rule", readonly=True, ondelete="cascade")
    state = fields.Selection([("suggested", "Suggested"), ("accepted", "Accepted"),
                              ("auto", "Reconciled automatically"), ("undone", "Undone")],
                             default="suggested", required=True, readonly=True)

    @api.model
    def _vals_from_candidate(self, cand, rank, reason=""):
        return {"statement_line_id": cand.line_id, "rank": rank, "score": cand.score, "rule": cand.rule,
                "explanation": cand.explanation[:250], "reason": reason,
                "move_line_ids": [(6, 0, list(cand.item_ids))],
                "allocations": [[item_id, str(amount)] for item_id, amount in cand.allocations],
                "difference": float(cand.difference), "difference_kind": cand.difference_kind or "",
                "user_rule_id": cand.user_rule_id or False}

    # ------------------------------------------------------------------ applying
    @api.model
    @decides
    def _apply_candidate(self, st_line, cand, automatic=False):
        """Reconcile ``st_line`` as the engine's candidate says (automatic run)."""
        suggestion = self.sudo().search([("statement_line_id", "=", st_line.id), ("rank", "=", 1),
                                         ("state", "=", "suggested")], limit=1)
        allocations = [(item_id, amount) for item_id, amount in cand.allocations]
        self._reconcile_line(st_line, allocations, cand.difference_kind, cand.user_rule_id)
        if suggestion:
            suggestion.state = "auto" if automatic else "accepted"
        self.env["finance.audit.event"].sudo()._log(
            "reconcile.auto" if automatic else "reconcile.accept", record=st_line,
            summary=f"{st_line.display_name}: {cand.explanation}"[:250], company=st_line.company_id)

    @api.model
    def _reconcile_line(self, st_line, allocations, kind, user_rule_id=None):
        company = st_line.company_id
        amls = self.env["account.move.line"].sudo().browse([a for a, _x in allocations]).exists()
        if len(amls) != len(allocations):
            raise UserError(_("An open item of this suggestion no longer exists: match the line again."))
        pairs = [(amls.browse(aml_id), Decimal(str(amount))) for aml_id, amount in allocations]
        rest_account = taxes = label = None
        if kind == "writeoff":
            rest_account, label = company.finance_writeoff_account_id, _("Write-off")
        elif kind == "charges":
            rest_account = company.finance_charges_account_id or company.finance_writeoff_account_id
            label = _("Bank charges")
        elif kind == "account":
            rule = self.env["finance.reconcile.rule"].sudo().browse(user_rule_id)
            rest_account, taxes, label = rule.account_id, rule.tax_ids, rule.name
        if kind in ("writeoff", "charges", "account") and not rest_account:
            raise UserError(_("No account is configured for %(what)s (Accounting settings, Bank reconciliation).",
                              what=label))
        self.env["finance.reconcile.writer"].sudo()._reconcile(st_line.sudo(), pairs, rest_account or None, label,
                                                               taxes or None)

    # ------------------------------------------------------------------ buttons
    @decides
    def action_accept(self):
        """Accept this suggestion: reconcile its line as proposed."""
        check_button(self, RECONCILE_GROUP)
        for suggestion in self:
            line = suggestion.statement_line_id
            if suggestion.state != "suggested" or line.is_reconciled:
                raise UserError(_("Suggestion for %(line)s: the line is already reconciled.", line=line.display_name))
            line.check_access("read")   # the button group is the authorisation (see RECONCILE_GROUP)
            allocations = [(int(a), Decimal(b)) for a, b in suggestion.allocations or []]
            suggestion.sudo()._reconcile_line(line, allocations, suggestion.difference_kind,
                                              suggestion.user_rule_id.id)
            suggestion.sudo().state = "accepted"
            (line.finance_suggestion_ids - suggestion).sudo().filtered(lambda s: s.state == "suggested").unlink()
            self.env["finance.audit.event"].sudo()._log(
                "reconcile.accept", record=line, summary=f"{line.display_name}: {suggestion.explanation}"[:250],
                company=line.company_id)
        return True
