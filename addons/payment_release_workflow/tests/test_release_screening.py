"""Adversarial (segregation_of_duties): screening at approval request and at release blocks the batch."""
from odoo.exceptions import UserError
from odoo.tests.common import tagged

from .approval_case import ApprovalCase

BATCH = "finance.payment.batch"


@tagged("post_install", "-at_install")
class TestScreeningHolds(ApprovalCase):
    adversarial_class = "segregation_of_duties"

    def setUp(self):
        super().setUp()
        if "risk_rule_bank_changed" not in self.company_a._fields:
            self.skipTest("risk_screening (the screening addon) is not installed")

    def hold_new_accounts(self, on=True):
        """risk_screening's rule "bank details changed recently" holds payments to the fresh test account."""
        self.company_a.sudo().write({"risk_rule_bank_changed": on})

    def test_hold_at_approval_request_blocks_approval(self):
        self.hold_new_accounts()
        batch = self.make_batch()
        batch.with_user(self.user("adv_preparer_a")).action_submit()
        self.assertEqual(batch.state, "screening")
        self.assertEqual(batch.line_ids.state, "screening_hold")
        self.assertIn("fraud.bank_changed", batch.line_ids.screening_holds)
        self.assertEqual(batch.hold_count, 1)
        self.assertRefused(self.call_button("adv_approver_a", BATCH, "action_approve", [batch.id]))
        # Reviewed (here: the rule is lifted), the re-check lets the batch go on to approval.
        self.hold_new_accounts(False)
        batch.with_user(self.user("adv_preparer_a")).action_recheck_screening()
        self.assertEqual((batch.state, batch.line_ids.state, batch.hold_count), ("to_approve", "pending", 0))

    def test_hold_at_release_blocks_release(self):
        batch = self.submitted()
        self.approve(batch, "adv_approver_a")
        self.hold_new_accounts()
        _answer, second = self.release_with_password("adv_releaser_a", batch)
        self.assertTrue(second.ok, second)  # a warning, and the holds are kept on the lines
        self.assertEqual(second.result["params"]["type"], "warning")
        self.fresh(batch)
        self.assertEqual((batch.state, batch.line_ids.state), ("approved", "screening_hold"))
        self.assertFalse(batch.msg_id)
        # While the hold is open the release is refused outright.
        answer, _second = self.release_with_password("adv_releaser_a", batch)
        self.assertRefusedFor(answer, "screening hold")
        with self.assertRaisesRegex(UserError, "screening hold"):
            batch.with_user(self.user("adv_releaser_a"))._check_release()
        self.hold_new_accounts(False)
        batch.with_user(self.user("adv_releaser_a")).action_recheck_screening()
        _answer, second = self.release_with_password("adv_releaser_a", batch)
        self.assertTrue(second.ok, second)
        self.assertEqual(self.fresh(batch).state, "released")

    def test_every_payment_screened_at_request_and_release(self):
        batch = self.submitted(bills=self.bills[:2])
        self.approve(batch, "adv_approver_a")
        self.release_with_password("adv_releaser_a", batch)
        self.assertEqual(self.fresh(batch).state, "released")
        events = self.env["finance.audit.event"].search([
            ("event_type", "=", "screening.decision"), ("model", "=", "finance.payment.batch.line"),
            ("res_id", "in", batch.line_ids.ids)])
        stages = sorted(e.summary.split(" ")[0] for e in events)
        self.assertEqual(stages, ["approval", "approval", "release", "release"])
