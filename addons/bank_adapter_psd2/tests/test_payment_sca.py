"""Redirect SCA of a released batch at the simulated bank, end to end: the adapter prefers the
redirect approach, the bank's scaRedirect page becomes the releaser's "Authorise the payment at the
bank" activity, the account holder's browser approves (→ ACSC) or refuses (→ RJCT) on that page and
comes back to Odoo; the status reaches the batch by polling. A bank that authorises in its app
(decoupled) gives the releaser the in-app activity instead."""
import dataclasses
import datetime
import re
import unittest
from decimal import Decimal
from urllib.parse import urljoin

import requests

from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO
from odoo.addons.finance_bridge_core.tests.loopback_server import LoopbackHttpMixin
from odoo.addons.payment_release_workflow.tests.release_case import ReleaseCase

from ..lib import payments, sca
from .psd2_case import Psd2Mixin

AUTHORISE = "Authorise the payment at the bank"
IN_APP = "Approve the payment in your bank app"


class TestScaLib(unittest.TestCase):
    def test_approach_of_an_answer_and_the_details_handed_on(self):
        page = {"_links": {"scaRedirect": {"href": "https://bank.example/sca/1"}, "scaStatus": {"href": "x"}}}
        self.assertEqual(sca.approach(page), ("redirect", "https://bank.example/sca/1"))
        self.assertEqual(sca.approach({"_links": {"scaStatus": {"href": "x"}}}), ("decoupled", None))
        self.assertEqual(sca.approach({"_links": {"scaOAuth": {"href": "x"}}}), ("oauth", None))
        self.assertEqual(sca.approach({"_links": {"self": {"href": "x"}}}), (None, None))
        self.assertEqual(sca.submission_details([("redirect", "https://a/1"), ("redirect", "https://a/2")]),
                         {"sca_redirect": "https://a/1", "sca_redirects": ["https://a/1", "https://a/2"]})
        self.assertEqual(sca.submission_details([(None, None), ("decoupled", None)]), {"sca_approach": "decoupled"})
        self.assertEqual(sca.submission_details([("oauth", None)]), {})
        self.assertEqual(sca.redirect_headers("https://erp.example/"),
                         {"TPP-Redirect-Preferred": "true", "TPP-Redirect-URI": "https://erp.example/odoo"})
        self.assertEqual(sca.redirect_headers(""), {})

    def test_a_creditor_account_that_is_an_iban_goes_as_iban(self):
        self.assertTrue(payments.is_iban("DE89370400440532013000"))
        self.assertFalse(payments.is_iban("DE89370400440532013001"))   # check digits
        self.assertFalse(payments.is_iban("0532013000"))
        dto = PaymentBatchDTO(
            msg_id="PAY-S", debtor_name="My Company", debtor_iban="DE89370400440532013000",
            created_at=datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.timezone.utc),
            payments=(PaymentDTO(end_to_end_id="PAY-S-0", amount=Money(Decimal("10.00"), "EUR"),
                                 creditor_name="Supplier", creditor_iban="DE02120300000000202051",
                                 requested_execution_date=datetime.date(2026, 12, 1)),))
        plain = dataclasses.replace(dto.payments[0], creditor_iban=None, creditor_account="de89 3704 0044 0532 0130 00")
        other = dataclasses.replace(dto.payments[0], end_to_end_id="PAY-S-1", creditor_iban=None,
                                    creditor_account="0532013000")
        fixed = payments.sepa_batch(dataclasses.replace(dto, payments=(plain, other)))
        self.assertEqual([(p.creditor_iban, p.creditor_account) for p in fixed.payments],
                         [("DE89370400440532013000", None), (None, "0532013000")])
        self.assertIs(payments.sepa_batch(dto), dto)


