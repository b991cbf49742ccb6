"""Release → transmission of a payment batch through the outbox, and the batch vouching for it at send time.

``_release()`` (approval part) calls ``_transmit()``: one outbox message per batch, keyed by its MsgId,
queued in the same transaction. When the outbox worker sends it, ``_finance_outbox_payload`` re-reads
the batch and refuses unless it is released under that MsgId, its approvals are valid for the content
hash it has now and the payload is exactly that content — so a message that did not come from an
approved release never reaches a bank. The file's CreDtTm is fixed at release: a message sent again
after a crash yields the same bytes, which the channels recognise as already delivered.
"""
import base64
import hashlib
import logging
from datetime import timezone
from decimal import Decimal

from lxml import etree
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.lib.outbox_handlers import OutboxPermanentError
from odoo.addons.finance_bridge_core.lib.payment_codec import batch_to_payload
from odoo.addons.finance_bridge_core.lib.provider_registry import Capability
from odoo.exceptions import UserError

from ..lib import beneficiary_check
from ..lib.payment_file import FileLine, build_batch_dto, transfer_ids
from ..lib.sca_request import sca_request

_logger = logging.getLogger(__name__)

POST_INLINE = 200       # payments posted with the transmission; larger batches in the background
POST_CHUNK = 200        # payments per committed step of the background job
MESSAGE_TYPE = "payment_batch.submit"


