"""Adversarial (segregation_of_duties): approvals are bound to the content hash; every edit voids them.

A two-approval rule keeps the batch waiting after the first approval, so the edit happens *after an
approval*; the edit is made by the preparer (ORM or JSON-RPC), then the approval must be voided,
audited, re-requested, and the editor can no longer approve that batch.
"""
from datetime import timedelta

from odoo.tests.common import tagged

from .approval_case import ApprovalCase

BATCH = "finance.payment.batch"
LINE = "finance.payment.batch.line"


@tagged("post_install", "-at_install")
class TestApprovalVoiding(ApprovalCase):
    adversarial_class = "segregation_of_duties"

    def setUp(self):
        super().setUp()
        self.two_approvals_rule()
        self.batch = self.submitted(bills=self.bills[:2])
        self.approve(self.batch, "adv_approver_a")
        self.hash_before = self.batch.content_hash
        self.assertEqual(self.batch.approval_ids.content_hash, self.hash_before)

    def assertVoided(self):
        batch = self.fresh(self.batch)
        self.assertEqual(batch.approval_ids.mapped("state"), ["voided"])
        self.assertNotEqual(batch.content_hash, self.hash_before, "the edit did not change the content hash")
        self.assertEqual(batch.approval_count, 0)
        self.assertIn("payment_batch.approvals_voided", self.audit_types(batch))
        self.assertIn(self.user("adv_approver_a"), batch.activity_ids.user_id, "approval not re-requested")
        # The old approval does not count: one more approval is not enough.
        self.approve(batch, "adv_approver2_a")
        self.assertEqual(batch.state, "to_approve")

    def test_amount_change_voids(self):
        self.batch.line_ids[0].with_user(self.user("adv_preparer_a")).write({"amount": 900})
        self.assertVoided()

    def test_amount_change_over_rpc_voids(self):
        answer = self.call_kw("adv_preparer_a", LINE, "write", [self.batch.line_ids[:1].ids, {"amount": 950}])
        self.assertTrue(answer.ok, answer)
        self.assertVoided()

    def test_beneficiary_account_change_voids(self):
        self.batch.line_ids[0].with_user(self.user("adv_preparer_a")).write({"partner_bank_id": self.bank2.id})
        self.assertVoided()

    def test_beneficiary_account_edited_in_place_voids(self):
        other_bank = self.env["res.bank"].create({"name": "Other Bank", "bic": "COBADEFFXXX"})
        self.bank.with_user(self.user("adv_bankapp_a")).write({"bank_id": other_bank.id})
        self.assertVoided()

    def test_date_change_voids(self):
        self.batch.with_user(self.user("adv_preparer_a")).write(
            {"requested_date": self.batch.requested_date + timedelta(days=7)})
        self.assertVoided()

    def test_remittance_change_voids(self):
        answer = self.call_kw("adv_preparer_a", LINE, "write",
                              [self.batch.line_ids[:1].ids, {"remittance": "other reference"}])
        self.assertTrue(answer.ok, answer)
        self.assertVoided()

    def test_added_line_voids(self):
        answer = self.call_kw("adv_preparer_a", BATCH, "write", [[self.batch.id], {
            "line_ids": [(0, 0, self.line_vals(self.bills[2]))]}])
        self.assertTrue(answer.ok, answer)
        self.assertVoided()

    def test_removed_line_voids(self):
        answer = self.call_kw("adv_preparer_a", LINE, "unlink", [self.batch.line_ids[-1:].ids])
        self.assertTrue(answer.ok, answer)
        self.assertVoided()

    def test_journal_change_voids(self):
        self.batch.with_user(self.user("adv_preparer_a")).write({"journal_id": self.journal2.id})
        self.assertVoided()

    def test_connection_change_voids(self):
        answer = self.call_kw("adv_preparer_a", BATCH, "write", [[self.batch.id],
                                                                 {"connection_id": self.connection2.id}])
        self.assertTrue(answer.ok, answer)
        self.assertVoided()

    def test_editor_cannot_approve_after_editing(self):
        self.batch.line_ids[0].with_user(self.user("adv_prepapp_a")).write({"amount": 800})
        self.assertEqual(self.fresh(self.batch).content_editor_id, self.user("adv_prepapp_a"))
        self.assertRefusedFor(self.call_button("adv_prepapp_a", BATCH, "action_approve", [self.batch.id]),
                              "last person who changed")

    def test_approved_batch_content_frozen(self):
        self.approve(self.batch, "adv_approver2_a")
        self.assertEqual(self.batch.state, "approved")
        answer = self.call_kw("adv_preparer_a", LINE, "write", [self.batch.line_ids[:1].ids, {"amount": 10}])
        self.assertRefused(answer)
        self.assertEqual(self.fresh(self.batch).content_hash, self.hash_before)
        self.assertTrue(self.batch._approvals_complete())
