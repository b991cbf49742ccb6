"""What the bank says after a release comes back to the batch through the core's outbox hooks.

Over real loopback HTTP with the core's second provider (``generic_json_api``: a JSON bank API
that answers a payment with its id and an SCA redirect link): the batch keeps the bank's
reference and its releaser gets one "Authorise the payment at the bank" activity with the link;
a decoupled bank asks in its app instead; a refused transmission is a dead letter that leaves the
batch released as a stuck transmission with an activity for the releaser. Replays schedule
nothing twice.
"""
import dataclasses
import json
import unittest

from odoo.addons.finance_bridge_core.lib.provider_registry import registry
from odoo.addons.finance_bridge_core.tests.generic_json_api import GenericJsonApiProvider, JsonBankSimulator
from odoo.addons.finance_bridge_core.tests.loopback_server import LoopbackHttpMixin

from ..lib.sca_request import sca_request
from .release_case import ReleaseCase

AUTHORISE = "Authorise the payment at the bank"
IN_APP = "Approve the payment in your bank app"
NOT_SENT = "Payment batch not transmitted"


class DecoupledJsonApiProvider(GenericJsonApiProvider):
    """The same bank API, for a bank that authorises payments in its own app (decoupled SCA)."""

    key = "test_generic_json_api_decoupled"
    label = "Generic JSON bank API, decoupled SCA (tests)"

    def submit_payment_batch(self, batch, idempotency_key):
        result = super().submit_payment_batch(batch, idempotency_key)
        return dataclasses.replace(result, raw={"sca_approach": "decoupled"})


class TestScaRequestLib(unittest.TestCase):
    def test_redirect_decoupled_none(self):
        found = sca_request({"details": {"sca_redirect": "https://bank.example/sca/PAY-1?x=1"}})
        self.assertEqual((found.approach, found.link, found.host),
                         ("redirect", "https://bank.example/sca/PAY-1?x=1", "bank.example"))
        self.assertEqual(sca_request({"details": {"sca_approach": "DECOUPLED"}}).approach, "decoupled")
        self.assertIsNone(sca_request({"bank_reference": "PAY-1", "details": {"sca_redirect": None}}))
        self.assertIsNone(sca_request({}))
        self.assertIsNone(sca_request({"details": "not a dict"}))

    def test_only_absolute_http_links_are_followed(self):
        for bad in ("javascript:alert(1)", "/sca/PAY-1", "ftp://bank.example/x", "https://", "https://a b/c",
                    "https://bank.example/" + "x" * 3000, 42):
            self.assertIsNone(sca_request({"details": {"sca_redirect": bad}}), bad)


class BankApiReleaseCase(LoopbackHttpMixin, ReleaseCase):
    provider_class = GenericJsonApiProvider

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        registry.register(cls.provider_class)
        cls.addClassCleanup(registry.unregister, cls.provider_class.key)
        cls.bank = JsonBankSimulator(cls.iban).__enter__()
        cls.addClassCleanup(cls.bank.__exit__, None, None, None)

    def setUp(self):
        super().setUp()
        self.bank.payments = {}
        self.bank.faults.clear()
        self.bank.requests.clear()
        self.bank.payment_delay = 0
        self.api = self.connect(self.provider_class.key, {"url": self.bank.url}, {"client_secret": "client-secret-1"})

    def released(self, amount=120.0, ref="INV-API-1"):
        batch = self.make_batch([self.bill(self.vendors[0], amount, ref)], conn=self.api)
        return self.approve_and_release(batch)

    def activities(self, batch, summary, user=None):
        return self.env["mail.activity"].search([("res_model", "=", batch._name), ("res_id", "=", batch.id),
                                                 ("summary", "=", summary)]
                                                + ([("user_id", "=", user.id)] if user else []))

    def audit(self, batch, event_type):
        return self.env["finance.audit.event"].search([("model", "=", batch._name), ("res_id", "=", batch.id),
                                                      ("event_type", "=", event_type)], order="id")


