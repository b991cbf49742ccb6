"""Split a statement line into parts, each settling an open item or written to an account.

Done the Odoo way: the line's journal entry gets one counterpart per part in place of its suspense
item (``finance.reconcile.writer._reconcile``), each item part is reconciled with its open item;
"Reset" (Odoo's undo) gives the line back as imported.
"""
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

from ..models.reconcile_suggestion import RECONCILE_GROUP


class FinanceReconcileSplit(models.TransientModel):
    _name = "finance.reconcile.split"
    _description = "Split a statement line"

    statement_line_id = fields.Many2one("account.bank.statement.line", required=True, readonly=True)
    company_id = fields.Many2one(related="statement_line_id.company_id")
    currency_id = fields.Many2one("res.currency", compute="_compute_amounts")
    amount = fields.Monetary(compute="_compute_amounts", string="Line amount")
    remaining = fields.Monetary(compute="_compute_amounts", help="Line amount not given to a part yet.")
    part_ids = fields.One2many("finance.reconcile.split.part", "split_id", string="Parts")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.bank.statement.line" and "statement_line_id" in fields_list:
            res.setdefault("statement_line_id", self.env.context.get("active_id"))
        return res

    @api.depends("statement_line_id", "part_ids.amount")
    def _compute_amounts(self):
        for split in self:
            line = split.statement_line_id
            split.currency_id = line.foreign_currency_id or line.currency_id
            split.amount = line.amount_currency if line.foreign_currency_id else line.amount
            split.remaining = split.currency_id.round(split.amount - sum(split.part_ids.mapped("amount")))

    def _check_parts(self):
        """Clear refusals naming the part: the sum, an empty or doubled part, an item that does not fit."""
        line = self.statement_line_id
        currency = self.currency_id
        if not self.part_ids:
            raise UserError(_("Add the parts of line %s.", line.display_name))
        if not currency.is_zero(self.remaining):
            raise UserError(_("The parts of line %(line)s add up to %(parts)s, the line is %(amount)s: "
                              "%(rest)s is not given to a part.", line=line.display_name,
                              parts=currency.round(self.amount - self.remaining), amount=self.amount,
                              rest=self.remaining))
        seen = set()
        for position, part in enumerate(self.part_ids, start=1):
            where = _("Part %(n)s (%(amount)s)", n=position, amount=part.amount)
            if currency.is_zero(part.amount):
                raise UserError(_("%s: the amount is zero.", where))
            if bool(part.move_line_id) == bool(part.account_id):
                raise UserError(_("%s: choose either an open item or an account.", where))
            item = part.move_line_id.sudo()
            if item:
                if item.id in seen:
                    raise UserError(_("%(w)s: item %(i)s is in two parts.", w=where, i=item.display_name))
                seen.add(item.id)
                if item.company_id != line.company_id or item.parent_state != "posted" or item.reconciled \
                        or not item.account_id.reconcile or item.statement_line_id:
                    raise UserError(_("%(w)s: %(i)s is not an open item of %(c)s.", w=where, i=item.display_name,
                                      c=line.company_id.name))
                if item.currency_id != currency:
                    raise UserError(_("%(w)s: %(i)s is in %(ic)s, the line in %(lc)s.", w=where,
                                      i=item.display_name, ic=item.currency_id.name, lc=currency.name))
                residual = item.amount_residual_currency
                if (part.amount > 0) != (residual > 0) or currency.compare_amounts(abs(part.amount),
                                                                                   abs(residual)) > 0:
                    raise UserError(_("%(w)s: %(i)s has %(r)s open.", w=where, i=item.display_name, r=residual))
            elif line.company_id not in part.account_id.sudo().company_ids \
                    or part.account_id.account_type in ("asset_cash", "liability_credit_card"):
                raise UserError(_("%(w)s: account %(a)s cannot take a part of this line.", w=where,
                                  a=part.account_id.display_name))

    @decides
    def action_split(self):
        """Write the parts: one counterpart each, items reconciled, the line reconciled."""
        check_button(self, RECONCILE_GROUP)
        self.ensure_one()
        line = self.statement_line_id
        line.check_access("read")   # the button group is the authorisation (see RECONCILE_GROUP)
        self.part_ids.move_line_id.check_access("read")
        if line.is_reconciled or line.sudo()._seek_for_lines()[2]:
            raise UserError(_("Line %s is already reconciled: reset it first.", line.display_name))
        self._check_parts()
        items = [(part.move_line_id.sudo(), Decimal(str(part.amount))) for part in self.part_ids if part.move_line_id]
        accounts = [(part.account_id.sudo(), Decimal(str(part.amount)), part.label or False)
                    for part in self.part_ids if part.account_id]
        self.env["finance.reconcile.writer"].sudo()._reconcile(line.sudo(), items, account_parts=accounts)
        line.finance_suggestion_ids.sudo().filtered(lambda s: s.state == "suggested").unlink()
        self.env["finance.audit.event"].sudo()._log(
            "reconcile.split", record=line, company=line.company_id,
            summary=f"{line.display_name}: split in {len(self.part_ids)} parts"[:250],
            payload={"parts": [{"amount": str(p.amount), "item": p.move_line_id.id or None,
                                "account": p.account_id.id or None, "label": p.label or ""} for p in self.part_ids]})
        return {"type": "ir.actions.act_window_close"}


class FinanceReconcileSplitPart(models.TransientModel):
    _name = "finance.reconcile.split.part"
    _description = "Part of a split statement line"

    split_id = fields.Many2one("finance.reconcile.split", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="split_id.company_id")
    currency_id = fields.Many2one(related="split_id.currency_id")
    amount = fields.Monetary(required=True)
    move_line_id = fields.Many2one(
        "account.move.line", string="Open item",
        domain="[('company_id', '=', company_id), ('parent_state', '=', 'posted'), ('reconciled', '=', False),"
               " ('account_id.reconcile', '=', True), ('statement_line_id', '=', False),"
               " ('amount_residual_currency', '!=', 0)]")
    account_id = fields.Many2one(
        "account.account", string="Or account",
        domain="[('account_type', 'not in', ('asset_cash', 'liability_credit_card'))]")
    label = fields.Char()

    @api.onchange("move_line_id")
    def _onchange_move_line_id(self):
        """An item picked with no amount yet takes what is still open on it, up to the rest."""
        if self.move_line_id and not self.amount:
            residual = self.move_line_id.amount_residual_currency
            rest = self.split_id.remaining
            self.amount = residual if abs(residual) <= abs(rest) or not rest else rest