class FinancePaymentBatchRelease(models.Model):
    _inherit = "finance.payment.batch"

    file_created_at = fields.Datetime(
        readonly=True, copy=False, guarded=True, string="File created at",
        help="CreDtTm of the payment file, fixed at release: a file sent again is byte-identical.")
    outbox_message_id = fields.Many2one("finance.outbox.message", readonly=True, copy=False, guarded=True,
                                        string="Outbound message")
    outbox_state = fields.Selection(related="outbox_message_id.state", string="Transmission")
    bank_reference = fields.Char(
        readonly=True, copy=False, guarded=True, index="btree_not_null",
        help="The bank's id of the payment(s) it accepted (API banks), as reported to the outbox.")

    # ------------------------------------------------------------------ payload
    def _payment_batch_dto(self):
        """The canonical PaymentBatchDTO of the batch as it is now (lib/payment_file.py)."""
        self.ensure_one()
        if not self.msg_id or not self.file_created_at:
            raise UserError(_("Payment batch %(b)s has no message id yet: it is not released.", b=self.name))
        journal = self.journal_id.sudo()
        iban = (journal.bank_account_id.acc_number or "").replace(" ", "").upper()
        if not iban:
            raise UserError(_("Payment batch %(b)s: journal %(j)s has no bank account (IBAN) to pay from.",
                              b=self.name, j=journal.display_name))
        return build_batch_dto(
            msg_id=self.msg_id,
            created_at=fields.Datetime.to_datetime(self.file_created_at).replace(tzinfo=timezone.utc),
            debtor_name=self.company_id.name, debtor_iban=iban,
            debtor_bic=journal.bank_account_id.bank_id.bic or None,
            execution_date=self.execution_date or self.requested_date,
            lines=self._file_lines().sorted("id")._file_line_values())

    def _payment_payload(self):
        """JSON payload of the outbox message: the canonical batch plus the content hash it carries."""
        self.ensure_one()
        return dict(batch_to_payload(self._payment_batch_dto()), batch=self.name,
                    content_hash=self._content_hash())

    # ------------------------------------------------------------------ transmit (called by _release)
    @decides
    def _transmit(self):
        """Queue one outbox message per batch (key = MsgId) in the release transaction."""
        messages = self.env["finance.outbox.message"]
        for batch in self.sudo():   # server code after the release checks: the releaser cannot write batches
            if batch.state != "released" or not batch.msg_id:
                raise UserError(_("Payment batch %(b)s is not released: nothing is transmitted.", b=batch.name))
            connection = batch.connection_id.sudo()
            if not connection or Capability.PAYMENTS not in connection._provider_class().capabilities:
                raise UserError(_("Payment batch %(b)s: connection %(c)s cannot send payments.",
                                  b=batch.name, c=connection.display_name or "-"))
            if not batch._file_lines():
                raise UserError(_("Payment batch %(b)s has no line that can be paid.", b=batch.name))
            if not batch.file_created_at:
                released = batch["released_at"] if "released_at" in batch._fields else False
                batch.write({"file_created_at": released or fields.Datetime.now()})
            if not batch.payment_ids:
                batch._create_payments()
            lines = batch._file_lines().sorted("id")
            ids = transfer_ids(lines._file_line_values())
            by_transfer = {}
            for line in lines:
                by_transfer.setdefault(ids[line.end_to_end_id], []).append(line.id)
            for transfer, line_ids in by_transfer.items():
                lines.browse(line_ids)._set_line_state(tx_end_to_end_id=transfer)
            message = batch._finance_outbox_enqueue(batch.msg_id, MESSAGE_TYPE, batch._payment_payload(),
                                                    connection=connection, company=batch.company_id)
            batch.write({"outbox_message_id": message.id})
            batch._file_lines().filtered(lambda ln: ln.state == "pending")._set_line_state("in_process")
            batch.message_post(body=_("Queued for the bank as %(m)s.", m=batch.msg_id))
            messages |= message
        return messages

    def _finance_outbox_payload(self, message):
        """Re-derive the payload now, or refuse (see the module docstring)."""
        self.ensure_one()
        if message.message_type != MESSAGE_TYPE:
            raise OutboxPermanentError(f"{self.name} sends {MESSAGE_TYPE} messages only")
        if self.state != "released" or not self.msg_id or message.key != self.msg_id:
            raise OutboxPermanentError(f"{self.name} is not released as {message.key} (it is {self.state})")
        if message.connection_id != self.connection_id or message.company_id != self.company_id:
            raise OutboxPermanentError(f"{self.name}: the message's connection or company is not the batch's")
        current = self._content_hash()
        if not current or current != self.content_hash:
            raise OutboxPermanentError(f"{self.name} changed after its approvals (content hash differs)")
        # The approval part's check that its approvals cover the content hash of now.
        approvals_valid = getattr(self, "_approvals_valid", None) or getattr(self, "_approvals_complete", None)
        if approvals_valid is None or not approvals_valid():
            raise OutboxPermanentError(f"{self.name} has no valid approvals for content {current[:12]}…")
        try:
            return self._payment_payload()
        except (UserError, ValueError) as exc:
            raise OutboxPermanentError(f"{self.name}: {exc}") from None

    # ------------------------------------------------------------------ outcome of the send (core hooks)
    @decides
    def _finance_outbox_sent(self, message, result=None):
        """The bank accepted the message (``finance.outbox.source`` hook, run as superuser).

        A released batch becomes transmitted (file, hash, time, payments posted); in every case the
        bank's reference is kept and an SCA the bank asks for becomes an activity for the releaser.
        Idempotent: a replayed message changes nothing twice and schedules no second activity.
        """
        self.ensure_one()
        result = result if result is not None else (message.result or {})
        if self.state == "released":
            self._record_transmission(message, result)
        self._record_bank_acceptance(message, result)

    def _record_transmission(self, message, result):
        """The handler delivered the file: record MsgId, file, hash and time; lines are now in process."""
        attachment = message.file_ids.sorted("id")[-1:] if message.file_ids else self.env["ir.attachment"]
        raw = base64.b64decode(attachment.sudo().datas) if attachment else b""
        digest = result.get("sha256") or (hashlib.sha256(raw).hexdigest() if raw else False)
        self.write({"state": "transmitted", "transmitted_at": message.sent_at or fields.Datetime.now(),
                    "file_sha256": digest, "file_attachment_id": attachment.id or False})
        if raw:
            self._record_payment_info_ids(raw)
        if len(self.payment_ids) <= POST_INLINE:
            self._post_payments()
        else:   # large batches: posted by a background job, with progress (never in this transaction)
            self.env.ref("payment_release_workflow.ir_cron_post_batch_payments")._trigger()
        self.message_post(body=_("Transmitted to the bank as %(m)s (file SHA-256 %(h)s).",
                                 m=self.msg_id, h=digest or "-"))
        self.env["finance.audit.event"]._log(
            "payment_batch.transmitted", self, summary=f"{self.name}: {self.msg_id} transmitted",
            payload={"msg_id": self.msg_id, "sha256": digest, "content_hash": self.content_hash,
                     "message": message.id})

    def _record_bank_acceptance(self, message, result):
        """The bank's payment id on the batch, and the SCA it asks for as the releaser's activity."""
        reference = str(result.get("bank_reference") or "")[:256] or False
        if reference and reference != self.bank_reference:
            self.write({"bank_reference": reference})
            self.message_post(body=_("Accepted by the bank as %(r)s.", r=reference))
            self.env["finance.audit.event"]._log(
                "payment_batch.bank_reference", self, summary=f"{self.name}: bank reference {reference}",
                payload={"msg_id": message.key, "bank_reference": reference, "message": message.id})
        sca = sca_request(result)
        if sca is None:
            return
        if sca.link:
            summary = _("Authorise the payment at the bank")
            note = Markup("<p>%s</p><p><a href=\"%s\" target=\"_blank\" rel=\"noopener noreferrer\">%s</a></p>") % (
                _("The bank asks for your strong customer authentication of %(m)s (bank reference %(r)s) "
                  "before it executes the payments.", m=self.msg_id, r=reference or "-"),
                sca.link, _("Open the bank's authorisation page"))
        else:
            summary = _("Approve the payment in your bank app")
            note = Markup("<p>%s</p>") % _(
                "The bank asks for your strong customer authentication of %(m)s (bank reference %(r)s) in its "
                "own app (decoupled): approve it there; no link is needed.", m=self.msg_id, r=reference or "-")
        user = self._releaser_or_treasury()
        if self._has_open_activity(summary, user):
            return
        self.activity_schedule("mail.mail_activity_data_todo", user_id=user.id, summary=summary, note=note)
        self.message_post(body=_("The bank asks for authorisation (%(a)s): %(u)s was given an activity.",
                                 a=sca.approach, u=user.name))
        self.env["finance.audit.event"]._log(
            "payment_batch.sca_requested", self, summary=f"{self.name}: SCA ({sca.approach}) for {user.login}",
            payload={"msg_id": message.key, "bank_reference": reference, "approach": sca.approach,
                     "link_host": sca.host, "user": user.id, "message": message.id})

    def _releaser_or_treasury(self):
        """Who authorises at the bank: the releaser while active, else the batch's owner or us."""
        for user in (self.released_by_id, self.preparer_id):
            if user and user.active and not user.share:
                return user
        return self.env.user

    def _has_open_activity(self, summary, user):
        """An open activity with this summary for ``user`` on the batch (hooks replayed schedule none)."""
        return bool(self.env["mail.activity"].sudo().search_count([
            ("res_model", "=", self._name), ("res_id", "=", self.id), ("summary", "=", summary),
            ("user_id", "=", user.id)], limit=1))

    @api.model
    def _cron_post_payments(self):
        """Cron: post the payments of transmitted batches, a chunk per transaction, with progress."""
        return self._post_payments_due(self.env["ir.cron"]._commit_progress)

    @api.model
    def _post_payments_due(self, commit_progress):
        batches = self.sudo().search([("state", "not in", ("draft", "screening", "to_approve", "approved",
                                                            "released", "cancelled")),
                                      ("payment_ids.state", "=", "draft")])
        for batch in batches:
            drafts = batch.payment_ids.filtered(lambda p: p.state == "draft")
            reporter = self.env["finance.job.progress"].sudo()._start(
                f"{batch.name}: posting {len(drafts)} payments", batch.company_id, batch.connection_id, len(drafts))
            done = 0
            for start in range(0, len(drafts), POST_CHUNK):
                chunk = drafts[start:start + POST_CHUNK]
                batch._post_payments(chunk)
                done += len(chunk)
                reporter.update({"lines_created": done}, done, force=True)
                if commit_progress(processed=len(chunk), remaining=len(drafts) - done) <= 0:
                    reporter.finish("failed", "stopped: time is up, the next run continues")
                    return False
            reporter.finish("done", counts={"lines_created": done})
        return True

    def _post_payments(self, payments=None):
        """Transmitted: the batch's payments are posted and matched with their bills (now "in payment").

        A rejection or return reverses this entry, which opens the bills again (status_event.py).
        """
        payments = (payments or self.payment_ids).sudo().filtered(lambda p: p.state == "draft")
        payments.action_post()
        bills_of = {}
        for line in self.line_ids.filtered(lambda ln: ln.payment_id in payments):
            bills_of[line.payment_id.id] = bills_of.get(line.payment_id.id, self.env["account.move"]) | line.move_id
        plan = []
        for payment in payments.filtered("move_id"):
            bills = bills_of.get(payment.id, self.env["account.move"])
            payable = (payment.move_id.line_ids | bills.line_ids).filtered(
                lambda ln: ln.account_id.account_type == "liability_payable" and not ln.reconciled)
            if payable:
                plan.append(payable)
        if plan:
            self.env["account.move.line"].sudo()._reconcile_plan(plan)

    def _record_payment_info_ids(self, xml):
        """Which PmtInfId of the file each line went out in (pain.002 reports at that level too)."""
        try:
            root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return
        by_e2e = {}
        for info in root.iter("{*}PmtInf"):
            pmt_id = info.findtext("{*}PmtInfId")
            for e2e in info.iter("{*}EndToEndId"):
                by_e2e[e2e.text] = pmt_id
        groups = {}
        for line in self._file_lines():
            pmt_id = by_e2e.get(line.tx_end_to_end_id or line.end_to_end_id)
            if pmt_id:
                groups[pmt_id] = groups.get(pmt_id, self.env[line._name]) | line
        for pmt_id, lines in groups.items():
            lines._set_line_state(pmt_inf_id=pmt_id)

    @decides
    def _finance_outbox_dead(self, message, reason=None):
        """The message became a dead letter (``finance.outbox.source`` hook, run as superuser).

        The batch keeps its state (released: a *stuck transmission* exception, models/payment_exception.py,
        until the message is replayed); its releaser and the treasury managers get an activity (one
        each, however often the message dies again) — also when the batch was moved behind our back.
        """
        self.ensure_one()
        error = reason or message.last_error or "-"
        self.message_post(body=_("Not transmitted: %(e)s", e=error))
        self.env["finance.audit.event"]._log(
            "payment_batch.not_transmitted", self, summary=f"{self.name}: {message.key} not transmitted",
            payload={"msg_id": message.key, "error": error, "message": message.id,
                     "releaser": self.released_by_id.id or False})
        summary = _("Payment batch not transmitted")
        note = _("%(m)s is a dead letter: %(e)s. Fix the cause, then replay the message (Outbox) or cancel "
                 "the batch.", m=message.key, e=error)
        releaser = self.released_by_id
        if releaser and releaser.active and not releaser.share and not self._has_open_activity(summary, releaser):
            self.activity_schedule("mail.mail_activity_data_todo", user_id=releaser.id, summary=summary, note=note)
        self._schedule_treasury_activity(summary, note)

    def _payment_exception(self, lines, event, reason):
        """An exception activity on the batch for its owner: which payment, which status, the ISO reason."""
        self.ensure_one()
        what = ", ".join(lines.mapped("move_id.name"))
        summary = _("Bank %(s)s: %(r)s", s=event.status, r=reason)[:250]
        note = _("Transfer %(e)s (bills %(b)s) of %(m)s: %(s)s — %(r)s", e=lines[0].tx_end_to_end_id or "-",
                 b=what, m=self.msg_id, s=event.status, r=reason)
        owner = self.preparer_id if self.preparer_id.active and not self.preparer_id.share else self.env.user
        self.sudo().activity_schedule("mail.mail_activity_data_todo", user_id=owner.id, summary=summary, note=note)
        self.env["finance.audit.event"]._log(
            "payment_batch.exception", self, summary=f"{self.name}: {event.status} {lines[0].tx_end_to_end_id}",
            payload={"status": event.status, "reason": event.reason_code, "text": reason, "event": event.id,
                     "lines": lines.ids})

    def _schedule_treasury_activity(self, summary, note):
        """An activity for the company's treasury managers (the first few), on the batch."""
        group = self.env.ref("finance_bridge_core.group_treasury_manager")
        users = group.sudo().all_user_ids.filtered(
            lambda u: self.company_id in u.company_ids and not u.share and u.active)[:3]
        for user in users or self.env.user:
            if not self._has_open_activity(summary, user):
                self.sudo().activity_schedule("mail.mail_activity_data_todo", user_id=user.id,
                                              summary=summary, note=note)


