"""Webhooks from the simulated bank into the core's controller, with the PSD2 provider's format:
a signed status change is stored and applied as a payment status event; unsigned, wrongly signed,
stale and replayed deliveries are refused and counted; "transactions available" syncs the account."""
import json
import time

from odoo.addons.finance_bridge_core.lib.payment_codec import batch_to_payload
from odoo.addons.finance_bridge_core.models.bank_connection_webhook import SECRET_CURRENT
from odoo.addons.finance_bridge_core.tests.outbox_sources import queue_message
from odoo.addons.finance_bridge_core.tests.webhook_case import no_commit_progress
from odoo.tests.common import tagged

from .psd2_case import IBAN, Psd2HttpCase
from .sim import sign_webhook
from .test_payments import batch

SECRET = "whsec-psd2-sim-5f1c0e"


@tagged("post_install", "-at_install")
class TestPsd2Webhooks(Psd2HttpCase):
    def setUp(self):
        super().setUp()
        self.bank.payment_sca = False
        self.connection._webhook_store_secret(SECRET_CURRENT, SECRET)
        url = f"{self.base_url()}/finance_bridge/webhook/{self.connection.sudo().webhook_token}"
        self.bank.configure_webhook(url, SECRET)
        self.Inbox = self.env["finance.webhook.inbox"]

    def refusals(self, reason):
        return self.env["finance.webhook.refusal"].search_count(
            [("connection_id", "=", self.connection.id), ("reason", "=", reason)])

    def delivered(self):
        self.assertTrue(self.bank.webhooks.wait_idle(20))
        return self.bank.webhook_deliveries()

    def bank_calls(self):
        """While the bank calls us: Odoo's test server serves requests without the test's cookie."""
        self.env.flush_all()  # the server's request reads the database, not this test's cache
        return self.allow_requests(all_requests=True)

    def test_signed_status_webhook_applied_and_tampered_ones_refused(self):
        self.connect()
        message = queue_message(self.env, "PAY-W1", "payment_batch.submit", batch_to_payload(batch("PAY-W1")),
                                connection=self.connection)
        self.assertTrue(message._process(), message.last_error)
        payment_id = message.result["bank_reference"]
        with self.bank_calls():
            self.bank.advance_payment(payment_id)  # the bank accepts it: ACTC, told by webhook
            deliveries = self.delivered()
        self.assertEqual([d["status"] for d in deliveries], [200], deliveries)
        event_id = deliveries[0]["id"]
        stored = self.Inbox.search([("connection_id", "=", self.connection.id), ("event_id", "=", event_id)])
        self.assertEqual((stored.kind, stored.state), ("status", "queued"))
        self.Inbox._apply_due(no_commit_progress)
        self.assertEqual(stored.state, "applied", stored.last_error if "last_error" in stored else "")
        events = self.env["finance.status.event"].search([("msg_id", "=", "PAY-W1")])
        self.assertEqual(events.mapped("status"), ["ACTC"])

        tampered = json.dumps({**self.bank.webhooks.events[event_id], "data": {"transactionStatus": "RJCT"}})
        with self.bank_calls():
            self.assertEqual(self.bank.deliver_webhook(event_id), 409)  # replayed
            self.assertEqual(self.bank.deliver_webhook(event_id, signature=False), 401)  # unsigned
            self.assertEqual(self.bank.deliver_webhook(event_id, secret="not-the-secret"), 401)
            self.assertEqual(self.bank.deliver_webhook(event_id, timestamp=int(time.time()) - 3600), 401)  # stale
            # signed for the original body, sent with another one
            stamp = int(time.time())
            original = json.dumps(self.bank.webhooks.events[event_id], separators=(",", ":")).encode()
            self.assertEqual(self.bank.deliver_webhook(event_id, body=tampered, timestamp=stamp,
                                                       signature=sign_webhook(SECRET, stamp, original)), 401)
        self.assertEqual([self.refusals(r) for r in ("replayed", "unsigned", "bad_signature", "stale")], [1, 1, 2, 1])
        self.assertEqual(self.Inbox.search_count([("connection_id", "=", self.connection.id)]), 1)
        self.assertEqual(self.env["finance.status.event"].search([("msg_id", "=", "PAY-W1")]).mapped("status"),
                         ["ACTC"])

    def test_transactions_available_syncs_the_account(self):
        self.connect()
        self.bank.add_transaction(self.account, "123.45", remittance="pushed")
        with self.bank_calls():
            self.bank.emit_webhook("transactions.available", {"iban": IBAN, "resourceId": self.account})
            deliveries = self.delivered()
            self.assertEqual([d["status"] for d in deliveries], [200], deliveries)
        self.Inbox._apply_due(no_commit_progress)
        self.assertEqual(len(self.lines()), 1)
        self.assertEqual(self.lines().amount, 123.45)
