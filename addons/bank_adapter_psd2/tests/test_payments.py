"""Payment initiation through the outbox against the simulated bank: bulk pain.001 and single
transfers, the outbox key as X-Request-ID, a timeout followed by a resend (the bank holds exactly one
payment), SCA at the bank, and status polling to ACSC and to RJCT as core status events."""
import datetime
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO
from odoo.addons.finance_bridge_core.lib.payment_codec import batch_to_payload
from odoo.addons.finance_bridge_core.tests.outbox_sources import queue_message

from ..lib.payments import request_id_for
from .psd2_case import IBAN, Psd2Case


def batch(msg_id, creditors=("DE02120300000000202051", "DE02500105170137075030")):
    return PaymentBatchDTO(
        msg_id=msg_id, debtor_name="My Company", debtor_iban=IBAN,
        created_at=datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.timezone.utc),
        payments=tuple(PaymentDTO(end_to_end_id=f"{msg_id}-{i}", amount=Money(Decimal("100.25") + i, "EUR"),
                                  creditor_name=f"Supplier {i}", creditor_iban=iban,
                                  requested_execution_date=datetime.date(2026, 12, 1), remittance_unstructured=f"INV {i}")
                       for i, iban in enumerate(creditors)))


class TestPayments(Psd2Case):
    def setUp(self):
        super().setUp()
        self.bank.payment_sca = False

    def enqueue(self, key, dto=None):
        return queue_message(self.env, key, "payment_batch.submit", batch_to_payload(dto or batch(key)),
                             connection=self.connection)

    def poll(self, times, start=0):
        """Sync runs whose status reading is due (each a few minutes later than the last)."""
        for index in range(times):
            run = self.sync(ahead=start + (index + 1) * 3600)
            self.assertEqual(run.state, "done", run.error)

    def statuses(self, **domain):
        events = self.env["finance.status.event"].search([(k, "=", v) for k, v in domain.items()], order="id")
        return events.mapped("status")

    def test_bulk_timeout_then_resend_holds_exactly_one_payment_then_acsc(self):
        self.connect()
        self.bank.set_fault("timeout", endpoint="payments", delay=4)
        message = self.enqueue("PAY-1")
        self.assertFalse(message._process())
        self.assertEqual(message.state, "failed")
        self.assertIn("no answer within the timeout", message.last_error)
        self.assertEqual(self.bank.payment_count(), 1)  # the bank took it; only its answer was lost
        self.assertTrue(message._process(), message.last_error)
        self.assertEqual(message.state, "sent")
        self.assertEqual(self.bank.payment_count(), 1)
        posts = [e for e in self.bank.request_log("payments")]
        self.assertEqual([e["request_id"] for e in posts], [request_id_for("PAY-1")] * 2)
        payment_id = message.result["bank_reference"]
        held = self.bank.payment(payment_id)
        self.assertEqual((held["msgId"], held["count"], held["amount"]), ("PAY-1", 2, "201.50"))
        self.assertTrue(message.file_ids)  # the pain.001 sent, as evidence
        self.poll(3)
        self.assertEqual(self.statuses(msg_id="PAY-1"), ["ACTC", "ACSP", "ACSC"])
        self.assertFalse((self.connection.provider_data or {}).get("payments"))  # final: no more polling
        self.sync(ahead=5 * 3600)
        self.assertEqual(len(self.bank.request_log("payment_status")), 3)

    def test_rejected_payment_polled_to_rjct(self):
        self.connect()
        self.bank.set_payment_outcome("RJCT")
        message = self.enqueue("PAY-2")
        self.assertTrue(message._process(), message.last_error)
        self.poll(2)
        self.assertEqual(self.statuses(msg_id="PAY-2"), ["ACTC", "RJCT"])

    def test_single_transfers_when_the_bank_takes_no_bulk(self):
        self.set_settings(payment_mode="single")
        self.connect()
        message = self.enqueue("PAY-3")
        self.assertTrue(message._process(), message.last_error)
        self.assertEqual(self.bank.payment_count(), 2)
        message.state = "failed"  # as after a timeout: the resend reuses the same request ids
        message._process()
        self.assertEqual(self.bank.payment_count(), 2)
        self.poll(3)
        self.assertEqual(self.statuses(end_to_end_id="PAY-3-0"), ["ACTC", "ACSP", "ACSC"])
        self.assertEqual(self.statuses(end_to_end_id="PAY-3-1"), ["ACTC", "ACSP", "ACSC"])

    def test_sca_at_the_bank_before_the_payment_moves(self):
        self.bank.payment_sca = True
        self.connect()
        message = self.enqueue("PAY-4")
        self.assertTrue(message._process(), message.last_error)
        self.assertIn("awaiting the account holder's authorisation", message.result["message"])
        payment_id = message.result["bank_reference"]
        self.poll(1)
        self.assertEqual(self.statuses(msg_id="PAY-4"), [])  # still RCVD: nothing new
        url = self.provider().payment_authorisation_url(payment_id, self.redirect, "state-x")
        self.psu_decides(url)
        self.poll(3, start=3600)
        self.assertEqual(self.statuses(msg_id="PAY-4"), ["ACTC", "ACSP", "ACSC"])
