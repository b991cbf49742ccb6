"""Adversarial (segregation_of_duties): who may approve and release, through the ORM and over JSON-RPC.

Every case uses a user who *holds* the groups needed (e.g. preparer + approver), so the refusal
comes from the SoD rule itself, not from a missing group.
"""
from odoo.exceptions import AccessError, UserError
from odoo.tests.common import tagged

from .approval_case import ApprovalCase

BATCH = "finance.payment.batch"


@tagged("post_install", "-at_install")
class TestSegregationOfDuties(ApprovalCase):
    adversarial_class = "segregation_of_duties"

    # ---------------------------------------------------------------- preparer
    def test_preparer_cannot_approve_orm(self):
        batch = self.submitted("adv_prepapp_a")
        with self.assertRaisesRegex(AccessError, "preparer"):
            self.approve(batch, "adv_prepapp_a")
        self.assertFalse(batch.approval_ids)

    def test_preparer_cannot_approve_rpc(self):
        batch = self.submitted("adv_prepapp_a")
        self.assertRefusedFor(self.call_button("adv_prepapp_a", BATCH, "action_approve", [batch.id]), "preparer")
        self.assertEqual(self.fresh(batch).state, "to_approve")
        self.assertFalse(batch.approval_ids)

    def test_preparer_cannot_approve_with_small_team_switch(self):
        self.company_a.sudo().payment_small_team = True
        batch = self.submitted("adv_prepapp_a")
        self.assertRefused(self.call_button("adv_prepapp_a", BATCH, "action_approve", [batch.id]))
        with self.assertRaisesRegex(AccessError, "preparer"):
            self.approve(batch, "adv_prepapp_a")
        self.assertEqual(self.fresh(batch).state, "to_approve")

    # ---------------------------------------------------------------- approving twice
    def test_approver_approves_once_orm(self):
        self.two_approvals_rule()
        batch = self.submitted()
        self.approve(batch, "adv_approver_a")
        with self.assertRaisesRegex(AccessError, "already approved"):
            self.approve(batch, "adv_approver_a")
        self.assertEqual(len(batch.approval_ids), 1)
        self.assertEqual(batch.state, "to_approve")

    def test_approver_approves_once_rpc(self):
        self.two_approvals_rule()
        batch = self.submitted()
        self.assertTrue(self.call_button("adv_approver_a", BATCH, "action_approve", [batch.id]).ok)
        approval = self.fresh(batch).approval_ids
        self.assertEqual(approval.ip_address, "127.0.0.1")
        self.assertEqual(len(approval.session_ref), 16)
        self.assertRefusedFor(self.call_button("adv_approver_a", BATCH, "action_approve", [batch.id]),
                              "already approved")
        self.assertEqual(len(self.fresh(batch).approval_ids), 1)
        self.assertEqual(batch.state, "to_approve")
        self.assertTrue(self.call_button("adv_approver2_a", BATCH, "action_approve", [batch.id]).ok)
        self.assertEqual(self.fresh(batch).state, "approved")

    def test_senior_tier_needs_a_treasury_manager(self):
        self.two_approvals_rule(senior=1)
        batch = self.submitted()
        self.approve(batch, "adv_approver_a")
        with self.assertRaisesRegex(AccessError, "does not count"):
            self.approve(batch, "adv_approver2_a")
        self.assertRefused(self.call_button("adv_approver2_a", BATCH, "action_approve", [batch.id]))
        self.approve(batch, "adv_senior_a")
        self.assertEqual(batch.state, "approved")

    def test_amount_threshold_selects_the_rule(self):
        self.set_rule(amount_max=1050)
        self.two_approvals_rule().amount_min = 1050
        small = self.submitted(bills=self.bills[:1])          # 1,000
        large = self.submitted(bills=self.bills[1:2])         # 1,100
        self.approve(small, "adv_approver_a")
        self.approve(large, "adv_approver_a")
        self.assertEqual((small.state, large.state), ("approved", "to_approve"))

    def test_direct_writes_of_decisions_refused_rpc(self):
        batch = self.submitted()
        for vals in ({"state": "approved"}, {"released_by_id": self.user("adv_releaser_a").id},
                     {"content_editor_id": False}, {"approval_ids": [(0, 0, {"user_id": 2})]}):
            self.assertRefused(self.call_kw("adv_preparer_a", BATCH, "write", [[batch.id], vals]))
        answer = self.call_kw("adv_approver_a", "finance.payment.approval", "create", [{
            "batch_id": batch.id, "user_id": self.user("adv_approver_a").id, "content_hash": batch.content_hash,
            "company_id": self.company_a.id, "decided_at": "2026-01-01 00:00:00"}])
        self.assertRefused(answer)
        self.assertEqual(self.fresh(batch).state, "to_approve")
        self.assertFalse(batch.approval_ids)

    def test_import_cannot_approve_or_set_states_rpc(self):
        batch = self.submitted()
        answer = self.call_kw("adv_approver_a", "finance.payment.approval", "load", [
            ["batch_id/.id", "user_id/.id", "content_hash", "company_id/.id", "decided_at"],
            [[str(batch.id), str(self.user("adv_approver_a").id), batch.content_hash, str(self.company_a.id),
              "2026-01-01 00:00:00"]]])
        self.assertImportRefused(answer)
        answer = self.call_kw("adv_preparer_a", BATCH, "load", [[".id", "state"], [[str(batch.id), "approved"]]])
        self.assertImportRefused(answer)
        self.assertEqual(self.fresh(batch).state, "to_approve")
        self.assertFalse(batch.approval_ids)

    def assertImportRefused(self, answer):
        self.assertTrue(answer.ok, answer)  # load() reports row errors instead of raising
        self.assertFalse(answer.result["ids"])
        self.assertIn("refused", " ".join(m["message"] for m in answer.result["messages"]))

    def test_server_action_meets_the_same_rules(self):
        batch = self.submitted("adv_prepapp_a")
        action = self.env["ir.actions.server"].create({
            "name": "Approve selected batches", "state": "code", "code": "records.action_approve()",
            "model_id": self.env["ir.model"]._get_id(BATCH)})
        with self.assertRaisesRegex(AccessError, "preparer"):
            action.with_user(self.user("adv_prepapp_a")).with_context(
                active_model=BATCH, active_ids=batch.ids, active_id=batch.id).run()
        self.assertFalse(batch.approval_ids)

    def test_private_approval_methods_not_callable_rpc(self):
        batch = self.submitted()
        for method in ("_approve", "_set_state", "_release", "_release_after_identity_check", "_void_approvals"):
            self.assertRefused(self.call_kw("adv_approver_a", BATCH, method, [[batch.id]]))
        self.assertEqual(self.fresh(batch).state, "to_approve")

    def test_other_company_cannot_approve_rpc(self):
        batch = self.submitted()
        self.assertRefused(self.call_button("adv_approver_b", BATCH, "action_approve", [batch.id]))
        self.assertFalse(self.fresh(batch).approval_ids)

    # ---------------------------------------------------------------- beneficiary account editors
    def test_bank_account_editor_cannot_approve(self):
        batch = self.submitted()
        self.bank.with_user(self.user("adv_bankapp_a")).write({"acc_holder_name": "Approval Test Vendor"})
        self.assertEqual(self.bank.last_changed_by_id, self.user("adv_bankapp_a"))
        self.assertRefusedFor(self.call_button("adv_bankapp_a", BATCH, "action_approve", [batch.id]),
                              "beneficiary account")
        with self.assertRaisesRegex(AccessError, "beneficiary account"):
            self.approve(batch, "adv_bankapp_a")

    def test_bank_account_creator_cannot_approve(self):
        bank = self.env["res.partner.bank"].with_user(self.user("adv_bankapp_a")).create({
            "acc_number": "DE02120300000000202051", "partner_id": self.vendor.id})
        bank.sudo().allow_out_payment = True
        batch = self.make_batch()
        batch.line_ids.with_user(self.user("adv_preparer_a")).write({"partner_bank_id": bank.id})
        batch.with_user(self.user("adv_preparer_a")).action_submit()
        self.assertRefusedFor(self.call_button("adv_bankapp_a", BATCH, "action_approve", [batch.id]),
                              "beneficiary account")
        self.assertFalse(self.fresh(batch).approval_ids)

    def test_last_changed_by_cannot_be_forged(self):
        answer = self.call_kw("adv_bankapp_a", "res.partner.bank", "write",
                              [[self.bank.id], {"acc_holder_name": "X", "last_changed_by_id": 2}])
        self.assertRefused(answer)

    # ---------------------------------------------------------------- release
    def test_approver_cannot_release(self):
        batch = self.submitted()
        self.approve(batch, "adv_apprel_a")
        self.assertEqual(batch.state, "approved")
        answer, second = self.release_with_password("adv_apprel_a", batch)
        self.assertRefusedFor(answer, "approver of a batch cannot release")
        self.assertIsNone(second)
        self.assertEqual(self.fresh(batch).state, "approved")

    def test_preparer_cannot_release(self):
        batch = self.submitted("adv_preprel_a")
        self.approve(batch, "adv_approver_a")
        answer, _second = self.release_with_password("adv_preprel_a", batch)
        self.assertRefusedFor(answer, "preparer of a batch cannot release")
        self.assertEqual(self.fresh(batch).state, "approved")

    def test_small_team_lets_the_approver_release(self):
        self.company_a.sudo().payment_small_team = True
        batch = self.submitted()
        self.approve(batch, "adv_apprel_a")
        _answer, second = self.release_with_password("adv_apprel_a", batch)
        self.assertTrue(second and second.ok, second)
        self.assertEqual(self.fresh(batch).state, "released")

    def test_third_person_releases_with_reauthentication(self):
        batch = self.submitted()
        self.approve(batch, "adv_approver_a")
        answer, second = self.release_with_password("adv_releaser_a", batch)
        self.assertEqual(answer.result["res_model"], "res.users.identitycheck")
        self.assertTrue(second.ok, second)
        self.fresh(batch)
        self.assertEqual(batch.state, "released")
        self.assertTrue(batch.msg_id)
        self.assertEqual(batch.released_by_id, self.user("adv_releaser_a"))
        self.assertIn("payment_batch.released", self.audit_types(batch))

    def test_release_without_identity_check_is_refused(self):
        batch = self.submitted()
        self.approve(batch, "adv_approver_a")
        answer = self.call_button("adv_releaser_a", BATCH, "action_release", [batch.id])
        self.assertTrue(answer.ok)
        self.assertEqual(answer.result["res_model"], "res.users.identitycheck")  # asks for the password
        self.assertEqual(self.fresh(batch).state, "approved")
        _first, second = self.release_with_password("adv_releaser_a", batch, password="wrong password")
        self.assertRefused(second)
        self.assertEqual(self.fresh(batch).state, "approved")
        with self.assertRaisesRegex(UserError, "HTTP"):  # no request, no identity check: no release
            batch.with_user(self.user("adv_releaser_a")).action_release()

    def test_forged_identity_check_wizard_refused(self):
        batch = self.submitted()
        self.approve(batch, "adv_approver_a")
        answer = self.call_kw("adv_releaser_a", "res.users.identitycheck", "create", [{
            "request": f'[{{}}, "{BATCH}", [{batch.id}], "_release", [], {{}}]'}])
        if answer.ok:  # the request field is not writable: the wizard exists without it
            second = self.call_button("adv_releaser_a", "res.users.identitycheck", "run_check", [answer.result],
                                      {"context": {"password": "adv_releaser_a"}})
            self.assertFalse(second.ok)
        self.assertEqual(self.fresh(batch).state, "approved")

    def test_approver_activities_and_my_approvals(self):
        batch = self.submitted()
        approver = self.user("adv_approver_a")
        self.assertIn(approver, batch.activity_ids.user_id)
        self.assertNotIn(self.user("adv_preparer_a"), batch.activity_ids.user_id)
        mine = self.env[BATCH].with_user(approver).search([("awaiting_my_approval", "=", True)])
        self.assertIn(batch, mine)
        self.assertNotIn(batch, self.env[BATCH].with_user(self.user("adv_preparer_a")).search(
            [("awaiting_my_approval", "=", True)]))
        self.approve(batch, "adv_approver_a")
        self.assertIn(self.user("adv_releaser_a"), batch.activity_ids.user_id)
        self.assertNotIn(approver, batch.activity_ids.user_id)
        approval = batch.approval_ids
        self.assertEqual((approval.user_id, approval.content_hash, approval.state),
                         (approver, batch.content_hash, "valid"))
        self.assertIn("payment_batch.approved", self.audit_types(batch))
