"""Manual reconciliation: pick open items (search by partner, amount, reference) and/or a rule."""
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

from ..models.reconcile_suggestion import RECONCILE_GROUP


class FinanceReconcileManual(models.TransientModel):
    _name = "finance.reconcile.manual"
    _description = "Reconcile a statement line by hand"

    statement_line_id = fields.Many2one("account.bank.statement.line", required=True, readonly=True)
    company_id = fields.Many2one(related="statement_line_id.company_id")
    amount = fields.Monetary(related="statement_line_id.amount", currency_field="currency_id")
    currency_id = fields.Many2one(related="statement_line_id.currency_id")
    move_line_ids = fields.Many2many(
        "account.move.line", string="Open items",
        domain="[('company_id', '=', company_id), ('parent_state', '=', 'posted'), ('reconciled', '=', False),"
               " ('account_id.reconcile', '=', True), ('statement_line_id', '=', False),"
               " ('amount_residual_currency', '!=', 0)]")
    rule_id = fields.Many2one("finance.reconcile.rule", string="Write off with rule",
                              domain="[('company_id', '=', company_id)]")
    writeoff_account_id = fields.Many2one(
        "account.account", string="Rest to account",
        domain="[('account_type', 'not in', ('asset_cash', 'liability_credit_card'))]")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.bank.statement.line" and "statement_line_id" in fields_list:
            res.setdefault("statement_line_id", self.env.context.get("active_id"))
        return res

    @decides
    def action_reconcile(self):
        """Settle the picked items with the line; the rest to the rule's / chosen account or suspense."""
        check_button(self, RECONCILE_GROUP)
        self.ensure_one()
        line = self.statement_line_id
        line.check_access("read")   # the button group is the authorisation (see RECONCILE_GROUP)
        self.move_line_ids.check_access("read")
        if not self.move_line_ids and not self.rule_id and not self.writeoff_account_id:
            raise UserError(_("Pick open items, a rule or an account for line %s.", line.display_name))
        if line.is_reconciled:
            raise UserError(_("Line %s is already reconciled.", line.display_name))
        # The views' domains are not a check: a client may send another company's rule or account.
        if self.rule_id and self.rule_id.company_id != line.company_id:
            raise UserError(_("Rule %s belongs to another company.", self.rule_id.display_name))
        account = self.writeoff_account_id.sudo()
        if account and line.company_id not in account.company_ids:
            raise UserError(_("Account %s is not an account of %s.", account.display_name,
                              line.company_id.name))
        remaining = Decimal(str(line.amount_currency if line.foreign_currency_id else line.amount))
        allocations = []
        for aml in self.move_line_ids.sorted(lambda a: (a.date_maturity or a.date, a.id)):
            residual = Decimal(str(aml.amount_residual_currency))
            if not remaining or (residual > 0) != (remaining > 0):
                continue
            # With a rule or an account for the rest, every picked item is settled in full.
            full = self.rule_id or self.writeoff_account_id
            part = residual if full or abs(residual) <= abs(remaining) else remaining
            allocations.append((aml.id, part))
            remaining -= part
        Suggestion = self.env["finance.reconcile.suggestion"].sudo()
        if self.rule_id:
            Suggestion._reconcile_line(line, allocations, "account", self.rule_id.id)
        else:
            pairs = [(self.env["account.move.line"].sudo().browse(a), amount) for a, amount in allocations]
            self.env["finance.reconcile.writer"].sudo()._reconcile(
                line.sudo(), pairs, self.writeoff_account_id.sudo() or None, _("Write-off"))
        line.finance_suggestion_ids.sudo().filtered(lambda s: s.state == "suggested").unlink()
        self.env["finance.audit.event"].sudo()._log(
            "reconcile.manual", record=line, company=line.company_id,
            summary=f"{line.display_name}: {len(allocations)} open items by hand"[:250])
        return {"type": "ir.actions.act_window_close"}
