"""Payment batch: vendor bills paid together through one bank connection, approved, then released.

Thin ORM model; the rules live in lib/ (content hash, execution date, beneficiary checks). The
approval part (models/payment_batch_approval.py) overrides ``_request_approval`` and
``_content_changed``; the release part (models/payment_batch_release.py) overrides ``_transmit``.
"""
from datetime import datetime, timedelta
from decimal import Decimal

import pytz

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError

from ..lib.batch_content import BatchContent, ContentLine, content_hash, normalise_account
from ..lib.execution_date import execution_date as next_execution_date

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
# Line states that stay out of the bank file (and out of the content hash).
OUT_OF_FILE = ("bank_details_to_verify", "excluded")
# Line states that no longer hold their bill (it may be proposed again).
RELEASED_BILL = ("excluded", "rejected", "returned")
# A batch released this many days ago still counts for the duplicate guard (same account, amount, reference).
DUPLICATE_WINDOW_DAYS = 30

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
    execution_date = fields.Date(readonly=True, copy=False, guarded=True, tracking=True,
                                 help="Requested date moved past the connection's cut-off, weekends and bank "
                                      "holidays (lib/execution_date.py); set by the server, shown before approval.")
    execution_date_note = fields.Char(readonly=True, copy=False, guarded=True)
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
    outbox_count = fields.Integer(compute="_compute_counts")
    status_event_count = fields.Integer(compute="_compute_counts")
    audit_count = fields.Integer(compute="_compute_counts")

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
        # Counted as superuser: an approver without invoicing rights still opens the batch (the
        # smart buttons' lists keep their own access rules).
        for batch in self:
            privileged = batch.sudo()
            batch.line_count = len(privileged.line_ids)
            batch.bill_count = len(privileged.line_ids.move_id)
            batch.payment_count = len(privileged.payment_ids)
            batch.outbox_count = len(batch._outbox_messages())
            batch.status_event_count = len(batch._status_events())
            batch.audit_count = len(batch._audit_events())

    def _outbox_messages(self):
        return self.env["finance.outbox.message"].search([("res_model", "=", self._name), ("res_id", "in", self.ids)])

    def _status_events(self):
        """Status events of the batch: by its MsgId or by the end-to-end ids of its lines."""
        e2e = self.line_ids.mapped("end_to_end_id")
        msg_ids = [m for m in self.mapped("msg_id") if m]
        if not e2e and not msg_ids:
            return self.env["finance.status.event"]
        return self.env["finance.status.event"].search(
            ["|", ("msg_id", "in", msg_ids), ("end_to_end_id", "in", e2e), ("company_id", "in", self.company_id.ids)])

    def _audit_events(self):
        return self.env["finance.audit.event"].search([("model", "=", self._name), ("res_id", "in", self.ids)])

    # ------------------------------------------------------------------ execution date
    def _execution_date_result(self, now=None):
        """lib/execution_date result for this batch (cut-off in the company's time zone)."""
        self.ensure_one()
        conn = self.connection_id.sudo()
        tz = pytz.timezone(self.company_id.partner_id.tz or self.env.user.tz or "UTC")
        now_local = (now or datetime.now(pytz.utc)).astimezone(tz).replace(tzinfo=None)
        calendar = conn.payment_holiday_calendar_id if conn else self.env.ref(
            "payment_release_workflow.calendar_target2", raise_if_not_found=False)
        closed = calendar._closed_dates() if calendar else set()
        cutoff = conn.payment_cutoff_time if conn else 24 - 1 / 60
        return next_execution_date(self.requested_date or now_local.date(), now_local, cutoff, closed)

    @decides
    def _update_execution_date(self, now=None):
        """Recompute the execution date (server side: on create, date/connection change and submit)."""
        for batch in self:
            result = batch._execution_date_result(now)
            note = _("Moved from %(r)s: %(why)s", r=result.requested, why="; ".join(result.reasons)) \
                if result.moved else False
            if batch.execution_date != result.date or batch.execution_date_note != note:
                super(FinancePaymentBatch, batch).write({"execution_date": result.date, "execution_date_note": note})
        return True

    def _check_execution_date_allowed(self, now=None):
        """With "refuse" set on the connection, a date that would move is refused instead."""
        for batch in self:
            result = batch._execution_date_result(now)
            if result.moved and batch.connection_id.sudo().payment_refuse_non_business_day:
                raise UserError(_(
                    "Payment batch %(b)s: the bank cannot execute on %(d)s (%(why)s) and connection %(c)s refuses "
                    "to move it. Choose %(next)s or later as the requested date.",
                    b=batch.name, d=result.requested, why="; ".join(result.reasons), c=batch.connection_id.name,
                    next=result.date))

    # ------------------------------------------------------------------ content and hash
    @api.depends("line_ids.amount", "line_ids.partner_bank_id", "line_ids.partner_bank_id.acc_number",
                 "line_ids.partner_bank_id.bank_id.bic", "line_ids.partner_id.name", "line_ids.remittance",
                 "line_ids.move_id", "line_ids.currency_id", "line_ids.end_to_end_id", "line_ids.state",
                 "journal_id", "connection_id", "currency_id", "execution_date", "company_id")
    def _compute_content_hash(self):
        for batch in self:
            batch.content_hash = batch._content_hash() if batch.id else False

    def _file_lines(self):
        """Lines that go into the bank file."""
        return self.line_ids.filtered(lambda ln: ln.state not in OUT_OF_FILE)

    def _batch_content(self):
        """The canonical content the hash is computed from (lib/batch_content.BatchContent)."""
        self.ensure_one()
        batch = self.sudo()
        lines = tuple(ContentLine(
            end_to_end_id=line.end_to_end_id, bill=line.move_id.name or str(line.move_id.id),
            beneficiary=line.partner_id.name or "", account=line.partner_bank_id.acc_number or "",
            bic=line.partner_bank_id.bank_id.bic or "", amount=Decimal(str(line.amount)),
            currency=line.currency_id.name, decimals=line.currency_id.decimal_places,
            remittance=line.remittance or "",
        ) for line in batch._file_lines())
        journal = batch.journal_id
        return BatchContent(
            company=str(batch.company_id.id),
            journal=normalise_account(journal.bank_account_id.acc_number) or journal.code or "",
            connection=str(batch.connection_id.id or ""), currency=batch.currency_id.name or "",
            execution_date=batch.execution_date.isoformat() if batch.execution_date else "",
            lines=lines)

    def _content_hash(self):
        """SHA-256 of ``_batch_content()`` (lib/batch_content.content_hash)."""
        self.ensure_one()
        return content_hash(self._batch_content())

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code("finance.payment.batch") or "/"
        batches = super().create(vals_list)
        batches._check_journal_and_connection()
        batches._update_execution_date()
        return batches

    def write(self, vals):
        self._check_editable(vals)
        res = super().write(vals)
        if {"journal_id", "connection_id"} & set(vals):
            self._check_journal_and_connection()
        if {"requested_date", "connection_id"} & set(vals):
            self._update_execution_date()
        if set(vals) & set(CONTENT_FIELDS):
            self._content_changed()
        return res

    def _check_journal_and_connection(self):
        for batch in self:
            if batch.journal_id and batch.journal_id.type != "bank":
                raise UserError(_("Payment batch %(b)s: journal %(j)s is not a bank journal.",
                                  b=batch.name, j=batch.journal_id.name))
            conn = batch.connection_id.sudo()
            if conn and "payments" not in (conn.provider_capabilities or "").replace(" ", "").split(","):
                raise UserError(_("Payment batch %(b)s: connection %(c)s cannot send payments (its provider has "
                                  "no payments capability).", b=batch.name, c=conn.name))

    def _check_lines_editable(self):
        """Lines are added, changed or removed only while the batch waits for approval."""
        for batch in self:
            if batch.state not in ("draft", "screening", "to_approve"):
                raise UserError(_("Payment batch %(b)s is %(s)s: its lines can no longer change.",
                                  b=batch.name, s=dict(STATES)[batch.state]))

    def _check_editable(self, vals):
        """Content only changes while the batch is draft or waiting for approvals."""
        if not set(vals) & set(CONTENT_FIELDS):
            return
        for batch in self:
            if batch.state not in ("draft", "screening", "to_approve"):
                raise UserError(_("Payment batch %(b)s is %(s)s: its content can no longer change.",
                                  b=batch.name, s=dict(STATES)[batch.state]))

    @api.model
    def _payment_connections(self, company):
        """Active connections of ``company`` whose provider can send payments."""
        conns = self.env["finance.bank.connection"].search([("company_id", "=", company.id)])
        return conns.filtered(lambda c: "payments" in (c.provider_capabilities or "").replace(" ", "").split(","))

    @api.model
    def _new_for_bills(self, bills, **values):
        """A new draft batch for ``bills`` (one company), with the company's bank journal and connection."""
        company = bills.company_id[:1] or self.env.company
        journal = self.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)],
                                                     limit=1)
        currencies = bills.currency_id
        vals = {"company_id": company.id, "journal_id": journal.id,
                "connection_id": self._payment_connections(company)[:1].id,
                "currency_id": currencies.id if len(currencies) == 1 else company.currency_id.id}
        vals.update({k: v for k, v in values.items() if v})
        return self.with_company(company).create(vals)

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
        """Server-side state change (callers have checked the rules), in the audit trail with the content hash."""
        for batch in self:
            previous = batch.state
            batch.write(dict(extra, state=state))
            self.env["finance.audit.event"]._log(
                f"payment_batch.{state}", record=batch,
                summary=f"{batch.name}: {previous} -> {state}",
                payload={"from": previous, "to": state, "content_hash": batch.content_hash,
                         "amount_total": str(batch.amount_total), "reason": extra.get("cancel_reason") or ""})
        return True

    # ------------------------------------------------------------------ actions
    def action_submit(self):
        check_button(self, GROUP_PREPARER, "write")
        for batch in self:
            if batch.state != "draft":
                raise UserError(_("Payment batch %(b)s is not a draft.", b=batch.name))
            if not batch.journal_id or not batch.connection_id:
                raise UserError(_("Payment batch %(b)s needs a bank journal and a bank connection.", b=batch.name))
            batch._check_execution_date_allowed()
            batch._update_execution_date()
            batch._check_duplicates()
            batch.line_ids._check_beneficiaries()
            if not batch._file_lines():
                raise UserError(_("Payment batch %(b)s has no line that can be paid (all bank details to verify "
                                  "or excluded).", b=batch.name))
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

    # ------------------------------------------------------------------ never paid twice
    def _check_duplicates(self):
        """Never paid twice; raises a UserError naming every offending line.

        * a bill in another active batch, or twice in this one;
        * a bill paid, in payment, partly paid or reversed elsewhere, or a line above its residual;
        * the same beneficiary account + amount + reference in this batch, in another active batch or in one
          released in the last ``DUPLICATE_WINDOW_DAYS`` days.
        """
        problems = []
        for batch in self:
            lines = batch._file_lines()
            problems += lines._bill_problems()
            seen = {}
            for line in lines:
                key = line._duplicate_key()
                if key in seen:
                    problems.append(_("%(b)s: %(l1)s and %(l2)s pay the same account, amount and reference",
                                      b=batch.name, l1=seen[key].move_id.name, l2=line.move_id.name))
                seen[key] = line
            problems += batch._similar_payment_problems(lines)
        if problems:
            raise UserError(_("Possible double payment, nothing was submitted:\n%s", "\n".join(problems)))
        return True

    def _similar_payment_problems(self, lines):
        """Same account + amount + reference in another active or recently released batch."""
        self.ensure_one()
        if not lines:
            return []
        since = fields.Datetime.now() - timedelta(days=DUPLICATE_WINDOW_DAYS)
        others = self.env["finance.payment.batch.line"].sudo().search([
            ("batch_id", "!=", self.id), ("company_id", "=", self.company_id.id),
            ("partner_bank_id", "in", lines.partner_bank_id.ids),
            ("state", "not in", RELEASED_BILL + OUT_OF_FILE),
            "|", ("batch_id.state", "in", ACTIVE_STATES),
            "&", ("batch_id.state", "in", ("settled", "partially_rejected")), ("batch_id.write_date", ">=", since),
        ])
        index = {}
        for other in others:
            index.setdefault(other._duplicate_key(), other)
        return [_("%(b)s, bill %(m)s: %(o)s already pays %(amt)s %(cur)s to %(acc)s with reference %(ref)s",
                  b=self.name, m=line.move_id.name, o=index[line._duplicate_key()].batch_id.name,
                  amt=line.amount, cur=line.currency_id.name, acc=line.partner_bank_id.acc_number,
                  ref=line.remittance or "-")
                for line in lines if line._duplicate_key() in index]

    # ------------------------------------------------------------------ payments
    def _create_payments(self):
        """One outbound account.payment per beneficiary bank account (and currency) of the batch.

        Grouping: all file lines of the batch paying the same ``res.partner.bank`` in the same currency
        become one payment (amount = sum of the lines, memo = the bills' references); the lines point to
        it. Reconciliation with the bills happens on settlement (release part). Server code only.
        """
        payments = self.env["account.payment"]
        for batch in self:
            groups = {}
            for line in batch._file_lines().filtered(lambda ln: not ln.payment_id):
                groups.setdefault((line.partner_bank_id, line.currency_id), self.env["finance.payment.batch.line"])
                groups[(line.partner_bank_id, line.currency_id)] |= line
            vals_list = [{
                "payment_type": "outbound", "partner_type": "supplier",
                "partner_id": bank.partner_id.commercial_partner_id.id or lines[0].partner_id.id,
                "partner_bank_id": bank.id, "amount": sum(lines.mapped("amount")),
                "currency_id": currency.id, "journal_id": batch.journal_id.id,
                "date": batch.execution_date or fields.Date.context_today(batch),
                "memo": ", ".join(filter(None, lines.mapped("remittance")))[:140] or batch.name,
                "company_id": batch.company_id.id, "finance_batch_id": batch.id,
            } for (bank, currency), lines in groups.items()]
            # One create for all payments of the batch: 2,000 one-by-one creates take minutes.
            created = self.env["account.payment"].sudo().create(vals_list)
            for lines, payment in zip(groups.values(), created, strict=True):
                lines._set_line_state(payment_id=payment.id)
            payments |= created
        return payments

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

    def action_view_outbox(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self._open("finance.outbox.message", self._outbox_messages(), _("Outbox"))

    def action_view_status_events(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self._open("finance.status.event", self._status_events(), _("Status events"))

    def action_view_audit(self):
        check_button(self, "finance_bridge_core.group_finance_user")
        return self._open("finance.audit.event", self._audit_events(), _("Audit trail"))
