"""Exceptions of payments: one list of what needs a person, with age, owner and reason.

A read-only SQL view over batch lines (rejected, returned, bank details to verify, screening holds)
and batches whose transmission is stuck (released but not sent within the hour, or a dead letter).
"Re-propose" puts a rejected or returned payment's bill into a new draft batch, for the full open
amount of the bill, to go through screening and approvals again.
"""
import uuid

from odoo import Command, _, api, fields, models, tools
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

GROUP_PREPARER = "finance_bridge_core.group_payment_preparer"
KINDS = [("rejected", "Rejected"), ("returned", "Returned"), ("bank_details_to_verify", "Bank details to verify"),
         ("screening_hold", "Screening hold"), ("stuck", "Stuck transmission")]


class FinancePaymentException(models.Model):
    _name = "finance.payment.exception"
    _description = "Payment exception"
    _auto = False
    _order = "since"

    kind = fields.Selection(KINDS, readonly=True)
    batch_id = fields.Many2one("finance.payment.batch", readonly=True)
    line_id = fields.Many2one("finance.payment.batch.line", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Beneficiary", readonly=True)
    move_id = fields.Many2one("account.move", string="Bill", readonly=True)
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", readonly=True)
    owner_id = fields.Many2one("res.users", string="Owner", readonly=True)
    reason = fields.Char(readonly=True)
    since = fields.Datetime(readonly=True)
    age_days = fields.Integer(string="Age (days)", compute="_compute_age_days")
    reproposed = fields.Boolean(readonly=True)

    @api.model
    def _search(self, domain, *args, **kwargs):
        """The view reads the lines' and batches' tables: write their pending changes first."""
        for model in ("finance.payment.batch.line", "finance.payment.batch", "finance.outbox.message"):
            self.env[model].flush_model()
        return super()._search(domain, *args, **kwargs)

    def _compute_age_days(self):
        now = fields.Datetime.now()
        for row in self:
            row.age_days = (now - row.since).days if row.since else 0

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE VIEW {self._table} AS (
                SELECT l.id * 2 AS id, l.state AS kind, l.batch_id, l.id AS line_id, b.company_id,
                       l.partner_id, l.move_id, l.amount, l.currency_id, b.preparer_id AS owner_id,
                       l.status_reason AS reason, l.write_date AS since,
                       (l.reproposed_batch_id IS NOT NULL) AS reproposed
                  FROM finance_payment_batch_line l
                  JOIN finance_payment_batch b ON b.id = l.batch_id
                 WHERE l.state IN ('rejected', 'returned', 'bank_details_to_verify', 'screening_hold')
                   AND b.state != 'cancelled'
                UNION ALL
                SELECT b.id * 2 + 1, 'stuck', b.id, NULL, b.company_id, NULL, NULL, b.amount_total, b.currency_id,
                       b.preparer_id, COALESCE(m.state || ': ' || m.last_error, 'not sent yet'),
                       COALESCE(m.create_date, b.write_date), FALSE
                  FROM finance_payment_batch b
                  LEFT JOIN finance_outbox_message m ON m.id = b.outbox_message_id
                 WHERE b.state = 'released'
                   AND (m.state = 'dead' OR COALESCE(m.create_date, b.write_date)
                        < (now() AT TIME ZONE 'UTC') - interval '1 hour')
            )""")

    def action_repropose(self):
        """Put the bill of a rejected/returned payment into a new draft batch (one click)."""
        check_button(self, GROUP_PREPARER)
        lines = self.line_id
        if not lines or any(row.kind not in ("rejected", "returned") for row in self):
            raise UserError(_("Only rejected or returned payments can be proposed again."))
        return lines._repropose()


class FinancePaymentBatchLineRepropose(models.Model):
    _inherit = "finance.payment.batch.line"

    reproposed_batch_id = fields.Many2one("finance.payment.batch", string="Re-proposed in", readonly=True,
                                          copy=False)

    def action_repropose(self):
        check_button(self, GROUP_PREPARER)
        return self._repropose()

    def _repropose(self):
        """A new draft batch per source batch with these lines' bills, for what is still open on them."""
        new_batches = self.env["finance.payment.batch"]
        for batch, lines in self.grouped("batch_id").items():
            commands = []
            for line in lines:
                if line.state not in ("rejected", "returned"):
                    raise UserError(_("Batch %(b)s, bill %(m)s: only rejected or returned payments can be "
                                      "proposed again (it is %(s)s).", b=batch.name, m=line.move_id.name,
                                      s=line.state))
                if line.reproposed_batch_id:
                    raise UserError(_("Batch %(b)s, bill %(m)s was proposed again in %(n)s already.",
                                      b=batch.name, m=line.move_id.name, n=line.reproposed_batch_id.name))
                bill = line.move_id
                open_amount = min(line.amount, abs(bill.amount_residual)) if bill.amount_residual else 0.0
                if line.currency_id.is_zero(open_amount):
                    raise UserError(_("Bill %(m)s has nothing left to pay.", m=bill.name))
                commands.append(Command.create({
                    "move_id": bill.id, "partner_id": line.partner_id.id, "partner_bank_id": line.partner_bank_id.id,
                    "amount": open_amount, "currency_id": line.currency_id.id, "remittance": line.remittance,
                    "end_to_end_id": "E2E" + uuid.uuid4().hex[:29].upper()}))
            new = self.env["finance.payment.batch"].create({
                "company_id": batch.company_id.id, "journal_id": batch.journal_id.id,
                "connection_id": batch.connection_id.id, "currency_id": batch.currency_id.id,
                "line_ids": commands})
            lines.sudo().write({"reproposed_batch_id": new.id})
            self.env["finance.payment.exception"].invalidate_model(["reproposed"])
            new.message_post(body=_("Proposed again from %(b)s (rejected or returned payments).", b=batch.name))
            new_batches |= new
        action = {"type": "ir.actions.act_window", "res_model": "finance.payment.batch", "name": _("Re-proposed"),
                  "view_mode": "form" if len(new_batches) == 1 else "list,form"}
        if len(new_batches) == 1:
            action["res_id"] = new_batches.id
        else:
            action["domain"] = [("id", "in", new_batches.ids)]
        return action
