"""Approval, segregation of duties and re-authenticated release of payment batches.

Every rule is checked here, in the model, so buttons, ``call_kw``/``call_button``, imports and
server actions meet the same checks (state fields are guarded: only these methods write them):

* the preparer, and whoever last changed the content, cannot approve;
* an approver approves a given content once; approvals fill the policy's tiers (lib/approval_policy);
* whoever created or last changed a beneficiary account cannot approve a payment to it;
* approvals are bound to the SHA-256 of the content: any change voids them all (audited);
* the releaser is neither preparer nor approver (unless the company's small-team switch is on),
  re-authenticates with Odoo's ``check_identity`` and releases only without open screening holds.
"""
import secrets

from odoo import _, api, fields, models
from odoo.addons.base.models.res_users import check_identity
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import AccessError, UserError

from ..lib.approval_policy import Approver, approval_refusal, is_complete, missing_tiers, release_refusal, would_fill
from .payment_approval import request_origin

GROUP_USER = "finance_bridge_core.group_finance_user"
GROUP_APPROVER = "finance_bridge_core.group_payment_approver"
GROUP_RELEASER = "finance_bridge_core.group_payment_releaser"
MAX_ACTIVITIES = 20  # per batch and role: a reminder, not a broadcast


class FinancePaymentBatch(models.Model):
    _inherit = "finance.payment.batch"

    approval_ids = fields.One2many("finance.payment.approval", "batch_id", string="Approvals", readonly=True,
                                   guarded=True)
    content_editor_id = fields.Many2one("res.users", string="Content last changed by", readonly=True, copy=False,
                                        guarded=True)
    released_by_id = fields.Many2one("res.users", string="Released by", readonly=True, copy=False, guarded=True)
    released_at = fields.Datetime(readonly=True, copy=False, guarded=True)
    approvals_needed = fields.Char(compute="_compute_approval_status", string="Approvals still needed")
    approval_count = fields.Integer(compute="_compute_approval_status", string="Valid approvals")
    hold_count = fields.Integer(compute="_compute_approval_status", string="Open screening holds")
    awaiting_my_approval = fields.Boolean(compute="_compute_approval_status", search="_search_awaiting_my_approval")

    # ------------------------------------------------------------------ status
    def _valid_approvals(self, content_hash=None):
        """Approvals still valid and given for ``content_hash`` (default: the live content)."""
        self.ensure_one()
        content_hash = content_hash or self._content_hash()
        return self.sudo().approval_ids.filtered(lambda a: a.state == "valid" and a.content_hash == content_hash)

    def _policy_rule(self):
        self.ensure_one()
        return self.env["finance.payment.policy.rule"]._rule_for(self.company_id, self.journal_id, self.currency_id,
                                                                self.amount_total)

    @staticmethod
    def _approver(user):
        return Approver(user.id, frozenset(user.sudo().all_group_ids.ids))

    def _approvals_complete(self, content_hash=None):
        """True when valid approvals of the live content fill every tier of the policy.

        The release part calls this again at send time (defence in depth).
        """
        self.ensure_one()
        live = self._content_hash()
        if content_hash and content_hash != live:
            return False
        approvers = [self._approver(a.user_id) for a in self._valid_approvals(live)]
        return bool(live) and is_complete(self._policy_rule(), approvers)

    def _tier_label(self, groups):
        return " / ".join(self.env["res.groups"].sudo().browse(sorted(groups)).mapped("name"))

    @api.depends_context("uid")
    def _compute_approval_status(self):
        for batch in self:
            if not batch.id:
                batch.approvals_needed, batch.approval_count, batch.hold_count = False, 0, 0
                batch.awaiting_my_approval = False
                continue
            valid = batch._valid_approvals(batch.content_hash)  # stored hash: cheap for lists
            batch.approval_count = len(valid)
            batch.hold_count = len(batch.line_ids.filtered(lambda line: line.state == "screening_hold"))
            try:
                missing = missing_tiers(batch._policy_rule(), [batch._approver(a.user_id) for a in valid])
            except UserError as exc:
                batch.approvals_needed = exc.args[0]
            else:
                batch.approvals_needed = ", ".join(batch._tier_label(t) for t in missing) or False
            batch.awaiting_my_approval = batch.state == "to_approve" and self.env.uid not in (
                batch.preparer_id.id, batch.content_editor_id.id) and self.env.uid not in valid.user_id.ids

    def _search_awaiting_my_approval(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on 'awaiting my approval'."))
        uid = self.env.uid
        domain = ["&", "&", "&", ("state", "=", "to_approve"), ("preparer_id", "!=", uid),
                  "|", ("content_editor_id", "=", False), ("content_editor_id", "!=", uid),
                  ("approval_ids", "not any", [("user_id", "=", uid), ("state", "=", "valid")])]
        return domain if (operator == "=") == value else ["!", *domain]

    def _bank_editors(self):
        """{account label: user ids who created or last changed it} for the beneficiaries of the batch."""
        return {bank.display_name: bank._payment_editors() for bank in self.sudo().line_ids.partner_bank_id}

    def _open_holds(self):
        return self.line_ids.filtered(lambda line: line.state == "screening_hold")

    def _refuse_if_holds(self):
        for batch in self:
            holds = batch._open_holds()
            if holds:
                raise UserError(_("Payment batch %(b)s: %(n)s line(s) have an open screening hold (%(l)s); they "
                                  "must be reviewed before the batch can go on.", b=batch.name, n=len(holds),
                                  l=", ".join(holds.sudo().mapped("move_id.name")[:5])))

    # ------------------------------------------------------------------ audit and notices
    def _decision_log(self, event_type, summary, **extra):
        """One decision in the hash-chained audit trail and the chatter: who, when, content hash, origin."""
        ip, session = request_origin()
        payload = dict(extra, user=self.env.user.login, content_hash=self.content_hash or self._content_hash(),
                       ip=ip, session=session, state=self.state)
        self.env["finance.audit.event"]._log(event_type, self, summary=f"{self.name}: {summary}", payload=payload,
                                             company=self.company_id)
        self.sudo().message_post(body=_("%(s)s (content %(h)s)", s=summary, h=(payload["content_hash"] or "")[:12]),
                                 author_id=self.env.user.partner_id.id)

    def _notify_users(self, users, summary):
        """Open a to-do activity for each of ``users`` who has none on this batch yet."""
        batch = self.sudo()
        already = batch.activity_ids.user_id
        for user in (users - already)[:MAX_ACTIVITIES]:
            batch.activity_schedule("mail.mail_activity_data_todo", user_id=user.id, summary=summary)

    def _candidate_users(self, group_ids):
        users = self.env["res.groups"].sudo().browse(list(group_ids)).all_user_ids
        return users.filtered(lambda u: not u.share and u.active and self.company_id in u.company_ids)

    def _notify_approvers(self):
        rule = self._policy_rule()
        valid = self._valid_approvals()
        groups = set().union(*missing_tiers(rule, [self._approver(a.user_id) for a in valid]))
        editors = set().union(*self._bank_editors().values()) if self.line_ids else set()
        users = self._candidate_users(groups).filtered(
            lambda u: u.has_group(GROUP_APPROVER) and u not in (self.preparer_id | self.content_editor_id
                                                                | valid.user_id) and u.id not in editors)
        self._notify_users(users, _("Approve payment batch %s", self.name))

    def _notify_releasers(self):
        users = self._candidate_users(self.env.ref(GROUP_RELEASER).ids)
        if not self.company_id.payment_small_team:
            users -= self.preparer_id | self._valid_approvals().user_id
        self._notify_users(users, _("Release payment batch %s", self.name))

    def _close_activities(self, user=None, feedback=None):
        activities = self.sudo().activity_ids
        if user is not None:
            activities = activities.filtered(lambda a: a.user_id == user)
        if feedback:
            activities.action_feedback(feedback=feedback)
        else:
            activities.unlink()

    # ------------------------------------------------------------------ screening
    def _screen(self, stage):
        """Screen every payment of the batch (core hook); record holds on the lines. Returns the held lines."""
        self.ensure_one()
        held = self.env["finance.payment.batch.line"]
        for line in self.sudo().line_ids.filtered(lambda ln: ln.state in ("pending", "screening_hold")):
            if line._screen_payment(stage):
                held |= line
        return held

    def action_recheck_screening(self):
        """Screen the held lines again (e.g. after a reviewer cleared the hits); go on when nothing holds."""
        check_button(self, GROUP_USER)
        for batch in self:
            if batch.state not in ("screening", "to_approve", "approved"):
                raise UserError(_("Payment batch %(b)s is not waiting for screening or approval.", b=batch.name))
            held = batch._screen("approval" if batch.state != "approved" else "release")
            batch._decision_log("payment_batch.screening_rechecked",
                                _("screening re-checked: %s line(s) held", len(held)), held=held.ids)
            if not held and batch.state == "screening":
                batch._enter_to_approve()
        return True

    # ------------------------------------------------------------------ approval request
    def _request_approval(self):
        """Screen every payment, then ask the policy's approvers (held batches wait in screening)."""
        for batch in self:
            batch._policy_rule()  # overlapping rules: refuse now, not at the first approval
            held = batch._screen("approval")
            if held:
                batch._decision_log("payment_batch.screening_hold",
                                    _("screening holds on %s line(s): approval waits for their review", len(held)),
                                    held=held.ids)
                continue
            batch._enter_to_approve()
        return True

    def _enter_to_approve(self):
        super(FinancePaymentBatch, self.sudo())._request_approval()
        self._decision_log("payment_batch.approval_requested", _("approval requested (%s)",
                                                                 self.approvals_needed or _("policy")))
        self._notify_approvers()

    # ------------------------------------------------------------------ approve
    def action_approve(self):
        check_button(self, GROUP_APPROVER)
        for batch in self:
            batch._approve()
        return True

    @decides
    def _approve(self):
        self.ensure_one()
        user = self.env.user
        if self.state != "to_approve":
            raise UserError(_("Payment batch %(b)s is not waiting for approval.", b=self.name))
        self._refuse_if_holds()
        live = self._content_hash()
        if not live:
            raise UserError(_("Payment batch %(b)s has no content to approve.", b=self.name))
        self._void_approvals(_("content changed since the approval"), keep_hash=live)
        valid = self._valid_approvals(live)
        refusal = approval_refusal(user.id, self.preparer_id.id, self.content_editor_id.id, set(valid.user_id.ids),
                                   self._bank_editors())
        if refusal:
            raise AccessError(_("Payment batch %(b)s: %(r)s.", b=self.name, r=refusal))
        rule = self._policy_rule()
        approvers = [self._approver(a.user_id) for a in valid]
        me = self._approver(user)
        if not would_fill(rule, approvers, me):
            raise AccessError(_("Payment batch %(b)s: your approval does not count for what is still needed (%(n)s).",
                                b=self.name, n=", ".join(self._tier_label(t) for t in missing_tiers(rule, approvers))))
        ip, session = request_origin()
        missing_before = missing_tiers(rule, approvers)
        self.env["finance.payment.approval"].sudo().create({
            "batch_id": self.id, "company_id": self.company_id.id, "user_id": user.id, "content_hash": live,
            "tier": ", ".join(self._tier_label(t) for t in missing_before if t & me.groups),
            "decided_at": fields.Datetime.now(), "ip_address": ip, "session_ref": session})
        self._close_activities(user, feedback=_("Approved"))
        self._decision_log("payment_batch.approved", _("approved by %s", user.name))
        if is_complete(rule, [*approvers, me]):
            self.sudo()._set_state("approved")
            self._close_activities()
            self._decision_log("payment_batch.fully_approved", _("all required approvals given"))
            self._notify_releasers()

    # ------------------------------------------------------------------ voiding
    def _content_changed(self):
        res = super()._content_changed()
        for batch in self:
            batch._void_approvals(_("content changed by %s", self.env.user.name), editor=self.env.user)
        return res

    @decides
    def _void_approvals(self, reason, keep_hash=None, editor=None):
        """Void every valid approval (or those not given for ``keep_hash``); re-request approvals."""
        self.ensure_one()
        batch = self.sudo()
        if editor and editor.id != self.env.ref("base.user_root").id:
            batch.content_editor_id = editor
        stale = batch.approval_ids.filtered(lambda a: a.state == "valid" and a.content_hash != keep_hash)
        if not stale:
            return False
        stale.write({"state": "voided", "voided_reason": reason[:256], "voided_at": fields.Datetime.now()})
        self._decision_log("payment_batch.approvals_voided",
                           _("%(n)s approval(s) voided: %(r)s", n=len(stale), r=reason),
                           voided=[{"user": a.user_id.login, "content_hash": a.content_hash} for a in stale])
        if batch.state == "approved":
            batch._set_state("to_approve")
        if batch.state == "to_approve":
            self._close_activities()
            self._notify_approvers()
        return True

    # ------------------------------------------------------------------ release
    def _check_release(self):
        user = self.env.user
        for batch in self:
            if batch.state != "approved":
                raise UserError(_("Payment batch %(b)s is not approved.", b=batch.name))
            batch._refuse_if_holds()
            if not batch._approvals_complete():
                raise UserError(_("Payment batch %(b)s: its approvals do not cover its current content.",
                                  b=batch.name))
            refusal = release_refusal(user.id, batch.preparer_id.id, set(batch._valid_approvals().user_id.ids),
                                      batch.company_id.payment_small_team)
            if refusal:
                raise AccessError(_("Payment batch %(b)s: %(r)s.", b=batch.name, r=refusal))

    def action_release(self):
        """Checks, then Odoo's identity check (password, TOTP where enabled), then the release."""
        check_button(self, GROUP_RELEASER)
        self._check_release()
        return self._release_after_identity_check()

    @check_identity
    def _release_after_identity_check(self):
        """Reached only with a fresh identity check of this session (``res.users.identitycheck``)."""
        check_button(self, GROUP_RELEASER)
        self._check_release()
        blocked = self.browse()
        for batch in self:
            if batch._screen("release"):
                blocked |= batch
                batch._decision_log("payment_batch.release_held", _("release screening put lines on hold"))
                continue
            batch._release()
        if blocked:
            return {"type": "ir.actions.client", "tag": "display_notification", "params": {
                "type": "warning", "sticky": True, "title": _("Release held by screening"),
                "message": _("%s: screening put lines on hold; they must be reviewed first.",
                             ", ".join(blocked.mapped("name")))}}
        return True

    @decides
    def _release(self):
        """Server code: released + MsgId, audited, then handed to transmission (``_transmit``)."""
        for batch in self:
            batch._check_release()
            now = fields.Datetime.now()
            msg_id = f"PRW{batch.id}T{now:%y%m%d%H%M%S}{secrets.token_hex(3).upper()}"[:35]
            batch.sudo()._set_state("released", msg_id=msg_id, released_by_id=self.env.uid, released_at=now)
            batch._close_activities()
            batch._decision_log("payment_batch.released", _("released by %(u)s as %(m)s", u=self.env.user.name,
                                                            m=msg_id),
                                msg_id=msg_id, approvers=batch._valid_approvals().user_id.mapped("login"))
            batch._transmit()
        return True
