"""Consent lifecycle against the simulated bank: Connect → SCA at the bank → callback, refusal,
expiry mid-sync, renewal, revocation, token refresh, and the callback's own checks."""
import datetime

from odoo.addons.finance_bridge_core.models.oauth_state import OAuthStateRefused

from .psd2_case import Psd2Case


class TestConsent(Psd2Case):
    def test_connect_sca_callback_gives_a_valid_consent_and_tokens(self):
        self.connect()
        conn = self.connection
        self.assertEqual(conn.consent_state, "valid")
        self.assertTrue(conn.consent_reference.startswith("cons-"))
        self.assertEqual(conn.consent_frequency_per_day, self.frequency)
        self.assertEqual(self.bank.consents[conn.consent_reference].status, "valid")
        today = self.bank.clock.today()
        self.assertEqual(conn.consent_expires_on, today + datetime.timedelta(days=91))  # validUntil + 1: first invalid day
        token = conn.secret_ids.filtered(lambda s: s.key == "oauth_token")
        self.assertTrue(token.is_set and token.managed)
        self.assertTrue(conn.certificate_expires_on)  # the core reads the declared certificates
        events = self.env["finance.audit.event"].search([("res_id", "=", conn.id)]).mapped("event_type")
        self.assertIn("oauth.connected", events)
        self.assertIn("provider.consent", events)
        self.assertTrue(self.env["finance.http.exchange"].search([("connection_id", "=", conn.id)]))

    def test_refused_at_the_bank(self):
        action = self.connection.action_oauth_connect()
        back = self.psu_decides(action["url"], "refuse")
        with self.assertRaisesRegex(OAuthStateRefused, "access_denied"):
            self.env["finance.bank.connection"]._oauth_callback(back["state"], error=back["error"])
        self.connection.action_psd2_refresh_consent()
        self.assertEqual(self.connection.consent_state, "rejected")
        self.assertFalse(self.connection.secret_ids.filtered(lambda s: s.key == "oauth_token").is_set)

    def test_callback_state_is_single_use_and_bound_to_the_user(self):
        action = self.connection.action_oauth_connect()
        back = self.psu_decides(action["url"])
        other = self.env["res.users"].create({
            "name": "Other admin", "login": "psd2_other_admin",
            "group_ids": [(6, 0, [self.env.ref("finance_bridge_core.group_connection_admin").id,
                                  self.env.ref("base.group_user").id])]})
        Connections = self.env["finance.bank.connection"]
        with self.assertRaisesRegex(OAuthStateRefused, "another user"):
            Connections.with_user(other)._oauth_callback(back["state"], code=back["code"])
        with self.assertRaises(OAuthStateRefused):  # consumed by the refused attempt: single use
            Connections._oauth_callback(back["state"], code=back["code"])
        with self.assertRaisesRegex(OAuthStateRefused, "unknown"):
            Connections._oauth_callback("forged-state", code="x")
        self.assertNotEqual(self.connection.consent_state, "valid")

    def test_token_refreshed_before_expiry_and_written_back(self):
        self.connect()
        sealed_before = self._sealed("oauth_token")
        self.bank.advance_clock(seconds=250)  # within the 120 s refresh margin of the 300 s token
        run = self.sync(ahead=250)
        self.assertEqual(run.state, "done", run.error)
        self.assertNotEqual(self._sealed("oauth_token"), sealed_before)
        token_calls = [e for e in self.bank.request_log("token")]
        self.assertEqual(len(token_calls), 2)  # the code exchange, then one refresh
        self.bank.expire_tokens()  # the bank revokes the access token early: TOKEN_EXPIRED, refreshed, retried
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(len(self.bank.request_log("token")), 3)

    def _sealed(self, key):
        self.env.flush_all()
        self.env.cr.execute("SELECT ciphertext FROM finance_bank_secret WHERE connection_id=%s AND key=%s",
                            (self.connection.id, key))
        return self.env.cr.fetchone()[0]

    def test_consent_expired_mid_sync_then_renewed(self):
        self.bank.generate_transactions(self.account, 30, pages=3, seed=1)
        self.connect()
        self.bank.set_fault("expire_consent", endpoint="transactions", page=1)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("CONSENT_EXPIRED", run.error)
        self.assertEqual(self.connection.consent_state, "expired")
        self.assertEqual(self.connection.state, "expired")
        self.assertFalse(self.lines())  # the failed run stored nothing; its cursor did not move
        self.connect()  # Renew consent: the same Connect, a new consent
        self.assertEqual(self.connection.state, "active")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(len(self.lines()), 30)

    def test_revoked_by_the_account_holder(self):
        self.connect()
        self.bank.set_consent_status(self.connection.consent_reference, "revokedByPsu")
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertEqual(self.connection.consent_state, "revoked")
        self.assertEqual(self.connection.state, "expired")
        self.connection.action_psd2_refresh_consent()
        self.assertEqual(self.connection.consent_state, "revoked")

    def test_end_consent(self):
        self.connect()
        self.connection.action_psd2_end_consent()
        self.assertEqual(self.bank.consents[self.connection.consent_reference].status, "terminatedByTpp")
        self.assertEqual(self.connection.consent_state, "terminated")
        self.assertEqual(self.connection.state, "expired")  # no sync until Connect again
