"""A line of a payment batch: one vendor bill (or part of it) paid to one beneficiary account."""
import uuid

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.exceptions import UserError, ValidationError

from ..lib.batch_content import normalise_account
from ..lib.beneficiary_check import Beneficiary, ProfileRules, beneficiary_problems

# Fields of a line that are part of the batch content (lib/batch_content.py).
LINE_CONTENT_FIELDS = ("move_id", "partner_id", "partner_bank_id", "amount", "currency_id", "remittance")
# Batch states in which lines may still be added, changed or removed (each change voids approvals).
EDITABLE_BATCH_STATES = ("draft", "screening", "to_approve")
BILL_TYPES = ("in_invoice", "in_receipt")

LINE_STATES = [
    ("pending", "Pending"),
    ("bank_details_to_verify", "Bank Details to Verify"),
    ("screening_hold", "Screening Hold"),
    ("in_process", "In Process"),
    ("accepted", "Accepted"),
    ("paid", "Paid"),
    ("rejected", "Rejected"),
    ("returned", "Returned"),
    ("excluded", "Excluded"),
]


def _new_end_to_end_id(_records=None):
    return "E2E" + uuid.uuid4().hex[:32].upper()


class FinancePaymentBatchLine(models.Model):
    _name = "finance.payment.batch.line"
    _description = "Payment batch line"
    _order = "batch_id, id"
    _check_company_auto = True

    batch_id = fields.Many2one("finance.payment.batch", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    move_id = fields.Many2one("account.move", string="Vendor bill", required=True, check_company=True,
                              index=True, domain="[('move_type', 'in', ('in_invoice', 'in_receipt')), "
                                                 "('state', '=', 'posted'), ('company_id', '=', company_id)]")
    partner_id = fields.Many2one("res.partner", string="Beneficiary", required=True)
    partner_bank_id = fields.Many2one("res.partner.bank", string="Beneficiary account",
                                      domain="[('partner_id', '=', partner_id)]")
    amount = fields.Monetary(required=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", required=True)
    remittance = fields.Char(help="Remittance information sent to the beneficiary (bill reference).")
    # Fixed once created: the content hash, the file and the bank's statuses all refer to it.
    end_to_end_id = fields.Char(string="End-to-end ID", default=_new_end_to_end_id, readonly=True, copy=False,
                                required=True, index=True, fixed=True)
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False, guarded=True)
    state = fields.Selection(LINE_STATES, default="pending", required=True, readonly=True, copy=False,
                             index=True, guarded=True)
    status_reason = fields.Char(readonly=True, copy=False, guarded=True, help="ISO reason code and text.")
    amount_residual = fields.Monetary(related="move_id.amount_residual", string="Bill residual",
                                      currency_field="currency_id")

    _end_to_end_unique = models.Constraint("unique(end_to_end_id)", "An end-to-end ID is used once.")

    # ------------------------------------------------------------------ constraints
    @api.constrains("amount", "currency_id", "move_id")
    def _check_amount(self):
        """Positive, in the currency's precision, and never above what is still due on the bill."""
        for line in self.sudo():  # the rule holds whoever may read the bill
            where = _("Batch %(b)s, bill %(m)s", b=line.batch_id.name, m=line.move_id.name)
            currency = line.currency_id
            if currency.compare_amounts(line.amount, 0) <= 0:
                raise ValidationError(_("%(w)s: the amount must be positive.", w=where))
            if currency.round(line.amount) != line.amount:
                raise ValidationError(_("%(w)s: %(a)s has more decimals than %(c)s allows (%(d)s).",
                                        w=where, a=line.amount, c=currency.name, d=currency.decimal_places))
            if line.move_id and currency != line.move_id.currency_id:
                raise ValidationError(_("%(w)s: the line is in %(c)s, the bill in %(bc)s.",
                                        w=where, c=currency.name, bc=line.move_id.currency_id.name))
            residual = abs(line.move_id.sudo().amount_residual)
            if line.move_id and currency.compare_amounts(line.amount, residual) > 0:
                raise ValidationError(_("%(w)s: %(a)s is more than the %(r)s still due.",
                                        w=where, a=line.amount, r=residual))

    @api.constrains("move_id", "partner_bank_id", "partner_id")
    def _check_bill(self):
        for line in self.sudo():
            move = line.move_id.sudo()
            if move.move_type not in BILL_TYPES or move.state != "posted":
                raise ValidationError(_("Batch %(b)s: %(m)s is not a posted vendor bill.",
                                        b=line.batch_id.name, m=move.display_name))
            if line.partner_bank_id and line.partner_bank_id.partner_id.commercial_partner_id \
                    != line.partner_id.commercial_partner_id:
                raise ValidationError(_("Batch %(b)s, bill %(m)s: account %(a)s belongs to %(o)s, not to %(p)s.",
                                        b=line.batch_id.name, m=move.name, a=line.partner_bank_id.acc_number,
                                        o=line.partner_bank_id.partner_id.name, p=line.partner_id.name))

    # ------------------------------------------------------------------ ORM: every change is a content change
    @api.model
    def _values_from_bill(self, move):
        """Default line values for a vendor bill: what is still due, its bank account, its reference."""
        move = move.sudo()
        partner = move.partner_id.commercial_partner_id
        bank = move.partner_bank_id or partner.bank_ids.filtered("allow_out_payment")[:1] or partner.bank_ids[:1]
        return {
            "partner_id": partner.id, "partner_bank_id": bank.id, "currency_id": move.currency_id.id,
            "amount": abs(move.amount_residual), "remittance": move.payment_reference or move.ref or move.name,
        }

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("move_id"):
                defaults = self._values_from_bill(self.env["account.move"].browse(vals["move_id"]))
                for key, value in defaults.items():
                    vals.setdefault(key, value)
            self._check_amount_precision(vals)
        lines = super().create(vals_list)
        lines.batch_id._check_lines_editable()
        lines._check_not_in_other_batch()
        lines.batch_id._content_changed()
        return lines

    def write(self, vals):
        content = set(vals) & set(LINE_CONTENT_FIELDS)
        if content:
            self.batch_id._check_lines_editable()
        for line in self:
            line._check_amount_precision(vals)
        res = super().write(vals)
        if content:
            if "move_id" in vals:
                self._check_not_in_other_batch()
            self.batch_id._content_changed()
        return res

    def unlink(self):
        batches = self.batch_id
        batches._check_lines_editable()
        res = super().unlink()
        batches.exists()._content_changed()
        return res

    def _check_amount_precision(self, vals):
        """Refuse an amount with more decimals than its currency (the ORM would silently round it)."""
        if vals.get("amount") is None:
            return
        currency = self.env["res.currency"].browse(vals.get("currency_id")) if vals.get("currency_id") else \
            self.currency_id
        if currency and currency.round(vals["amount"]) != vals["amount"]:
            move = self.env["account.move"].browse(vals.get("move_id")) if vals.get("move_id") else self.move_id
            raise ValidationError(_("Bill %(m)s: %(a)s has more decimals than %(c)s allows (%(d)s).",
                                    m=move.sudo().name, a=vals["amount"], c=currency.name,
                                    d=currency.decimal_places))

    # ------------------------------------------------------------------ never paid twice
    def _active_elsewhere(self):
        """Other lines, in active batches, that hold the same bills."""
        from .payment_batch import ACTIVE_STATES, RELEASED_BILL
        return self.sudo().search([
            ("move_id", "in", self.move_id.ids), ("id", "not in", self.ids),
            ("batch_id.state", "in", ACTIVE_STATES), ("state", "not in", RELEASED_BILL),
        ])

    def _check_not_in_other_batch(self):
        """A bill is in at most one active batch (and once in it)."""
        others = self._active_elsewhere()
        for line in self:
            clash = others.filtered(lambda o, ln=line: o.move_id == ln.move_id)[:1]
            if clash:
                raise UserError(_("Bill %(m)s is already in payment batch %(b)s; remove it there first.",
                                  m=line.move_id.name, b=clash.batch_id.name))

    def _bill_problems(self):
        """Bills paid, in payment, partly paid or reversed elsewhere, or in another active batch."""
        problems = []
        others = self._active_elsewhere()
        for line in self:
            move = line.move_id.sudo()
            if move.state != "posted":
                problems.append(_("%(m)s is no longer posted", m=move.name))
            elif move.payment_state in ("paid", "in_payment", "reversed"):
                problems.append(_("%(m)s is already paid (%(s)s)", m=move.name, s=move.payment_state))
            elif move.payment_state == "partial" or move.currency_id.compare_amounts(
                    abs(move.amount_residual), abs(move.amount_total)) < 0:
                # Partly paid by earlier batches of this workflow: the rest may be paid now.
                earlier = move._get_reconciled_payments()
                if not line.payment_id and not (earlier and all(p.finance_batch_id for p in earlier)):
                    problems.append(_("%(m)s is already partly paid elsewhere (%(r)s of %(t)s still due); check "
                                      "the other payment and re-propose it", m=move.name, r=abs(move.amount_residual),
                                      t=abs(move.amount_total)))
            if line.currency_id.compare_amounts(line.amount, abs(move.amount_residual)) > 0:
                problems.append(_("%(m)s: %(a)s is more than the %(r)s still due", m=move.name, a=line.amount,
                                  r=abs(move.amount_residual)))
            clash = others.filtered(lambda o, ln=line: o.move_id == ln.move_id)[:1]
            if clash:
                problems.append(_("%(m)s is also in payment batch %(b)s", m=move.name, b=clash.batch_id.name))
        return problems

    def _duplicate_key(self):
        """Same beneficiary account + amount + currency + reference = the same payment."""
        self.ensure_one()
        return (normalise_account(self.partner_bank_id.acc_number), self.currency_id.id,
                self.currency_id.round(self.amount), (self.remittance or "").strip().upper())

    # ------------------------------------------------------------------ beneficiary checks
    def _profile_rules(self):
        """The bank profile rules of the batch's connection (ISO 20022 adapter) or generic SEPA."""
        conn = self.batch_id.connection_id.sudo()
        profile = conn["bank_profile_id"] if "bank_profile_id" in conn._fields else None
        if not profile:
            return ProfileRules()
        return ProfileRules(code=profile.code, sepa=profile.sepa, charset=profile.charset,
                            max_name=profile.max_name, max_remittance=profile.max_remittance,
                            require_bic=profile.require_bic)

    def _beneficiary_problems(self):
        self.ensure_one()
        bank = self.partner_bank_id.sudo()
        if not bank:
            return (_("no beneficiary bank account"),)
        return beneficiary_problems(Beneficiary(
            name=bank.partner_id.name or self.partner_id.name, account=bank.acc_number or "",
            bic=bank.bank_id.bic or "", currency=self.currency_id.name, remittance=self.remittance or "",
            trusted=bank.allow_out_payment), self._profile_rules())

    def _check_beneficiaries(self):
        """Lines with unfit bank details go to "bank details to verify" (out of the file); fixed ones come back."""
        for line in self.filtered(lambda ln: ln.state in ("pending", "bank_details_to_verify")):
            problems = line._beneficiary_problems()
            if problems:
                line._set_line_state("bank_details_to_verify", status_reason="; ".join(problems)[:500])
            elif line.state == "bank_details_to_verify":
                line._set_line_state("pending", status_reason=False)
        return True

    @decides
    def _set_line_state(self, state=None, **extra):
        """Server-side change of a line's state or payment (callers have checked the rules)."""
        vals = dict(extra)
        if state:
            vals["state"] = state
        return super().write(vals)
