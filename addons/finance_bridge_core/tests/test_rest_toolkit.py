"""The REST toolkit without a database: request signing, OAuth 2.0 client, circuit breaker, backoff,
exchange masking — the signing and OAuth parts over real loopback HTTP."""
import base64
import json
import random
import unittest
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import serialization

from ..lib.backoff import full_jitter_delay, next_wait, parse_retry_after
from ..lib.circuit_breaker import CLOSED, HALF_OPEN, OPEN, BreakerState, CircuitBreaker, CircuitOpen
from ..lib.http_exchange import MASK, mask_body, mask_headers, mask_url
from ..lib.oauth2 import (
    OAuth2Client,
    OAuthClientConfig,
    OAuthError,
    OAuthToken,
    authorization_url,
    new_pkce,
    parse_token_response,
    pkce_challenge,
)
from ..lib.provider_context import make_http_session
from ..lib.request_signing import (
    SignatureError,
    SigningAuth,
    digest_header,
    key_id,
    parse_signature,
    sign_headers,
    signing_string,
    verify_request,
)
from .loopback_server import ScriptedServer
from .oauth_server import OAuthTestServer
from .pki import Pki

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


class TestRequestSigning(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pki = Pki("FB QSeal CA")
        cls.cert, cls.key = cls.pki.issue("TPP Signer")
        cls.other_cert, cls.other_key = Pki("Other CA").issue("Intruder")

    def _signed(self, body=b'{"a": 1}', **kw):
        headers = {"Content-Type": "application/json", "X-Request-ID": "99391c7e-ad88-49ec-a2ad-99ddcb1f7721"}
        headers.update(sign_headers(headers, body, self.key, self.cert, **kw))
        return headers

    def test_digest_of_empty_body_is_the_known_sha256(self):
        self.assertEqual(digest_header(b""), "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        self.assertEqual(digest_header(None), digest_header(""))

    def test_signature_header_has_the_berlin_group_shape(self):
        headers = self._signed()
        params = parse_signature(headers["Signature"])
        self.assertEqual(params["algorithm"], "rsa-sha256")
        self.assertEqual(params["headers"], "digest x-request-id date")
        self.assertEqual(params["keyId"], f"SN={self.cert.serial_number:x},CA={self.cert.issuer.rfc4514_string()}")
        self.assertIn("CN=FB QSeal CA", params["keyId"])
        der = base64.b64decode(headers["TPP-Signature-Certificate"])
        self.assertEqual(der, self.cert.public_bytes(serialization.Encoding.DER))
        self.assertEqual(headers["X-Request-ID"], "99391c7e-ad88-49ec-a2ad-99ddcb1f7721", "a given request id is kept")

    def test_round_trip_verifies_with_trusted_issuer(self):
        body = b'{"instructedAmount": {"currency": "EUR", "amount": "12.30"}}'
        verified = verify_request(self._signed(body), body, trusted_issuers=[self.pki.ca_cert])
        self.assertEqual(verified.key_id, key_id(self.cert))
        self.assertEqual(verified.request_id, "99391c7e-ad88-49ec-a2ad-99ddcb1f7721")

    def test_psu_headers_are_signed_when_present(self):
        headers = {"X-Request-ID": "r1", "PSU-ID": "psu-1"}
        headers.update(sign_headers(headers, b"", self.key, self.cert))
        self.assertEqual(parse_signature(headers["Signature"])["headers"], "digest x-request-id date psu-id")
        verify_request(headers, b"")
        headers["PSU-ID"] = "psu-2"
        with self.assertRaises(SignatureError) as caught:
            verify_request(headers, b"")
        self.assertEqual(caught.exception.code, "SIGNATURE_INVALID")

    def test_refusals_name_the_spec_code(self):
        body = b'{"a": 1}'
        cases = {
            "tampered body": (lambda h: h, b'{"a": 2}', "SIGNATURE_INVALID"),
            "no signature": (lambda h: {k: v for k, v in h.items() if k != "Signature"}, body, "SIGNATURE_MISSING"),
            "no certificate": (lambda h: {k: v for k, v in h.items() if k != "TPP-Signature-Certificate"}, body,
                               "CERTIFICATE_MISSING"),
            "request id changed": (lambda h: dict(h, **{"X-Request-ID": "other"}), body, "SIGNATURE_INVALID"),
            "certificate swapped": (lambda h: dict(h, **{"TPP-Signature-Certificate": base64.b64encode(
                self.other_cert.public_bytes(serialization.Encoding.DER)).decode()}), body, "SIGNATURE_INVALID"),
            "garbage header": (lambda h: dict(h, Signature="keyId=unquoted"), body, "FORMAT_ERROR"),
            "wrong algorithm": (lambda h: dict(h, Signature=h["Signature"].replace("rsa-sha256", "hmac-sha256")),
                                body, "SIGNATURE_INVALID"),
            "date unsigned": (lambda h: dict(h, Signature=h["Signature"].replace(
                'headers="digest x-request-id date"', 'headers="digest x-request-id"')), body, "SIGNATURE_INVALID"),
        }
        for name, (change, sent_body, code) in cases.items():
            with self.subTest(name), self.assertRaises(SignatureError) as caught:
                verify_request(change(self._signed(body)), sent_body)
            self.assertEqual(caught.exception.code, code, name)

    def test_untrusted_issuer_stale_date_and_expired_certificate(self):
        other = {"X-Request-ID": "r"}
        other.update(sign_headers(other, b"", self.other_key, self.other_cert))
        with self.assertRaises(SignatureError) as caught:
            verify_request(other, b"", trusted_issuers=[self.pki.ca_cert])
        self.assertEqual(caught.exception.code, "CERTIFICATE_INVALID")
        stale = self._signed(date=datetime.now(timezone.utc) - timedelta(hours=1))
        with self.assertRaisesRegex(SignatureError, "clock skew"):
            verify_request(stale, b'{"a": 1}')
        with self.assertRaises(SignatureError) as caught:
            verify_request(self._signed(), b'{"a": 1}', now=datetime.now(timezone.utc) + timedelta(days=400))
        self.assertEqual(caught.exception.code, "CERTIFICATE_EXPIRED")

    def test_signing_string_order_and_missing_header(self):
        self.assertEqual(signing_string({"Date": "d", "Digest": "x", "X-Request-ID": "r"},
                                         ("digest", "x-request-id", "date")), "digest: x\nx-request-id: r\ndate: d")
        with self.assertRaisesRegex(SignatureError, "x-request-id"):
            signing_string({"Digest": "x"}, ("digest", "x-request-id"))

    def test_signing_auth_signs_what_is_sent_over_http(self):
        with ScriptedServer() as srv:
            session = make_http_session(retries=0)
            session.auth = SigningAuth(self.key, self.cert)
            session.post(srv.url + "/v1/payments/sepa-credit-transfers", json={"amount": "1.00"},
                         headers={"X-Request-ID": "req-1"})
            session.get(srv.url + "/v1/accounts")
        for method, _path, headers, body, _at in srv.requests:
            with self.subTest(method):
                verify_request(headers, body, trusted_issuers=[self.pki.ca_cert])
        self.assertEqual(srv.requests[0][2]["X-Request-ID"], "req-1")
        self.assertTrue(srv.requests[1][2]["X-Request-ID"], "a request id is generated when none is given")


class TestOAuth2(unittest.TestCase):
    def config(self, srv, **kw):
        return OAuthClientConfig(token_url=srv.url + "/token", authorization_url=srv.url + "/authorize",
                                 client_id="fb-client", client_secret="fb-secret-123",
                                 redirect_uri="http://127.0.0.1/cb", **kw)

    def test_pkce_matches_rfc7636_appendix_b(self):
        self.assertEqual(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                         "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        verifier, challenge = new_pkce()
        self.assertTrue(43 <= len(verifier) <= 128)
        self.assertEqual(challenge, pkce_challenge(verifier))

    def test_authorization_url_carries_state_and_challenge(self):
        cfg = OAuthClientConfig(token_url="https://bank.test/token", client_id="c1", scope="accounts",
                                authorization_url="https://bank.test/authorize?lang=en", redirect_uri="https://me/cb")
        url = authorization_url(cfg, "st4te", "ch4llenge")
        self.assertTrue(url.startswith("https://bank.test/authorize?lang=en&response_type=code&client_id=c1"))
        for part in ("state=st4te", "code_challenge=ch4llenge", "code_challenge_method=S256",
                     "redirect_uri=https%3A%2F%2Fme%2Fcb", "scope=accounts"):
            self.assertIn(part, url)

    def test_token_response_validation(self):
        token = parse_token_response({"access_token": "a", "expires_in": 60, "refresh_token": "r"}, NOW)
        self.assertEqual(token.expires_at, NOW + timedelta(seconds=60))
        self.assertTrue(token.expires_within(NOW, timedelta(seconds=61)))
        self.assertFalse(token.expires_within(NOW, timedelta(seconds=30)))
        self.assertEqual(OAuthToken.from_json(token.to_json()), token)
        kept = parse_token_response({"access_token": "b"}, NOW, previous=token)
        self.assertEqual(kept.refresh_token, "r", "a refresh token the bank did not rotate is kept")
        for bad, reason in (([], "JSON object"), ({}, "no access_token"), ({"access_token": "a", "expires_in": "x"},
                            "not a number"), ({"access_token": "a", "token_type": "weird"}, "token_type")):
            with self.subTest(reason), self.assertRaisesRegex(OAuthError, reason):
                parse_token_response(bad, NOW)

    def test_code_exchange_refresh_and_client_credentials_over_http(self):
        with OAuthTestServer() as srv:
            session = make_http_session(retries=0)
            client = OAuth2Client(self.config(srv), session, clock=lambda: NOW)
            verifier, challenge = new_pkce()
            answer = session.get(authorization_url(client.config, "s1", challenge), allow_redirects=False)
            code = dict(p.split("=") for p in answer.headers["Location"].split("?")[1].split("&"))["code"]
            token = client.exchange_code(code, verifier)
            self.assertTrue(token.access_token.startswith("at-"))
            self.assertEqual(token.expires_at, NOW + timedelta(hours=1))
            with self.assertRaises(OAuthError) as caught:
                client.exchange_code(code, verifier)
            self.assertEqual(caught.exception.error, "invalid_grant", "a code is single use")
            self.assertIn("press Connect again", str(caught.exception))
            self.assertFalse(caught.exception.retryable)
            same, refreshed = client.ensure_fresh(token)
            self.assertFalse(refreshed)
            self.assertIs(same, token)
            later = OAuth2Client(client.config, session, clock=lambda: NOW + timedelta(minutes=59))
            fresh, refreshed = later.ensure_fresh(token)
            self.assertTrue(refreshed)
            self.assertNotEqual(fresh.access_token, token.access_token)
            self.assertNotEqual(fresh.refresh_token, token.refresh_token, "the server rotates refresh tokens")
            with self.assertRaisesRegex(OAuthError, "invalid_grant|revoked"):
                later.refresh(token)
            cc = client.client_credentials("payments")
            self.assertIsNone(cc.refresh_token)
            self.assertEqual(cc.scope, "payments")
            self.assertEqual(srv.token_requests[0][1]["code_verifier"], verifier)

    def test_pkce_mismatch_bad_client_and_server_errors(self):
        with OAuthTestServer() as srv:
            session = make_http_session(retries=0)
            client = OAuth2Client(self.config(srv), session)
            _v, challenge = new_pkce()
            answer = session.get(authorization_url(client.config, "s", challenge), allow_redirects=False)
            code = answer.headers["Location"].split("code=")[1].split("&")[0]
            with self.assertRaisesRegex(OAuthError, "PKCE mismatch"):
                client.exchange_code(code, "a-wrong-verifier-of-sufficient-length-0123456789")
            wrong = OAuth2Client(OAuthClientConfig(token_url=srv.url + "/token", client_id="fb-client",
                                                   client_secret="nope"), session)
            with self.assertRaises(OAuthError) as caught:
                wrong.client_credentials()
            self.assertEqual((caught.exception.error, caught.exception.status), ("invalid_client", 401))
            self.assertIn("client id / secret", str(caught.exception))
            srv.fail_next = (503, {"error": "temporarily_unavailable"})
            with self.assertRaises(OAuthError) as caught:
                client.client_credentials()
            self.assertTrue(caught.exception.retryable)

    def test_token_call_times_out(self):
        with ScriptedServer() as srv:
            srv.responses = [(200, {}, b"{}", 3)]
            cfg = OAuthClientConfig(token_url=srv.url + "/token", client_id="c", client_secret="s")
            client = OAuth2Client(cfg, make_http_session(retries=0), timeout=(1, 0.3))
            with self.assertRaises(OAuthError) as caught:
                client.client_credentials()
        self.assertEqual(caught.exception.error, "timeout")
        self.assertTrue(caught.exception.retryable)
        with self.assertRaises(ValueError):
            OAuth2Client(cfg, None, timeout=None)


class TestCircuitBreaker(unittest.TestCase):
    def test_open_half_open_closed(self):
        breaker = CircuitBreaker(threshold=3, cool_down=timedelta(minutes=10))
        state = BreakerState()
        for _i in range(2):
            state = breaker.on_failure(state, NOW)
        self.assertEqual((state.state, state.failures), (CLOSED, 2))
        state = breaker.on_failure(state, NOW)
        self.assertEqual(state.state, OPEN)
        self.assertEqual(breaker.before_call(state, NOW + timedelta(minutes=9)), (False, state))
        with self.assertRaises(CircuitOpen) as caught:
            breaker.check(state, NOW + timedelta(minutes=9))
        self.assertEqual(caught.exception.retry_at, NOW + timedelta(minutes=10))
        self.assertTrue(caught.exception.retryable)
        allowed, probe = breaker.before_call(state, NOW + timedelta(minutes=10))
        self.assertTrue(allowed)
        self.assertEqual(probe.state, HALF_OPEN)
        reopened = breaker.on_failure(probe, NOW + timedelta(minutes=11))
        self.assertEqual((reopened.state, reopened.opened_at), (OPEN, NOW + timedelta(minutes=11)))
        self.assertFalse(breaker.before_call(reopened, NOW + timedelta(minutes=12))[0], "the cool-down restarts")
        self.assertEqual(breaker.on_success(probe), BreakerState())

    def test_invalid_settings(self):
        with self.assertRaises(ValueError):
            CircuitBreaker(threshold=0)
        with self.assertRaises(ValueError):
            BreakerState(state=OPEN)


class TestBackoffExtensions(unittest.TestCase):
    def test_full_jitter_is_bounded_and_spread(self):
        rng = random.Random(3)
        delays = [full_jitter_delay(4, base_seconds=1, cap_seconds=10, rng=rng).total_seconds() for _ in range(200)]
        self.assertTrue(all(0 <= d <= 10 for d in delays))
        self.assertGreater(len(set(delays)), 150)
        self.assertLessEqual(max(full_jitter_delay(1, 1, 10, rng).total_seconds() for _ in range(50)), 2)

    def test_retry_after_wins_and_is_parsed(self):
        self.assertEqual(next_wait(5, retry_after=7), timedelta(seconds=7))
        self.assertEqual(next_wait(5, retry_after=7200, cap_seconds=60), timedelta(seconds=60))
        self.assertEqual(parse_retry_after("120", NOW), timedelta(seconds=120))
        self.assertEqual(parse_retry_after("Mon, 30 Nov 2026 12:00:30 GMT", NOW), timedelta(seconds=30))
        self.assertEqual(parse_retry_after("Mon, 30 Nov 2026 11:00:00 GMT", NOW), timedelta(0))
        self.assertIsNone(parse_retry_after("soon", NOW))
        self.assertIsNone(parse_retry_after(None, NOW))


class TestExchangeMasking(unittest.TestCase):
    def test_credentials_ibans_and_query_are_masked(self):
        url = mask_url("https://bank.test/cb?code=abc123&state=xyz&iban=DE89370400440532013000&page=2")
        self.assertNotIn("abc123", url)
        self.assertNotIn("xyz", url)
        self.assertNotIn("0532013000", url[: url.index("page")])
        self.assertIn("page=2", url)
        headers = mask_headers({"Authorization": "Bearer at-1", "Cookie": "session_id=s", "Signature": "x",
                                "X-Request-ID": "r-1", "PSU-ID": "jane"})
        self.assertEqual([headers[k] for k in ("Authorization", "Cookie", "Signature", "PSU-ID")], [MASK] * 4)
        self.assertEqual(headers["X-Request-ID"], "r-1")
        body, size = mask_body(json.dumps({"access_token": "at-secret", "refresh_token": "rt",
                                           "account": {"iban": "DE89370400440532013000"},
                                           "tppMessages": [{"code": "ACCESS_EXCEEDED"}]}),
                               "application/json", secrets=("hunter22",))
        self.assertNotIn("at-secret", body)
        self.assertNotIn("0532013", body)
        self.assertIn("ACCESS_EXCEEDED", body, "the bank's message codes stay readable")
        self.assertGreater(size, 0)
        form, _ = mask_body("grant_type=authorization_code&code=c0de&code_verifier=v3r", "application/x-www-form-urlencoded")
        self.assertNotIn("c0de", form)
        self.assertIn("grant_type=authorization_code", form)
        self.assertIn("not stored", mask_body(b"\x00\x01", "application/octet-stream")[0])
        cut, size = mask_body("x" * 100, "text/plain", cap=10)
        self.assertTrue(cut.startswith("x" * 10 + "\n") and "cut: 100 bytes" in cut)
        self.assertEqual(size, 100)
        self.assertNotIn("hunter22", mask_body("pw hunter22", "text/plain", secrets=("hunter22",))[0])

    def test_large_and_broken_bodies_are_masked_without_parsing(self):
        big = json.dumps({"access_token": "at-big-secret", "rows": ["DE89370400440532013000"] * 20000})
        self.assertGreater(len(big), 256 * 1024)
        masked, size = mask_body(big, "application/json")
        self.assertEqual(size, len(big))
        self.assertNotIn("at-big-secret", masked)
        self.assertNotIn("0532013000", masked)
        self.assertIn("bytes in all", masked)
        self.assertLessEqual(len(masked), 16 * 1024 + 40)
        broken, _ = mask_body('{"refresh_token": "rt-1234", "x": ', "application/json")
        self.assertNotIn("rt-1234", broken)
        xml, _ = mask_body("<a password='p4ss'/> client_secret=s3c", "application/xml")
        self.assertNotIn("p4ss", xml)
        self.assertNotIn("s3c", xml)

    def test_streamed_download_is_not_read_by_the_log(self):
        recorded = []
        with ScriptedServer() as srv:
            srv.responses = [(200, {"Content-Type": "application/octet-stream"}, b"x" * 5000, 0)]
            session = make_http_session(retries=0, recorder=recorded.append)
            with session.get(srv.url + "/file", stream=True) as answer:
                self.assertFalse(answer._content_consumed, "the log did not read the stream")
                self.assertEqual(sum(len(c) for c in answer.iter_content(1024)), 5000)
        self.assertEqual(recorded[0].response_body, "[streamed body not stored]")
        self.assertEqual(recorded[0].response_size, 5000)

    def test_session_records_answers_and_failures_masked(self):
        recorded = []
        with ScriptedServer() as srv:
            srv.responses = [(200, {"Content-Type": "application/json"},
                              b'{"iban": "DE89370400440532013000", "access_token": "tok-123"}', 0),
                             (200, {}, b"late", 2)]
            session = make_http_session(retries=0, timeout=(1, 0.3), recorder=recorded.append,
                                        correlation_id="run-1", secrets=lambda: ("s3cret-value",))
            session.get(srv.url + "/v1/accounts?token=s3cret-value", headers={"Authorization": "Bearer tok-123"})
            with self.assertRaises(Exception):
                session.get(srv.url + "/slow")
        ok, failed = recorded
        self.assertEqual((ok.method, ok.status, ok.correlation_id, ok.host), ("GET", 200, "run-1", "127.0.0.1"))
        self.assertEqual(ok.request_headers["Authorization"], MASK)
        everything = json.dumps([ok.__dict__, failed.__dict__], default=str)
        for secret in ("tok-123", "s3cret-value", "0532013000"):
            self.assertNotIn(secret, everything)
        self.assertEqual(failed.status, 0)
        self.assertIn("Timeout", failed.error)
        self.assertGreaterEqual(failed.duration_ms, 250)