class TestScaRedirect(BankApiReleaseCase):
    def test_bank_reference_and_one_authorisation_activity_for_the_releaser(self):
        batch = self.released()
        message = self.send(batch)
        self.assertEqual(message.state, "sent", message.last_error)
        self.assertEqual(batch.state, "transmitted")
        self.assertEqual(batch.bank_reference, "PAY-1")
        self.assertEqual(self.bank.calls("/payments")[0][3]["Idempotency-Key"], batch.msg_id)
        # the core reported the outcome to the batch without a failed callback
        self.assertFalse(self.env["finance.audit.event"].search([("event_type", "=", "outbox.callback_failed"),
                                                                 ("res_id", "=", message.id)]))
        activity = self.activities(batch, AUTHORISE)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.releaser)
        link = f"{self.bank.url}/sca/PAY-1"
        self.assertIn(f'href="{link}"', str(activity.note))
        self.assertIn(batch.msg_id, str(activity.note))
        requested = self.audit(batch, "payment_batch.sca_requested")
        self.assertEqual(len(requested), 1)
        facts = json.loads(requested.payload)
        self.assertEqual((facts["approach"], facts["link_host"], facts["user"]),
                         ("redirect", "127.0.0.1", self.releaser.id))
        self.assertNotIn("/sca/PAY-1", requested.payload)   # the link itself stays out of the trail
        self.assertEqual(len(self.audit(batch, "payment_batch.bank_reference")), 1)
        self.assertTrue(any("PAY-1" in (m.body or "") for m in batch.message_ids))

        # the hooks heard again (a replayed report) change nothing and schedule no second activity
        message._tell_source("_finance_outbox_sent", message.result)
        self.assertEqual(len(self.activities(batch, AUTHORISE)), 1)
        self.assertEqual(len(self.audit(batch, "payment_batch.sca_requested")), 1)
        self.assertEqual(len(self.audit(batch, "payment_batch.transmitted")), 1)
        self.assertEqual(batch.state, "transmitted")

    def test_reference_is_not_writable_by_users(self):
        batch = self.released()
        self.send(batch)
        for user in (self.preparer, self.releaser, self.treasurer):
            with self.assertRaises(Exception):
                batch.with_user(user).write({"bank_reference": "FORGED"})
        self.assertEqual(batch.bank_reference, "PAY-1")


class TestScaDecoupled(BankApiReleaseCase):
    provider_class = DecoupledJsonApiProvider

    def test_decoupled_sca_asks_for_approval_in_the_bank_app(self):
        batch = self.released()
        message = self.send(batch)
        self.assertEqual(message.state, "sent", message.last_error)
        self.assertEqual(batch.bank_reference, "PAY-1")
        self.assertFalse(self.activities(batch, AUTHORISE))
        activity = self.activities(batch, IN_APP, self.releaser)
        self.assertEqual(len(activity), 1)
        self.assertNotIn("href", str(activity.note))
        self.assertEqual(json.loads(self.audit(batch, "payment_batch.sca_requested").payload)["approach"],
                         "decoupled")


class TestDeadTransmission(BankApiReleaseCase):
    def test_refused_by_the_bank_is_a_stuck_batch_with_one_activity_for_the_releaser(self):
        batch = self.released()
        self.bank.faults.append(("/payments", 422, {}))
        message = self.send(batch)
        self.assertEqual(message.state, "dead")
        self.assertEqual(batch.state, "released")
        self.assertFalse(batch.bank_reference)
        self.assertEqual(len(self.activities(batch, NOT_SENT, self.releaser)), 1)
        self.assertTrue(self.activities(batch, NOT_SENT, self.treasurer))
        stuck = self.env["finance.payment.exception"].search([("batch_id", "=", batch.id), ("kind", "=", "stuck")])
        self.assertEqual(len(stuck), 1)
        self.assertTrue(stuck.reason.startswith("dead: "), stuck.reason)
        dead = self.audit(batch, "payment_batch.not_transmitted")
        self.assertEqual(len(dead), 1)
        self.assertEqual(json.loads(dead.payload)["releaser"], self.releaser.id)

        # replayed by the treasury manager, refused again: audited again, no second activity
        message.with_user(self.treasurer).action_replay()
        self.bank.faults.append(("/payments", 422, {}))
        self.send(batch)
        self.assertEqual(message.state, "dead")
        self.assertEqual(len(self.audit(batch, "payment_batch.not_transmitted")), 2)
        self.assertEqual(len(self.activities(batch, NOT_SENT, self.releaser)), 1)
        self.assertEqual(len(self.activities(batch, NOT_SENT, self.treasurer)), 1)

        # replayed once the cause is fixed: transmitted, the bank's reference, the SCA activity
        message.with_user(self.treasurer).action_replay()
        self.send(batch)
        self.assertEqual(message.state, "sent", message.last_error)
        self.assertEqual((batch.state, batch.bank_reference), ("transmitted", "PAY-1"))
        self.assertEqual(len(self.activities(batch, AUTHORISE, self.releaser)), 1)
        self.assertFalse(self.env["finance.payment.exception"].search([("batch_id", "=", batch.id),
                                                                       ("kind", "=", "stuck")]))
