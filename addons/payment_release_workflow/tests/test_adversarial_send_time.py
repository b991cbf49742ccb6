"""Adversarial (payment_injection): at send time the batch refuses a message it does not vouch for.

Each case releases a batch through the real approval flow, then tampers with it the way an
attacker with database or server-code access could, and runs the outbox worker: the message must
end as a dead letter, nothing may reach the bank's folder, the refusal is audited and the treasury
manager gets an activity.
"""
import json
import os

from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.lib.outbox_handlers import payload_digest

from .release_case import ReleaseCase


class TestSendTimeRefusal(ReleaseCase):
    adversarial_class = "payment_injection"

    def setUp(self):
        super().setUp()
        self.bills = self.bill(self.vendors[0], 120.0, "INV-X1") | self.bill(self.vendors[1], 80.0, "INV-X2")
        self.batch = self.approve_and_release(self.make_batch(self.bills))
        self.message = self.batch.sudo().outbox_message_id
        self.assertEqual((self.message.state, self.message.key), ("queued", self.batch.msg_id))

    def assert_refused(self, reason):
        self.env.invalidate_all()
        self.message._process()
        self.assertEqual(self.message.state, "dead", "a message its batch does not vouch for is never retried")
        self.assertIn(reason, self.message.last_error)
        self.assertEqual(os.listdir(self.outbound), [], "nothing reached the bank's folder")
        self.assertFalse(self.message.file_ids)
        refused = self.env["finance.audit.event"].search([("event_type", "=", "outbox.refused"),
                                                          ("res_id", "=", self.message.id)])
        self.assertTrue(refused, "the refusal is audited")
        self.assertNotEqual(self.batch.state, "transmitted")
        activity = self.batch.activity_ids.filtered(lambda a: a.summary == "Payment batch not transmitted")
        self.assertTrue(activity, "the treasury manager is told")
        self.assertIn(self.treasurer, activity.user_id)
        stuck = self.env["finance.payment.exception"].search([("batch_id", "=", self.batch.id), ("kind", "=", "stuck")])
        self.assertEqual(bool(stuck), self.batch.state == "released", "a released batch shows as stuck")

    def test_untampered_batch_is_sent(self):
        self.message._process()
        self.assertEqual(self.message.state, "sent", self.message.last_error)
        name = f"pain001-{self.batch.msg_id}.xml"
        self.assertEqual(os.listdir(self.outbound), [name])
        self.assertEqual(self.batch.state, "transmitted")
        self.assertEqual(self.batch.file_attachment_id.name, name)
        self.assertEqual(len(self.batch.file_sha256), 64)
        self.assertTrue(self.batch.transmitted_at)

    def test_amount_changed_in_database_after_release(self):
        line = self.batch.line_ids[0]
        self.env.cr.execute("UPDATE finance_payment_batch_line SET amount = 9999 WHERE id = %s", (line.id,))
        self.assert_refused("changed after its approvals")

    def test_beneficiary_account_changed_after_release(self):
        bank = self.batch.line_ids[0].partner_bank_id
        self.env.cr.execute("UPDATE res_partner_bank SET acc_number = %s, sanitized_acc_number = %s WHERE id = %s",
                            ("DE44500105175407324931", "DE44500105175407324931", bank.id))
        self.assert_refused("changed after its approvals")

    def test_batch_put_back_to_approved(self):
        self.env.cr.execute("UPDATE finance_payment_batch SET state = 'approved' WHERE id = %s", (self.batch.id,))
        self.assert_refused("is not released")

    def test_approvals_voided_in_database(self):
        self.env.cr.execute("UPDATE finance_payment_approval SET state = 'voided' WHERE batch_id = %s",
                            (self.batch.id,))
        self.assert_refused("no valid approvals")

    def test_forged_payload_with_recomputed_digest(self):
        payload = dict(self.message.payload)
        payload["payments"] = [dict(p, creditor_iban="DE44500105175407324931") for p in payload["payments"]]
        self.env.cr.execute("UPDATE finance_outbox_message SET payload = %s, payload_sha256 = %s WHERE id = %s",
                            (json.dumps(payload), payload_digest(payload), self.message.id))
        self.assert_refused("differs from what its source document produces")

    def test_message_key_is_not_the_batch_msg_id(self):
        self.env.cr.execute("UPDATE finance_outbox_message SET key = 'OTHER-MSGID' WHERE id = %s", (self.message.id,))
        self.assert_refused("is not released as OTHER-MSGID")

    def test_message_queued_for_an_unapproved_batch(self):
        """Server code (or an attacker with it) queues a message for a batch nobody approved."""
        other = self.make_batch(self.bill(self.vendors[2], 50.0, "INV-X3"))
        with decision_scope("test: forged release"):
            other.sudo().write({"state": "released", "msg_id": "FORGED-1"})
            other.sudo()._transmit()
        self.message = other.sudo().outbox_message_id
        self.batch = other
        self.assert_refused("no valid approvals")

    def test_transmit_is_not_callable_over_rpc_names(self):
        """Private methods: the ORM's RPC dispatch refuses names starting with an underscore."""
        from odoo.service.model import get_public_method
        for name in ("_transmit", "_finance_outbox_payload", "_finance_outbox_sent", "_payment_payload"):
            with self.assertRaises(Exception):
                get_public_method(self.batch, name)
