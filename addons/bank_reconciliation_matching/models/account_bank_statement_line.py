"""Review-screen fields and buttons on statement lines (nothing stored: the bulk import writer
stays eligible, see finance_bridge_core/models/statement_line_writer.py)."""
from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError
from odoo.fields import Domain

from .reconcile_suggestion import RECONCILE_GROUP


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    finance_suggestion_ids = fields.One2many("finance.reconcile.suggestion", "statement_line_id",
                                             string="Suggestions", readonly=True)
    finance_match_score = fields.Integer(compute="_compute_finance_match", string="Score")
    finance_match_explanation = fields.Char(compute="_compute_finance_match", string="Best suggestion")
    finance_match_status = fields.Selection(
        [("reconciled", "Reconciled"), ("suggested", "Suggested"), ("unmatched", "Unmatched")],
        compute="_compute_finance_match", search="_search_finance_match_status", string="Matching")

    @api.depends("is_reconciled", "finance_suggestion_ids.state", "finance_suggestion_ids.score")
    def _compute_finance_match(self):
        for line in self:
            best = line.finance_suggestion_ids.filtered(lambda s: s.state == "suggested")[:1]
            line.finance_match_score = best.score
            line.finance_match_explanation = best.explanation
            line.finance_match_status = "reconciled" if line.is_reconciled else ("suggested" if best else "unmatched")

    def _search_finance_match_status(self, operator, value):
        if operator not in ("=", "in"):
            return NotImplemented
        values = {value} if operator == "=" else set(value)
        domains = []
        if "reconciled" in values:
            domains.append([("is_reconciled", "=", True)])
        if "suggested" in values:
            domains.append([("is_reconciled", "=", False), ("finance_suggestion_ids.state", "=", "suggested")])
        if "unmatched" in values:
            domains.append([("is_reconciled", "=", False), ("finance_suggestion_ids.state", "!=", "suggested")])
        return Domain.OR(domains) if domains else Domain.FALSE

    def action_finance_accept_best(self):
        """Accept each line's best suggestion."""
        check_button(self, RECONCILE_GROUP)
        for line in self:
            best = line.finance_suggestion_ids.filtered(lambda s: s.state == "suggested")[:1]
            if not best:
                raise UserError(_("Line %(line)s has no suggestion to accept.", line=line.display_name))
            best.action_accept()
        return True

    def action_finance_match(self):
        """Match these lines again (suggestions only, never automatic)."""
        check_button(self, RECONCILE_GROUP)
        counts = self.env["finance.reconcile.matcher"]._match(self, auto=False)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"message": self.env["finance.reconcile.matcher"]._explain_counts(counts), "type": "info"}}

    @decides
    def action_finance_reset(self):
        """Undo the reconciliation: the line is back as imported, its suggestions are recomputed."""
        check_button(self, RECONCILE_GROUP)
        for line in self:
            if not line._seek_for_lines()[2]:
                raise UserError(_("Line %(line)s is not reconciled: there is nothing to reset.",
                                  line=line.display_name))
        self.sudo().action_undo_reconciliation()
        done = self.finance_suggestion_ids.sudo().filtered(lambda s: s.state in ("accepted", "auto"))
        done.state = "undone"
        for line in self:
            self.env["finance.audit.event"].sudo()._log("reconcile.reset", record=line,
                                                        summary=f"{line.display_name}: reconciliation undone",
                                                        company=line.company_id)
        self.env["finance.reconcile.matcher"]._match(self, auto=False)
        return True