class TestReleaseWithRedirectSca(Psd2Mixin, LoopbackHttpMixin, ReleaseCase):
    """A batch of the release workflow on the PSD2 connection (journal with the simulator's IBAN)."""

    def folder_connection(self):
        """No watched folder here: the batches go to the PSD2 connection (``connect`` is the PSD2 one)."""

    def setUp(self):
        super().setUp()
        self.bank.payment_sca = True
        self.connect()
        self.base = self.env["ir.config_parameter"].sudo().get_param("web.base.url").rstrip("/")

    def transmitted(self, ref):
        batch = self.make_batch([self.bill(self.vendors[0], 250.0, ref)], conn=self.connection)
        self.approve_and_release(batch)
        message = self.send(batch)
        self.assertEqual(message.state, "sent", message.last_error)
        self.assertEqual(batch.state, "transmitted")
        self.assertEqual(batch.bank_reference, message.result["bank_reference"])
        return batch, message

    def activities(self, batch, summary):
        return self.env["mail.activity"].search([("res_model", "=", batch._name), ("res_id", "=", batch.id),
                                                 ("summary", "=", summary), ("user_id", "=", self.releaser.id)])

    def browser_decides(self, link, decision):
        """The releaser's browser on the bank's page: open it, press Approve or Refuse, follow back."""
        page = requests.get(link, timeout=10)
        self.assertEqual(page.status_code, 200, page.text)
        self.assertIn("Authorise payment of 250.00 EUR", page.text)
        action = re.search(r"action='([^']+)'", page.text).group(1)
        sca_id = re.search(r"name='sca_id' value='([^']+)'", page.text).group(1)
        answer = requests.post(urljoin(link, action), data={"sca_id": sca_id, "decision": decision},
                               allow_redirects=False, timeout=10)
        self.assertEqual(answer.status_code, 303, answer.text)
        self.assertEqual(answer.headers["Location"], self.base + "/odoo")  # back to Odoo

    def poll_until_final(self, batch, start=0):
        """Sync runs an hour apart (each finds the status reading due) until the batch's status is final."""
        for hour in range(start + 1, start + 6):
            run = self.sync(ahead=hour * 3600)
            self.assertEqual(run.state, "done", run.error)
            if batch.state not in ("transmitted", "accepted"):
                break
        return self.env["finance.status.event"].search([("msg_id", "=", batch.msg_id)], order="id").mapped("status")

    def released_link(self, ref):
        batch, message = self.transmitted(ref)
        posted = self.bank.request_log("payments")[-1]
        self.assertEqual(posted["status"], 201)
        link = message.result["details"]["sca_redirect"]
        self.assertTrue(link.startswith(self.bank.psu_url + "/payments/sca/"), link)
        activity = self.activities(batch, AUTHORISE)
        self.assertEqual(len(activity), 1)
        self.assertIn(f'href="{link}"', str(activity.note))
        return batch, link

    def test_releaser_approves_on_the_bank_page_then_acsc(self):
        batch, link = self.released_link("INV-SCA-1")
        self.assertEqual(self.poll_until_final(batch), [])  # RCVD until the account holder decides
        self.browser_decides(link, "approve")
        self.assertEqual(self.poll_until_final(batch, start=10), ["ACTC", "ACSP", "ACSC"])
        self.assertEqual(batch.state, "settled")
        self.assertEqual(requests.get(link, timeout=10).status_code, 400)  # decided: the page is gone

    def test_releaser_refuses_on_the_bank_page_then_rjct(self):
        batch, link = self.released_link("INV-SCA-2")
        self.browser_decides(link, "refuse")
        self.assertEqual(self.poll_until_final(batch), ["RJCT"])
        self.assertEqual(batch.state, "rejected")

    def test_decoupled_bank_asks_in_its_app(self):
        self.bank.set_decoupled_sca()
        batch, message = self.transmitted("INV-SCA-3")
        self.assertEqual(message.result["details"].get("sca_approach"), "decoupled")
        self.assertFalse(self.activities(batch, AUTHORISE))
        self.assertEqual(len(self.activities(batch, IN_APP)), 1)
        self.bank.approve_payment(batch.bank_reference)  # the account holder approves in the bank's app
        self.assertEqual(self.poll_until_final(batch), ["ACTC", "ACSP", "ACSC"])
