"""Propose payments: collect the vendor bills due (or still in their discount period) into a batch.

Bills are taken in due-date order — posted, not paid, not partly paid elsewhere and in no active
batch — until the maximum amount is reached. A bill whose early-payment discount date lies between
today and the horizon is proposed at its discounted amount.
"""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

GROUP_PREPARER = "finance_bridge_core.group_payment_preparer"


class FinancePaymentPropose(models.TransientModel):
    _name = "finance.payment.propose"
    _description = "Propose payments"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    due_date = fields.Date(string="Due until", required=True,
                           default=lambda self: fields.Date.context_today(self) + timedelta(days=7),
                           help="Bills due on or before this date are proposed.")
    use_discounts = fields.Boolean(string="Early-payment discounts", default=True,
                                   help="Also propose bills whose early-payment discount date is between today and "
                                        "the due date, at their discounted amount.")
    journal_id = fields.Many2one("account.journal", check_company=True,
                                 domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]")
    connection_id = fields.Many2one("finance.bank.connection", check_company=True,
                                    domain="[('company_id', '=', company_id)]")
    currency_id = fields.Many2one("res.currency", help="Only bills in this currency (empty: all).")
    partner_ids = fields.Many2many("res.partner", string="Vendors", help="Only these vendors (empty: all).")
    max_amount = fields.Monetary(currency_field="max_currency_id",
                                 help="Stop adding bills above this total (0: no limit).")
    max_currency_id = fields.Many2one("res.currency", compute="_compute_max_currency_id")
    requested_date = fields.Date(default=fields.Date.context_today, required=True)

    @api.depends("currency_id", "company_id")
    def _compute_max_currency_id(self):
        for wizard in self:
            wizard.max_currency_id = wizard.currency_id or wizard.company_id.currency_id

    def _candidates(self):
        """[(bill, amount)] in due-date order, within the horizon, the filters and the maximum."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        domain = [("company_id", "=", self.company_id.id), ("move_type", "in", ("in_invoice", "in_receipt")),
                  ("state", "=", "posted"), ("payment_state", "=", "not_paid")]
        if self.currency_id:
            domain.append(("currency_id", "=", self.currency_id.id))
        if self.partner_ids:
            domain.append(("commercial_partner_id", "in", self.partner_ids.commercial_partner_id.ids))
        bills = self.env["account.move"].search(domain, order="invoice_date_due, id")
        held = self.env["finance.payment.batch.line"].search([("move_id", "in", bills.ids)])
        held = held.filtered(lambda ln: ln.batch_id.state in ("draft", "screening", "to_approve", "approved",
                                                               "released", "transmitted", "accepted")
                             and ln.state not in ("excluded", "rejected", "returned")).move_id
        chosen, total = [], 0.0
        for bill in bills - held:
            amount = abs(bill.amount_residual)
            terms = bill.line_ids.filtered(lambda ln: ln.display_type == "payment_term")
            discount = terms.filtered(lambda ln: ln.discount_date and today <= ln.discount_date <= self.due_date)
            if self.use_discounts and discount and bill.currency_id.is_zero(
                    abs(bill.amount_residual) - abs(bill.amount_total)):
                amount = abs(sum(discount.mapped("discount_amount_currency")))
            elif not bill.invoice_date_due or bill.invoice_date_due > self.due_date:
                continue
            if bill.currency_id.is_zero(amount):
                continue
            counted = bill.currency_id._convert(amount, self.max_currency_id, self.company_id, today)
            if self.max_amount and total + counted > self.max_amount:
                continue
            total += counted
            chosen.append((bill, bill.currency_id.round(amount)))
        return chosen

    def action_propose(self):
        check_button(self, GROUP_PREPARER, "write")
        self.ensure_one()
        chosen = self._candidates()
        if not chosen:
            raise UserError(_("No vendor bill is due until %(d)s with these filters (or all are already in a "
                              "batch).", d=self.due_date))
        bills = self.env["account.move"].union(*(bill for bill, _amount in chosen))
        batch = self.env["finance.payment.batch"]._new_for_bills(
            bills, journal_id=self.journal_id.id, connection_id=self.connection_id.id,
            currency_id=self.currency_id.id, requested_date=self.requested_date)
        batch.write({"line_ids": [fields.Command.create({"move_id": bill.id, "amount": amount})
                                  for bill, amount in chosen]})
        return {"type": "ir.actions.act_window", "res_model": "finance.payment.batch", "res_id": batch.id,
                "view_mode": "form", "name": batch.name}
