"""REST connections end to end on a real database, against the loopback OAuth/API server: every exchange
recorded masked and linked to its run, token refresh written back (even when the sync then fails),
the circuit breaker across runs, certificate expiry and its activity, exchange retention."""
import base64
import json
from datetime import datetime, timedelta, timezone

from odoo import fields
from odoo.tests.common import TransactionCase, tagged

from ..lib.errors import ProviderError
from ..lib.oauth2 import OAuthToken
from ..lib.outbox_handlers import register_outbox_handler, unregister_outbox_handler
from . import factories
from .loopback_server import LoopbackHttpMixin
from .oauth_server import OAuthTestServer
from .outbox_sources import queue_message
from .pki import Pki, cert_pem, key_pem, pkcs12_bytes
from .rest_test_provider import register


@tagged("post_install", "-at_install")
class TestRestConnection(LoopbackHttpMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        register(cls)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        factories.bind(cls.env)
        cls.server = OAuthTestServer()
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__)
        cls.journal = factories.BankJournalFactory()
        cls.iban = cls.journal.bank_account_id.sanitized_acc_number
        cls.conn = cls.env["finance.bank.connection"].create({"name": "REST test bank", "provider": "test_rest_oauth"})
        cls.conn.setting_ids.filtered(lambda s: s.key == "base_url").value = cls.server.url
        cls.conn.setting_ids.filtered(lambda s: s.key == "client_id").value = "fb-client"
        cls.secret("client_secret").value = "fb-secret-123"
        cls.conn.account_ids = [(0, 0, {"journal_id": cls.journal.id})]

    @classmethod
    def secret(cls, key):
        return cls.conn.secret_ids.filtered(lambda s: s.key == key)

    def setUp(self):
        super().setUp()
        self.server.api_status = None
        self.server.api_calls.clear()

    def give_token(self, expires_in=3600, refresh=True):
        issued = self.server._issue("accounts", refresh=refresh)
        token = OAuthToken(access_token=issued["access_token"], refresh_token=issued.get("refresh_token"),
                           expires_at=datetime.now(timezone.utc) + timedelta(seconds=expires_in), scope="accounts")
        self.conn._oauth_store_token(token)
        self.conn.action_activate()
        return token

    def stored_token(self):
        return OAuthToken.from_json(self.env["finance.secret.vault"]._open(self.secret("oauth_token")))

    def test_sync_records_every_exchange_masked_and_linked(self):
        token = self.give_token()
        run = self.conn._run_sync(trigger="manual")
        self.assertEqual(run.state, "done", run.error)
        exchange = run.http_exchange_ids
        self.assertEqual(len(exchange), 1)
        self.assertEqual((exchange.method, exchange.status_code, exchange.outcome, exchange.correlation_id),
                         ("GET", 200, "ok", run.correlation_id))
        self.assertEqual(exchange.connection_id, self.conn)
        stored = json.dumps(exchange.read()[0], default=str)
        self.assertNotIn(token.access_token, stored)
        self.assertNotIn(self.iban, stored, "the IBAN in the URL path is masked")
        self.assertNotIn("0532013000", stored, "the IBAN in the response body is masked")
        self.assertIn("[masked]", exchange.request_headers)
        self.assertEqual(run.http_exchange_count, 1)
        self.assertEqual(self.conn.http_exchange_count, 1)
        action = run.action_view_http_exchanges()
        self.assertEqual(self.env["finance.http.exchange"].search(action["domain"]), exchange)

    def test_failed_sync_keeps_its_exchanges_and_refreshed_token(self):
        old = self.give_token(expires_in=30)  # inside the refresh skew: refreshed before the call
        self.server.api_status = 503
        run = self.conn._run_sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("HTTP 503", run.error)
        exchanges = run.http_exchange_ids.sorted("id")
        self.assertEqual([(e.method, e.status_code) for e in exchanges], [("POST", 200), ("GET", 503)],
                         "the token refresh and the failed call are both evidence, despite the rollback")
        self.assertEqual(exchanges[1].outcome, "server_error")
        self.assertIn("refresh_token=[masked]", exchanges[0].request_body)
        self.assertNotIn(old.refresh_token, exchanges[0].request_body)
        fresh = self.stored_token()
        self.assertNotEqual(fresh.access_token, old.access_token)
        self.assertNotEqual(fresh.refresh_token, old.refresh_token)
        self.assertNotIn(old.refresh_token, self.server.refresh, "the server rotated the old refresh token away")
        self.assertGreater(self.conn.oauth_token_expires_at, fields.Datetime.now() + timedelta(minutes=50))
        audit = self.env["finance.audit.event"].search([("event_type", "=", "oauth.token.refreshed"),
                                                        ("res_id", "=", self.conn.id)])
        self.assertEqual(len(audit), 1)
        self.assertNotIn(fresh.access_token, audit.payload)
        self.server.api_status = None
        self.assertEqual(self.conn._run_sync().state, "done", "the next sync works with the kept token")

    def test_circuit_breaker_opens_skips_and_recovers(self):
        self.give_token()
        self.conn.write({"breaker_threshold": 2, "breaker_cool_down": 10})
        self.server.api_status = 503
        self.conn._run_sync()
        self.assertEqual((self.conn.breaker_state, self.conn.breaker_failures), ("closed", 1))
        self.conn._run_sync()
        self.assertEqual(self.conn.breaker_state, "open")
        calls = len(self.server.api_calls)
        skipped = self.conn._run_sync(trigger="manual")
        self.assertEqual(len(self.server.api_calls), calls, "an open circuit makes no call")
        self.assertEqual(skipped.state, "failed")
        self.assertIn("circuit breaker open", skipped.error)
        self.assertGreater(self.conn.next_run, fields.Datetime.now() + timedelta(minutes=9))
        self.assertEqual(self.conn.consecutive_failures, 2, "a skipped run is not another failure of the bank")
        # the cool-down passes; the probe fails: open again
        self.conn.sudo().write({"breaker_opened_at": fields.Datetime.now() - timedelta(minutes=11)})
        self.conn._run_sync()
        self.assertEqual((self.conn.breaker_state, self.conn.breaker_failures), ("open", 3))
        self.assertEqual(len(self.server.api_calls), calls + 1, "exactly one probe")
        # the bank is back; the next probe closes the circuit
        self.server.api_status = None
        self.conn.sudo().write({"breaker_opened_at": fields.Datetime.now() - timedelta(minutes=11)})
        self.assertEqual(self.conn._run_sync().state, "done")
        self.assertEqual((self.conn.breaker_state, self.conn.breaker_failures), ("closed", 0))
        moves = self.env["finance.audit.event"].search([("event_type", "=", "connection.circuit"),
                                                        ("res_id", "=", self.conn.id)], order="id")
        self.assertEqual([m.summary.split("circuit ")[1] for m in moves],
                         ["closed → open", "open → half_open", "half_open → open", "open → half_open",
                          "half_open → closed"])

    def test_certificate_expiry_shown_and_warned(self):
        pki = Pki("FB Bank CA")
        cert, key = pki.issue("TPP Client", days=10)
        self.secret("tls_certificate").value = cert_pem(cert)
        self.secret("tls_private_key").value = key_pem(key, "pw")
        self.assertFalse(self.conn.certificate_expires_on)
        self.assertIn("passphrase", self.conn.certificate_info, "an unusable key is named")
        self.secret("tls_passphrase").value = "pw"
        self.assertEqual(self.conn.certificate_expires_on, cert.not_valid_after.date())
        self.assertIn("CN=TPP Client", self.conn.certificate_info)
        self.give_token()
        self.env["finance.bank.connection"]._cron_check_certificates()
        activity = self.conn.activity_ids.filtered(lambda a: "certificate" in (a.summary or ""))
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.conn.user_id)
        self.env["finance.bank.connection"]._cron_check_certificates()
        self.assertEqual(len(self.conn.activity_ids.filtered(lambda a: "certificate" in (a.summary or ""))), 1,
                         "warned once")
        # a PKCS#12 bundle valid for a year replaces the PEM pair: no warning due
        self.secret("tls_certificate").action_clear()
        self.secret("tls_private_key").action_clear()
        later_cert, later_key = pki.issue("TPP Client 2", days=365)
        self.secret("tls_pkcs12").value = base64.b64encode(pkcs12_bytes(later_cert, later_key, "pw")).decode()
        self.assertEqual(self.conn.certificate_expires_on, later_cert.not_valid_after.date())

    def test_outbox_handler_exchanges_kept_with_the_message(self):
        """A payment handler calls the bank and fails: its savepoint rolls back, its exchanges stay."""
        def submit(message):
            message.connection_id.sudo()._make_provider(message.correlation_id).test_connection()
            raise ProviderError("the bank did not confirm the submission", retryable=True)

        register_outbox_handler("test.rest_submit", "Test REST submit")(submit)
        self.addCleanup(unregister_outbox_handler, "test.rest_submit")
        self.give_token()
        message = queue_message(self.env, "rest-outbox-1", "test.rest_submit", {"n": 1}, connection=self.conn)
        message.sudo()._process()
        self.assertEqual(message.state, "failed")
        exchange = message.http_exchange_ids
        self.assertEqual((exchange.method, exchange.status_code, exchange.correlation_id),
                         ("GET", 200, message.correlation_id))
        self.assertFalse(exchange.sync_run_id)
        self.assertEqual(message.http_exchange_count, 1)

    def test_outbox_handler_failure_keeps_the_refreshed_token(self):
        """The token refreshed inside a failed payment handler survives its rollback (state replay)."""
        def submit(message):
            message.connection_id.sudo()._make_provider(message.correlation_id).test_connection()
            raise ProviderError("the bank did not confirm the submission", retryable=True)

        register_outbox_handler("test.rest_refresh", "Test REST refresh")(submit)
        self.addCleanup(unregister_outbox_handler, "test.rest_refresh")
        old = self.give_token(expires_in=30)
        message = queue_message(self.env, "rest-outbox-2", "test.rest_refresh", {"n": 2}, connection=self.conn)
        message.sudo()._process()
        self.assertEqual(message.state, "failed")
        self.assertEqual([(e.method, e.status_code) for e in message.http_exchange_ids.sorted("id")],
                         [("POST", 200), ("GET", 200)])
        fresh = self.stored_token()
        self.assertNotEqual(fresh.refresh_token, old.refresh_token, "the rotated refresh token is kept")
        self.assertNotIn(old.refresh_token, self.server.refresh)
        self.assertEqual(len(self.env["finance.audit.event"].search([("event_type", "=", "oauth.token.refreshed"),
                                                                    ("res_id", "=", self.conn.id)])), 1)

    def test_retention_cron_deletes_old_exchanges_audited(self):
        self.give_token()
        self.conn._run_sync()
        self.conn._run_sync()
        exchanges = self.env["finance.http.exchange"].search([("connection_id", "=", self.conn.id)])
        self.assertEqual(len(exchanges), 2)
        self.env["ir.config_parameter"].set_param("finance_bridge.http_exchange_retention_days", "30")
        self.env.cr.execute("UPDATE finance_http_exchange SET create_date = now() - interval '31 days' WHERE id = %s",
                            (exchanges[0].id,))
        self.env.invalidate_all()
        counts = self.env["finance.http.exchange"]._cron_purge()
        self.assertEqual(counts, {self.conn.company_id.id: 1})
        self.assertEqual(exchanges.exists(), exchanges[1])
        audit = self.env["finance.audit.event"].search([("event_type", "=", "http_exchange.purged")], limit=1)
        self.assertIn('"days": 30', audit.payload)
