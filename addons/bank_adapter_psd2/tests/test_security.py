"""What the bank refuses, and what we refuse: mutual TLS with a foreign certificate, a signature by
another TPP's or a foreign seal, a key that does not match its certificate, wrong tokens never leaking."""
from odoo.exceptions import UserError

from .psd2_case import Psd2Case
from .sim import foreign_ca


class TestTransportSecurity(Psd2Case):
    def _wait_handshake_refused(self):
        import time
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if any(e["status"] == "handshake_failed" for e in self.bank.request_log("tls")):
                return True
            time.sleep(0.05)
        return False

    def test_foreign_client_certificate_refused_in_the_handshake(self):
        stranger = foreign_ca().issue_tpp(self.sim.tpp.client_id)
        self.set_secrets(tls_certificate=stranger.tls_cert_pem, tls_key=stranger.tls_key_pem)
        with self.assertRaisesRegex(UserError, "cannot reach the bank"):
            self.connection.action_oauth_connect()
        self.assertTrue(self._wait_handshake_refused())
        self.assertFalse(self.bank.consents)

    def test_signature_of_another_tpp_refused_with_the_spec_code(self):
        other = self.bank.ca.issue_tpp("tpp-someone-else")
        self.set_secrets(seal_certificate=other.seal_cert_pem, seal_key=other.seal_key_pem)
        with self.assertRaisesRegex(UserError, "CERTIFICATE_INVALID"):
            self.connection.action_oauth_connect()
        refused = self.bank.request_log("consents")[-1]
        self.assertEqual(refused["status"], 401)
        self.assertFalse(self.bank.consents)

    def test_foreign_seal_refused_and_not_retried_soon(self):
        self.connect()
        stranger = foreign_ca().issue_tpp(self.sim.tpp.client_id)
        self.set_secrets(seal_certificate=stranger.seal_cert_pem, seal_key=stranger.seal_key_pem)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("CERTIFICATE_INVALID", run.error)
        wait = (self.connection.next_retry - run.create_date).total_seconds()
        self.assertGreater(wait, 1500)  # not retryable: the core waits as after six failures, not 60 s

    def test_key_not_matching_its_certificate(self):
        other = self.bank.ca.issue_tpp("tpp-someone-else")
        self.set_secrets(seal_key=other.seal_key_pem)
        with self.assertRaisesRegex(UserError, "signing certificate"):
            self.connection.action_oauth_connect()
        self.assertFalse(self.bank.request_log("consents"))

    def test_tokens_never_in_errors_or_audit(self):
        self.connect()
        self.bank.set_fault("server_error", endpoint="balances", status=500)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        token = next(iter(self.bank.access_tokens))
        audit = self.env["finance.audit.event"].search([("res_id", "=", self.connection.id)])
        self.assertNotIn(token, run.error)
        for event in audit:
            self.assertNotIn(token, str(event.payload) + (event.summary or ""))