class FinancePaymentBatchLineRelease(models.Model):
    _inherit = "finance.payment.batch.line"

    tx_end_to_end_id = fields.Char(
        string="Transfer EndToEndId", readonly=True, copy=False, index="btree_not_null", guarded=True,
        help="EndToEndId of the bank transfer this line is paid by (one transfer per beneficiary account), "
             "set at release.")
    pmt_inf_id = fields.Char(string="PmtInfId", readonly=True, copy=False, guarded=True)
    uetr = fields.Char(string="UETR", readonly=True, copy=False, guarded=True, index="btree_not_null")

    def _file_line_values(self):
        """The lines as lib/payment_file.FileLine values (amounts as Decimal at currency precision)."""
        values = []
        for line in self:
            bank = line.partner_bank_id.sudo()
            number = (bank.acc_number or "").replace(" ", "").upper()
            # Without base_iban, Odoo types every account "bank": an account number that is a valid
            # IBAN (country, length, check digits) still goes out as the IBAN (SEPA requires it).
            is_iban = bank.acc_type == "iban" or beneficiary_check.iban_problem(number) is None
            digits = line.currency_id.decimal_places
            values.append(FileLine(
                end_to_end_id=line.end_to_end_id, group=(bank.id, line.currency_id.name),
                amount=Decimal(f"{line.amount:.{digits}f}"), currency=line.currency_id.name,
                creditor_name=bank.acc_holder_name or line.partner_id.name,
                creditor_iban=number if is_iban else None, creditor_account=None if is_iban else number,
                creditor_bic=bank.bank_id.bic or None, remittance=line.remittance or line.move_id.ref
                or line.move_id.name))
        return values
