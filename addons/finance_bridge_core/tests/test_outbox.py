"""Outbox: idempotent enqueue, sending through a provider over loopback HTTP, backoff, dead letters."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase

from ..lib.dto import Money, PaymentBatchDTO, PaymentDTO, SubmissionResult
from ..lib.outbox_handlers import register_outbox_handler, unregister_outbox_handler
from ..lib.payment_codec import batch_to_payload
from ..lib.provider_registry import Capability, ConfigField, Provider, registry
from . import factories
from .loopback_server import LoopbackHttpMixin, ScriptedServer
from .outbox_sources import queue_message, source_document


class LoopbackPaymentProvider(Provider):
    """A provider that posts the batch as JSON to a bank simulator on loopback."""

    key = "test_loopback_payments"
    label = "Loopback payments"
    capabilities = frozenset({Capability.PAYMENTS})
    config_schema = (ConfigField("url", "URL", "url", required=True),)

    def submit_payment_batch(self, batch, idempotency_key):
        session = self.context.http(timeout=(1, 2), retries=0)
        response = session.post(self.config["url"] + "/payments", json=batch_to_payload(batch),
                                headers={"Idempotency-Key": idempotency_key})
        if response.status_code in (200, 201):
            return SubmissionResult(accepted=True, bank_reference=response.json()["id"])
        return SubmissionResult(accepted=False, retryable=response.status_code >= 500,
                                message=f"bank answered {response.status_code}: {response.text[:200]}")


def batch(msg_id="MSG-1"):
    return PaymentBatchDTO(
        msg_id=msg_id, debtor_name="Us", debtor_iban="DE02120300000000202051",
        created_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
        payments=(PaymentDTO(end_to_end_id="E2E-1", amount=Money(Decimal("99.95"), "EUR"), creditor_name="ACME",
                             creditor_iban="DE89370400440532013000",
                             requested_execution_date=datetime(2026, 3, 3).date()),))


class OutboxLoopbackCase(LoopbackHttpMixin, TransactionCase):
    """A connection whose provider posts payment batches to a bank simulator on loopback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        registry.register(LoopbackPaymentProvider)
        cls.addClassCleanup(registry.unregister, LoopbackPaymentProvider.key)
        cls.server = ScriptedServer().__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.connection = factories.ConnectionFactory(provider=LoopbackPaymentProvider.key)
        cls.connection.setting_ids.value = cls.server.url
        cls.Outbox = cls.env["finance.outbox.message"]


class TestOutbox(OutboxLoopbackCase):
    def setUp(self):
        super().setUp()
        self.server.responses.clear()
        self.server.requests.clear()

    def enqueue(self, key="MSG-1", **kw):
        return queue_message(self.env, key, "payment_batch.submit", batch_to_payload(batch(key)),
                             connection=self.connection, **kw)

    def test_enqueue_is_idempotent(self):
        document = source_document(self.env, "MSG-1", "payment_batch.submit", batch_to_payload(batch("MSG-1")),
                                   connection=self.connection)
        first = document._release()
        second = document._release()
        self.assertEqual(first, second)
        self.assertEqual(self.Outbox.search_count([("key", "=", "MSG-1")]), 1)

    def test_unknown_type_refused(self):
        with self.assertRaisesRegex(UserError, "No handler is installed"):
            queue_message(self.env, "K", "nobody.handles.this", {})

    def test_sent_through_provider_over_http(self):
        self.server.responses = [(201, {"Content-Type": "application/json"}, b'{"id": "BANK-77"}', 0)]
        message = self.enqueue()
        self.assertTrue(message._process(), message.last_error)
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.result["bank_reference"], "BANK-77")
        method, path, headers, body, _t = self.server.requests[0]
        self.assertEqual((method, path, headers["Idempotency-Key"]), ("POST", "/payments", "MSG-1"))
        self.assertEqual(json.loads(body)["payments"][0]["amount"], "99.95")

    def test_server_error_backs_off_then_succeeds(self):
        self.server.responses = [(503, {}, b"maintenance", 0),
                                 (201, {"Content-Type": "application/json"}, b'{"id": "B-2"}', 0)]
        message = self.enqueue()
        self.assertFalse(message._process())
        self.assertEqual((message.state, message.attempts), ("failed", 1))
        self.assertIn("503", message.last_error)
        self.assertGreater(message.next_attempt, fields.Datetime.now())
        self.assertNotIn(message, self.Outbox._claim_due(10))
        message.action_retry()
        self.assertIn(message, self.Outbox._claim_due(10))
        self.assertTrue(message._process(), message.last_error)
        self.assertEqual((message.state, message.attempts), ("sent", 2))

    def test_dead_letter_after_max_attempts_and_replay(self):
        self.server.responses = [(503, {}, b"", 0)] * 3
        message = self.enqueue()
        message.max_attempts = 2
        message._process()
        message._process()
        self.assertEqual(message.state, "dead")
        with self.assertRaisesRegex(UserError, "Only failed messages"):
            message.action_retry()
        message.action_replay()
        self.assertEqual((message.state, message.attempts, message.key), ("queued", 0, "MSG-1"))

    def test_refusal_is_permanent(self):
        self.server.responses = [(422, {}, b"invalid IBAN", 0)]
        message = self.enqueue()
        message._process()
        self.assertEqual((message.state, message.attempts), ("dead", 1))
        self.assertIn("invalid IBAN", message.last_error)

    def test_timeout_is_retryable(self):
        self.server.responses = [(201, {}, b'{"id": "late"}', 3)]
        message = self.enqueue()
        message._process()
        self.assertEqual(message.state, "failed")

    def test_invalid_payload_goes_dead(self):
        message = queue_message(self.env, "BAD", "payment_batch.submit", {"msg_id": "BAD"}, connection=self.connection)
        message._process()
        self.assertEqual(message.state, "dead")
        self.assertIn("payload is invalid", message.last_error)

    def test_sent_message_cannot_be_deleted(self):
        self.server.responses = [(201, {"Content-Type": "application/json"}, b'{"id": "B"}', 0)]
        message = self.enqueue()
        message._process()
        with self.assertRaisesRegex(UserError, "evidence"):
            message.unlink()

    def test_plugged_handler(self):
        seen = []

        @register_outbox_handler("test.echo", "Echo")
        def echo(message):
            seen.append(message.payload["n"])
            return {"echo": message.payload["n"]}
        self.addCleanup(unregister_outbox_handler, "test.echo")
        self.assertIn(("test.echo", "Echo"), self.Outbox._selection_message_type())
        message = queue_message(self.env, "echo-1", "test.echo", {"n": 5})
        processed = self.Outbox._process_due(lambda *a, **k: float("inf"))
        self.assertIn(message.id, processed)
        self.assertEqual((message.state, message.result["echo"], seen), ("sent", 5, [5]))

    def test_outbox_transitions_audited(self):
        self.server.responses = [(201, {"Content-Type": "application/json"}, b'{"id": "B"}', 0)]
        message = self.enqueue()
        message._process()
        events = self.env["finance.audit.event"].search([("model", "=", "finance.outbox.message"),
                                                         ("res_id", "=", message.id)])
        self.assertEqual(sorted(events.mapped("event_type")), ["outbox.enqueue", "outbox.state"])

    def test_due_respects_next_attempt(self):
        message = self.enqueue()
        message.sudo().write({"next_attempt": fields.Datetime.now() + timedelta(hours=1)})
        self.assertNotIn(message, self.Outbox._claim_due(10))
