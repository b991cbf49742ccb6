"""Never paid twice, amounts per bill, state fields guarded — through the ORM."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError

from .common import PaymentBatchCase


class TestPaymentBatchGuards(PaymentBatchCase):
    def test_bill_in_another_active_batch_is_refused(self):
        bill = self.bill(self.vendor_a, 100, "G-1")
        self.batch(bill)
        with self.assertRaisesRegex(UserError, "already in payment batch"):
            self.batch(bill)

    def test_bill_of_a_cancelled_batch_can_be_proposed_again(self):
        bill = self.bill(self.vendor_a, 100, "G-2")
        first = self.batch(bill)
        first.action_cancel("wrong journal")
        self.assertEqual(first.state, "cancelled")
        self.assertEqual(first.cancel_reason, "wrong journal")
        second = self.batch(bill)
        self.assertEqual(second.line_ids.move_id, bill)

    def test_bill_paid_elsewhere_is_refused_before_approval(self):
        bill = self.bill(self.vendor_a, 100, "G-3")
        batch = self.batch(bill)
        self.pay_elsewhere(bill)
        with self.assertRaisesRegex(UserError, "already paid"):
            batch.action_submit()
        self.assertEqual(batch.state, "draft")

    def test_bill_partly_paid_elsewhere_is_refused_before_approval(self):
        bill = self.bill(self.vendor_a, 100, "G-4")
        batch = self.batch(bill, line_ids=[fields.Command.create({"move_id": bill.id, "amount": 40})])
        self.pay_elsewhere(bill, amount=30)
        with self.assertRaisesRegex(UserError, "partly paid elsewhere"):
            batch.action_submit()

    def test_same_account_amount_reference_in_another_active_batch_is_refused(self):
        first = self.bill(self.vendor_a, 250, "SAME-REF")
        second = self.bill(self.vendor_a, 250, "SAME-REF")  # a duplicated bill: same vendor, amount, reference
        self.batch(first).action_submit()
        other = self.batch(second)
        with self.assertRaisesRegex(UserError, "already pays 250"):
            other.action_submit()

    def test_same_payment_twice_in_one_batch_is_refused(self):
        first = self.bill(self.vendor_a, 75, "TWICE")
        second = self.bill(self.vendor_a, 75, "TWICE")
        with self.assertRaisesRegex(UserError, "pay the same account, amount and reference"):
            self.batch(first | second).action_submit()

    def test_recently_settled_batch_still_counts(self):
        first = self.bill(self.vendor_b, 500, "RECENT")
        done = self.batch(first)
        done.action_submit()
        done._set_state("settled")
        other = self.batch(self.bill(self.vendor_b, 500, "RECENT"))
        with self.assertRaisesRegex(UserError, done.name):
            other.action_submit()

    def test_amount_above_residual_is_refused(self):
        bill = self.bill(self.vendor_a, 100, "G-5")
        with self.assertRaisesRegex(ValidationError, "more than the 100"):
            self.batch(bill, line_ids=[fields.Command.create({"move_id": bill.id, "amount": 100.01})])

    def test_amount_beyond_currency_precision_is_refused(self):
        bill = self.bill(self.vendor_a, 100, "G-6")
        with self.assertRaisesRegex(ValidationError, "more decimals"):
            self.batch(bill, line_ids=[fields.Command.create({"move_id": bill.id, "amount": 10.005})])

    def test_partial_payment_per_bill(self):
        bill = self.bill(self.vendor_a, 100, "G-7")
        batch = self.batch(bill, line_ids=[fields.Command.create({"move_id": bill.id, "amount": 60})])
        batch.action_submit()
        self.assertEqual(batch.state, "to_approve")
        self.assertEqual(batch.amount_total, 60)

    def test_draft_bill_is_refused(self):
        bill = self.bill(self.vendor_a, 100, "G-8", post=False)
        with self.assertRaisesRegex(ValidationError, "not a posted vendor bill"):
            self.batch(bill)

    def test_state_and_hash_are_guarded_for_the_preparer(self):
        bill = self.bill(self.vendor_a, 100, "G-9")
        batch = self.batch(bill).with_user(self.preparer)
        for vals in ({"state": "approved"}, {"content_hash": "0" * 64}, {"preparer_id": self.env.uid},
                     {"execution_date": fields.Date.today()}, {"msg_id": "X"}):
            with self.assertRaises(AccessError, msg=str(vals)):
                batch.write(vals)
        with self.assertRaises(AccessError):
            batch.line_ids.write({"state": "paid"})
        with self.assertRaises(AccessError):
            self.env["finance.payment.batch"].with_user(self.preparer).create(
                {"journal_id": self.journal.id, "state": "approved"})

    def test_content_frozen_after_approval(self):
        bill = self.bill(self.vendor_a, 100, "G-10")
        batch = self.batch(bill)
        batch.action_submit()
        batch._set_state("approved")
        with self.assertRaisesRegex(UserError, "can no longer change"):
            batch.line_ids.amount = 50
        with self.assertRaisesRegex(UserError, "can no longer change"):
            batch.requested_date = fields.Date.today() + timedelta(days=3)

    def test_add_to_payment_batch_action(self):
        bills = self.bill(self.vendor_a, 100, "ADD-1") | self.bill(self.vendor_b, 200, "ADD-2")
        action = bills.with_user(self.preparer).action_add_to_payment_batch()
        batch = self.env["finance.payment.batch"].browse(action["res_id"])
        self.assertEqual(batch.line_ids.move_id, bills)
        self.assertEqual(batch.preparer_id, self.preparer)
        self.assertEqual(sorted(batch.line_ids.mapped("amount")), [100, 200])
        self.assertEqual(set(batch.line_ids.mapped("remittance")), {"ADD-1", "ADD-2"})
        with self.assertRaisesRegex(UserError, "not posted"):
            self.bill(self.vendor_a, 10, "ADD-3", post=False).with_user(self.preparer).action_add_to_payment_batch()

    def test_rest_of_a_bill_partly_paid_by_an_earlier_batch_may_follow(self):
        bill = self.bill(self.vendor_a, 100, "G-11")
        first = self.batch(bill, line_ids=[fields.Command.create({"move_id": bill.id, "amount": 60})])
        first.action_submit()
        payment = first._create_payments()
        payment.action_post()
        (payment.move_id.line_ids | bill.line_ids).filtered(
            lambda ln: ln.account_id.account_type == "liability_payable" and not ln.reconciled).reconcile()
        self.assertEqual(bill.payment_state, "partial")
        first._set_state("settled")
        first.line_ids._set_line_state("paid")
        rest = self.batch(bill, line_ids=[fields.Command.create({"move_id": bill.id, "amount": 40})])
        rest.action_submit()
        self.assertEqual(rest.state, "to_approve")
