"""Per-journal switch for automatic reconciliation, and the review counters."""
from odoo import _, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button

from .reconcile_suggestion import RECONCILE_GROUP


class AccountJournal(models.Model):
    _inherit = "account.journal"

    finance_auto_reconcile = fields.Boolean(
        string="Reconcile automatically at import", default=False,
        help="Lines matched at or above the threshold are reconciled when they are imported.")
    finance_match_threshold = fields.Integer(string="Own threshold", help="0: the company's threshold.")
    finance_count_matched = fields.Integer(compute="_compute_finance_counts", string="Reconciled")
    finance_count_suggested = fields.Integer(compute="_compute_finance_counts", string="With suggestions")
    finance_count_unmatched = fields.Integer(compute="_compute_finance_counts", string="Unmatched")

    def _compute_finance_counts(self):
        Line = self.env["account.bank.statement.line"]
        domain = [("journal_id", "in", self.ids)]
        matched = dict(Line._read_group([*domain, ("is_reconciled", "=", True)], ["journal_id"], ["__count"]))
        open_ = dict(Line._read_group([*domain, ("is_reconciled", "=", False)], ["journal_id"], ["__count"]))
        suggested = dict(Line._read_group([*domain, ("is_reconciled", "=", False),
                                                    ("finance_suggestion_ids.state", "=", "suggested")],
                                          ["journal_id"], ["__count"]))
        for journal in self:
            journal.finance_count_matched = matched.get(journal, 0)
            journal.finance_count_suggested = suggested.get(journal, 0)
            journal.finance_count_unmatched = open_.get(journal, 0) - suggested.get(journal, 0)

    def action_finance_reconcile(self):
        """Open the review screen of this journal."""
        check_button(self, RECONCILE_GROUP)
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "bank_reconciliation_matching.action_finance_reconcile_lines")
        action["domain"] = [("journal_id", "=", self.id)]
        action["context"] = {"search_default_to_review": 1, "default_journal_id": self.id}
        action["name"] = _("Reconcile %s", self.display_name)
        return action

    def action_finance_match(self):
        """Match every unreconciled line of the journal now (suggestions; automatic where allowed)."""
        check_button(self, RECONCILE_GROUP)
        lines = self.env["account.bank.statement.line"].search([("journal_id", "in", self.ids),
                                                                ("is_reconciled", "=", False)])
        counts = self.env["finance.reconcile.matcher"]._match(lines, auto=True)
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"message": self.env["finance.reconcile.matcher"]._explain_counts(counts),
                           "type": "info", "next": {"type": "ir.actions.act_window_close"}}}
