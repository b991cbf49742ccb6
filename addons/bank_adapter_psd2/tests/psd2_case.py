"""A PSD2 connection against a simulated bank on loopback (real HTTPS with mutual TLS), per test."""
import datetime
import re
from urllib.parse import parse_qs, urlsplit

import requests

from odoo.addons.finance_bridge_core.tests.loopback_server import LoopbackHttpMixin
from odoo.tests import common as odoo_test_common
from odoo.tests.common import HttpCase, TransactionCase

from .sim import running_bank

IBAN = "DE89370400440532013000"


class Psd2Mixin:
    """``self.bank`` (the simulator's admin API), ``self.connection`` (PSD2, one journal)."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname == "localhost":  # the simulator, on loopback
            return odoo_test_common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)

    frequency = 24

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        eur = cls.env.ref("base.EUR")
        eur.active = True
        cls.journal = cls.env["account.journal"].create({
            "name": "PSD2 Bank", "code": "PSD2", "type": "bank", "currency_id": eur.id,
            "bank_account_id": cls.env["res.partner.bank"].create({
                "acc_number": IBAN, "partner_id": cls.env.company.partner_id.id}).id})

    def setUp(self):
        super().setUp()
        # "localhost": the core's TLS context checks host names, which urllib3 1.26 does not do for IPs
        handle = running_bank(seed=11, public_host="localhost")
        self.sim = handle.__enter__()
        self.addCleanup(handle.__exit__, None, None, None)
        self.bank = self.sim.bank
        self.account = self.bank.add_account(IBAN, resource_id="acc-main", opening_balance="1000.00", page_size=10)
        self.connection = self.env["finance.bank.connection"].create({
            "name": "Simulated PSD2 bank", "provider": "psd2_berlin_group", "bank_timezone": "Europe/Berlin",
            "account_ids": [(0, 0, {"journal_id": self.journal.id})]})
        self.set_settings(api_url=self.sim.api_url, client_id=self.sim.tpp.client_id,
                          bank_ca_pem=self.sim.ca_pem.decode(), frequency_per_day=self.frequency, timeout_seconds=2)
        self.connection.breaker_threshold = 3
        self.redirect = self.connection._oauth_redirect_uri()
        self.set_secrets(tls_certificate=self.sim.tpp.tls_cert_pem, tls_key=self.sim.tpp.tls_key_pem,
                         seal_certificate=self.sim.tpp.seal_cert_pem, seal_key=self.sim.tpp.seal_key_pem)

    # ------------------------------------------------------------------ helpers
    def set_settings(self, **values):
        for key, value in values.items():
            self.connection.setting_ids.filtered(lambda s, k=key: s.key == k).value = str(value)

    def set_secrets(self, **values):
        for key, value in values.items():
            self.connection.secret_ids.filtered(lambda s, k=key: s.key == k).value = (
                value.decode() if isinstance(value, bytes) else value)

    def provider(self):
        return self.connection._make_provider()

    def psu_decides(self, url, decision="approve"):
        """The account holder's browser: open the bank's page, press a button; returns the callback query."""
        page = requests.get(url, timeout=10)
        self.assertEqual(page.status_code, 200, page.text)
        sca_id = re.search(r"name='sca_id' value='([^']+)'", page.text).group(1)
        answer = requests.post(self.bank.psu_url + "/authorize/decision", data={"sca_id": sca_id, "decision": decision},
                               allow_redirects=False, timeout=10)
        self.assertEqual(answer.status_code, 303)
        location = answer.headers["Location"]
        self.assertTrue(location.startswith(self.redirect), location)
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def connect(self):
        """Connect (consent + SCA approved at the bank + callback) and activate the connection."""
        action = self.connection.action_oauth_connect()
        back = self.psu_decides(action["url"])
        self.env["finance.bank.connection"]._oauth_callback(back.get("state"), code=back.get("code"))
        self.assertEqual(self.connection.consent_state, "valid")
        if self.connection.state in ("draft", "expired"):
            self.connection.action_activate()
        return back

    def sync(self, trigger="manual", ahead=0, at=None):
        """One run of the sync engine; ``ahead`` seconds moves our clock (the bank's is the caller's),
        ``at`` fixes it (an aware datetime)."""
        clock = None
        if ahead or at:
            def clock():
                return at or datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ahead)
        return self.connection._technical()._run_sync(trigger=trigger, clock=clock)

    def lines(self):
        return self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)], order="id")

    def pending(self):
        return self.env["finance.bank.pending.line"].search([("journal_id", "=", self.journal.id)])

    def line_keys(self):
        return sorted(self.lines().mapped("finance_import_key"))


class Psd2Case(Psd2Mixin, LoopbackHttpMixin, TransactionCase):
    pass


class Psd2HttpCase(Psd2Mixin, LoopbackHttpMixin, HttpCase):
    """The same against the Odoo test server (the simulator calls us: webhooks)."""
