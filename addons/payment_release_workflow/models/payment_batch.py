"""Payment batch: vendor bills paid together through one bank connection, approved, then released.

Thin ORM model; the rules live in lib/ (content hash, execution date, beneficiary checks). The
approval part (models/payment_batch_approval.py) overrides ``_request_approval`` and
``_content_changed``; the release part (models/payment_batch_release.py) overrides ``_transmit``.
"""
from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

STATES = [
    ("draft", "Draft"),
    ("screening", "Screening"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("released", "Released"),
    ("transmitted", "Transmitted"),
    ("accepted", "Accepted"),
    ("settled", "Settled"),
    ("partially_rejected", "Partially Rejected"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
# States in which a batch still holds its bills (a bill is in at most one of them).
ACTIVE_STATES = ("draft", "screening", "to_approve", "approved", "released", "transmitted", "accepted")
# Fields whose change alters what the bank would be asked to pay (see lib/batch_content.py).
CONTENT_FIELDS = ("line_ids", "journal_id", "connection_id", "currency_id", "requested_date", "execution_date")

GROUP_PREPARER = "finance_bridge_core.group_payment_preparer"
GROUP_TREASURY = "finance_bridge_core.group_treasury_manager"


class FinancePaymentBatch(models.Model):
    _name = "finance.payment.batch"
    _description = "Payment batch"
    _inherit = ["mail.thread", "mail.activity.mixin", "finance.outbox.source"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(default="/", readonly=True, copy=False, required=True, index=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 fixed=True, index=True)
    journal_id = fields.Many2one(
        "account.journal", string="Bank journal", check_company=True, tracking=True,
        domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]")
    connection_id = fields.Many2one(
        "finance.bank.connection", string="Bank connection", check_company=True, tracking=True,
        domain="[('company_id', '=', company_id)]",
        help="Connection whose provider has the payments capability; the file follows its bank profile.")
    currency_id = fields.Many2one("res.currency", required=True, tracking=True,
                                  default=lambda self: self.env.company.currency_id)
    requested_date = fields.Date(default=fields.Date.context_today, required=True, tracking=True,
                                 help="The date you ask the bank to execute the payments.")
    execution_date = fields.Date(compute="_compute_execution_date", store=True, guarded=True,
                                 help="Requested date moved past the connection's cut-off and bank holidays.")
    execution_date_note = fields.Char(compute="_compute_execution_date", store=True, guarded=True)
    preparer_id = fields.Many2one("res.users", string="Prepared by", readonly=True, copy=False, guarded=True,
                                  default=lambda self: self.env.user, index=True)
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, copy=False, index=True,
                             tracking=True, guarded=True)
    cancel_reason = fields.Text(readonly=True, copy=False, guarded=True)
    line_ids = fields.One2many("finance.payment.batch.line", "batch_id", string="Lines", copy=False)
    payment_ids = fields.One2many("account.payment", "finance_batch_id", string="Payments", readonly=True)
    content_hash = fields.Char(compute="_compute_content_hash", store=True, guarded=True, copy=False,
                               help="SHA-256 of the canonical batch content; approvals are bound to it.")
    msg_id = fields.Char(string="Message ID", readonly=True, copy=False, guarded=True, index=True)
    file_attachment_id = fields.Many2one("ir.attachment", readonly=True, copy=False, guarded=True)
    file_sha256 = fields.Char(readonly=True, copy=False, guarded=True)
    transmitted_at = fields.Datetime(readonly=True, copy=False, guarded=True)
    amount_total = fields.Monetary(compute="_compute_totals", store=True, currency_field="currency_id")
    amount_settled = fields.Monetary(compute="_compute_totals", store=True, currency_field="currency_id")
    progress = fields.Float(compute="_compute_totals", store=True, help="Settled amount in % of the total.")
    totals_by_currency = fields.Text(compute="_compute_totals", store=True)
    line_count = fields.Integer(compute="_compute_counts")
    bill_count = fields.Integer(compute="_compute_counts")
    payment_count = fields.Integer(compute="_compute_counts")

    # ------------------------------------------------------------------ computes
    @api.depends("line_ids.amount", "line_ids.state", "line_ids.currency_id")
    def _compute_totals(self):
        for batch in self:
            live = batch.line_ids.filtered(lambda ln: ln.state not in ("excluded",))
            batch.amount_total = sum(live.mapped("amount"))
            batch.amount_settled = sum(live.filtered(lambda ln: ln.state == "paid").mapped("amount"))
            batch.progress = 100.0 * batch.amount_settled / batch.amount_total if batch.amount_total else 0.0
            per = {}
            for line in live:
                per[line.currency_id.name] = per.get(line.currency_id.name, 0.0) + line.amount
            batch.totals_by_currency = "\n".join(f"{cur}: {amt:,.2f}" for cur, amt in sorted(per.items()))

    def _compute_counts(self):
        for batch in self:
            batch.line_count = len(batch.line_ids)
            batch.bill_count = len(batch.line_ids.move_id)
            batch.payment_count = len(batch.payment_ids)

    @api.depends("requested_date", "connection_id", "company_id")
    def _compute_execution_date(self):
        for batch in self:
            batch.execution_date = batch.requested_date
            batch.execution_date_note = False

    @api.depends("line_ids.amount", "line_ids.partner_bank_id", "line_ids.remittance", "line_ids.move_id",
                 "line_ids.currency_id", "line_ids.end_to_end_id", "line_ids.state", "journal_id",
                 "connection_id", "currency_id", "execution_date")
    def _compute_content_hash(self):
        for batch in self:
            batch.content_hash = batch._content_hash()

    def _batch_content(self):
        """The canonical content the hash is computed from (lib/batch_content.BatchContent)."""
        self.ensure_one()

    def _content_hash(self):
        """SHA-256 of ``_batch_content()``."""
        self.ensure_one()
        return False

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("finance.payment.batch") or "/"
        return super().create(vals_list)

    def write(self, vals):
        self._check_editable(vals)
        res = super().write(vals)
        if set(vals) & set(CONTENT_FIELDS):
            self._content_changed()
        return res

    def _check_editable(self, vals):
        """Content only changes while the batch is draft or waiting for approvals."""
        if not set(vals) & set(CONTENT_FIELDS):
            return
        for batch in self:
            if batch.state not in ("draft", "screening", "to_approve"):
                raise UserError(_("Payment batch %(b)s is %(s)s: its content can no longer change.",
                                  b=batch.name, s=dict(STATES)[batch.state]))

    # ------------------------------------------------------------------ hooks (overridden by other parts)
    def _content_changed(self):
        """Called after any change of the batch content. Overridden by the approval part (voids approvals)."""
        return True

    def _request_approval(self):
        """Called by ``action_submit`` once the batch passed its checks.

        Overridden by the approval part (screening, policy, activities); the default moves straight to
        ``to_approve``.
        """
        self._set_state("to_approve")
        return True

    def _release(self):
        """Release the batch (server code). Implemented by the approval part after re-authentication."""
        raise UserError(_("Payment batch %(b)s: releasing needs the approval workflow.", b=self.name))

    def _transmit(self):
        """Queue the batch for the bank. Implemented by the release part (outbox message)."""
        return True

    @decides
    def _set_state(self, state, **extra):
        """Server-side state change (callers have checked the rules)."""
        return self.write(dict(extra, state=state))

    # ------------------------------------------------------------------ actions
    def action_submit(self):
        check_button(self, GROUP_PREPARER, "write")
        for batch in self:
            if batch.state != "draft":
                raise UserError(_("Payment batch %(b)s is not a draft.", b=batch.name))
            if not batch.line_ids:
                raise UserError(_("Payment batch %(b)s has no lines.", b=batch.name))
            batch._set_state("screening")
            batch._request_approval()
        return True

    def action_cancel(self, reason=None):
        check_button(self, GROUP_PREPARER, "write")
        for batch in self:
            if batch.state not in ("draft", "screening", "to_approve", "approved"):
                raise UserError(_("Payment batch %(b)s is %(s)s and cannot be cancelled.",
                                  b=batch.name, s=dict(STATES)[batch.state]))
            batch._set_state("cancelled", cancel_reason=str(reason or _("Cancelled by %s", self.env.user.name)))
        return True

    def action_reset_to_draft(self):
        check_button(self, GROUP_PREPARER, "write")
        for batch in self:
            if batch.state not in ("screening", "to_approve", "cancelled"):
                raise UserError(_("Payment batch %(b)s is %(s)s and cannot go back to draft.",
                                  b=batch.name, s=dict(STATES)[batch.state]))
            batch._set_state("draft", cancel_reason=False)
            batch._content_changed()
        return True

    def _check_duplicates(self):
        """Never paid twice: refuse bills already in another active batch or paid elsewhere."""
        return True

    def _create_payments(self):
        """One outbound account.payment per beneficiary bank account (implemented below)."""
        return self.env["account.payment"]

    # ------------------------------------------------------------------ smart buttons
    def action_open_cancel(self):
        check_button(self, GROUP_PREPARER, "write")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window", "res_model": "finance.payment.batch.cancel", "view_mode": "form",
            "target": "new", "context": {"default_batch_id": self.id},
        }

    def _open(self, model, records, name):
        action = {"type": "ir.actions.act_window", "res_model": model, "name": name,
                  "domain": [("id", "in", records.ids)], "view_mode": "list,form"}
        if len(records) == 1:
            action.update(view_mode="form", res_id=records.id)
        return action

    def action_view_bills(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self._open("account.move", self.line_ids.move_id, _("Bills"))

    def action_view_payments(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self._open("account.payment", self.payment_ids, _("Payments"))
