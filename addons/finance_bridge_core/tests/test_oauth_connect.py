"""Connect and the OAuth callback over real HTTP (Odoo's server and a loopback authorization server),
and the REST evidence attacked over JSON-RPC by every role of both companies."""
from urllib.parse import parse_qs, urlsplit

import requests

from odoo.tests.common import tagged

from ..lib.oauth2 import OAuthToken
from ..models.bank_connection_rest import CALLBACK_PATH
from .loopback_server import LoopbackHttpMixin
from .oauth_server import OAuthTestServer
from .rest_test_provider import register
from .rpc_case import RpcAttackCase

ROLES = ("user", "preparer", "approver", "releaser", "treasury", "conn_admin", "accountant")


@tagged("post_install", "-at_install")
class TestOAuthConnect(LoopbackHttpMixin, RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        register(cls)
        cls.server = OAuthTestServer()
        cls.server.__enter__()
        cls.addClassCleanup(cls.server.__exit__)
        cls.conn = cls.env["finance.bank.connection"].create({"name": "OAuth bank", "provider": "test_rest_oauth",
                                                               "company_id": cls.company_a.id})
        cls.conn.setting_ids.filtered(lambda s: s.key == "base_url").value = cls.server.url
        cls.conn.setting_ids.filtered(lambda s: s.key == "client_id").value = "fb-client"
        cls.conn.secret_ids.filtered(lambda s: s.key == "client_secret").value = "fb-secret-123"
        cls.folder_conn = cls.env["finance.bank.connection"].create({"name": "Folder bank", "provider": "json_folder",
                                                                      "company_id": cls.company_a.id})

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("web.base.url", self.base_url())
        self.server.refuse = False

    # ------------------------------------------------------------------ helpers
    def press_connect(self, login="adv_conn_admin_a", conn=None):
        return self.call_button(login, "finance.bank.connection", "action_oauth_connect", [(conn or self.conn).id])

    def authorize(self, answer):
        """What the browser does at the bank: follow the act_url, get the redirect back to Odoo."""
        self.assertTrue(answer.ok, answer)
        self.assertEqual(answer.result["type"], "ir.actions.act_url")
        url = answer.result["url"]
        self.assertTrue(url.startswith(self.server.url + "/authorize?"))
        query = parse_qs(urlsplit(url).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["redirect_uri"], [self.base_url() + CALLBACK_PATH])
        back = requests.get(url, allow_redirects=False, timeout=5)
        self.assertEqual(back.status_code, 302)
        return back.headers["Location"], query["state"][0]

    def callback(self, location, login):
        self.authenticate(login, "admin" if login == "admin" else login)
        return self.url_open(location, allow_redirects=False)

    def token(self):
        secret = self.conn.secret_ids.filtered(lambda s: s.key == "oauth_token")
        raw = self.env["finance.secret.vault"]._open(secret)
        return OAuthToken.from_json(raw) if raw else None

    def audit(self, event_type):
        return self.env["finance.audit.event"].search([("event_type", "=", event_type)], order="id")

    # ------------------------------------------------------------------ the flow
    def test_connect_stores_token_and_a_replay_is_refused(self):
        location, state = self.authorize(self.press_connect())
        self.assertTrue(location.startswith(self.base_url() + CALLBACK_PATH))
        answer = self.callback(location, "adv_conn_admin_a")
        self.assertEqual(answer.status_code, 303, answer.text[:500])
        self.assertIn(f"/odoo/finance.bank.connection/{self.conn.id}", answer.headers["Location"])
        self.env.invalidate_all()
        token = self.token()
        self.assertIn(token.access_token, self.server.access)
        self.assertTrue(token.refresh_token)
        self.assertEqual(self.conn.oauth_connected_by_id, self.users[("conn_admin", "a")])
        self.assertTrue(self.conn.oauth_connected_on and self.conn.oauth_token_expires_at)
        self.assertEqual(self.server.token_requests[-1][1]["grant_type"], "authorization_code")
        self.assertTrue(self.server.token_requests[-1][1]["code_verifier"], "PKCE verifier sent")
        connected = self.audit("oauth.connected")
        self.assertEqual(len(connected), 1)
        self.assertNotIn(token.access_token, connected.payload)
        exchange = self.env["finance.http.exchange"].search([("connection_id", "=", self.conn.id)])
        self.assertEqual((exchange.method, exchange.status_code), ("POST", 200))
        for secret in (token.access_token, token.refresh_token, parse_qs(urlsplit(location).query)["code"][0]):
            self.assertNotIn(secret, (exchange.request_body or "") + (exchange.response_body or ""))
        # the same callback again (a replay, or the back button)
        replay = self.callback(location, "adv_conn_admin_a")
        self.assertEqual(replay.status_code, 400)
        self.assertIn("already used", replay.text)
        self.env.invalidate_all()
        self.assertEqual(self.token(), token, "a replay changes nothing")
        self.assertIn("already used", self.audit("oauth.refused")[-1].summary)
        self.assertNotIn(state, self.audit("oauth.refused")[-1].payload)

    def test_callback_of_another_user_is_refused(self):
        location, _state = self.authorize(self.press_connect("adv_conn_admin_a"))
        answer = self.callback(location, "admin")
        self.assertEqual(answer.status_code, 403)
        self.assertIn("another user", answer.text)
        self.env.invalidate_all()
        self.assertIsNone(self.token())
        again = self.callback(location, "adv_conn_admin_a")
        self.assertEqual(again.status_code, 400, "the state is spent by the refused attempt")

    def test_expired_unknown_and_bank_refusal(self):
        location, _state = self.authorize(self.press_connect())
        self.env.cr.execute("UPDATE finance_oauth_state SET expires_at = now() at time zone 'UTC' - interval '1 minute'")
        expired = self.callback(location, "adv_conn_admin_a")
        self.assertEqual(expired.status_code, 400)
        self.assertIn("expired", expired.text)
        unknown = self.callback(f"{CALLBACK_PATH}?state=forged-state&code=abc", "adv_conn_admin_a")
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("unknown authorisation state", unknown.text)
        self.server.refuse = True
        location, _state = self.authorize(self.press_connect())
        refused = self.callback(location, "adv_conn_admin_a")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("access_denied", refused.text)
        self.env.invalidate_all()
        self.assertIsNone(self.token())
        self.assertEqual(len(self.audit("oauth.refused")), 3)

    def test_reason_is_escaped_and_errors_are_pages(self):
        location, _state = self.authorize(self.press_connect())
        hostile = location.replace("code=", "error=%3Cscript%3Ealert(1)%3C/script%3E&code=")
        answer = self.callback(hostile, "adv_conn_admin_a")
        self.assertEqual(answer.status_code, 400)
        self.assertNotIn("<script>alert", answer.text)
        self.assertIn("&lt;script&gt;", answer.text)

    def test_wrong_pkce_at_the_bank_is_refused_cleanly(self):
        location, _state = self.authorize(self.press_connect())
        code = parse_qs(urlsplit(location).query)["code"][0]
        _challenge, redirect = self.server.codes[code]
        self.server.codes[code] = ("not-the-challenge", redirect)
        answer = self.callback(location, "adv_conn_admin_a")
        self.assertEqual(answer.status_code, 400)
        self.assertIn("PKCE mismatch", answer.text)
        self.assertNotIn("Traceback", answer.text)

    # ------------------------------------------------------------------ attacks over JSON-RPC
    def test_connect_refused_outside_admins_and_other_company(self):
        for role in ROLES:
            if role == "conn_admin":
                continue
            with self.subTest(role=role):
                self.assertRefused(self.press_connect(f"adv_{role}_a"))
        for role in ("conn_admin", "treasury", "user"):
            with self.subTest(company="b", role=role):
                self.assertRefused(self.press_connect(f"adv_{role}_b"))
        answer = self.press_connect(conn=self.folder_conn)
        self.assertRefused(answer)
        self.assertIn("does not connect through OAuth", answer.message)
        self.assertFalse(self.env["finance.oauth.state"].sudo().search([]), "no refused press left a state")

    def test_oauth_state_and_callback_methods_not_reachable(self):
        self.press_connect()
        state = self.env["finance.oauth.state"].sudo().search([], limit=1)
        for login in ("adv_conn_admin_a", "adv_treasury_a", "admin"):
            with self.subTest(login=login):
                self.assertRefused(self.call_kw(login, "finance.oauth.state", "create", [{
                    "state_digest": "x", "connection_id": self.conn.id, "user_id": 2,
                    "expires_at": "2099-01-01 00:00:00"}]))
                self.assertRefused(self.call_kw(login, "finance.oauth.state", "write",
                                                [state.ids, {"used_at": False, "user_id": 2}]))
                self.assertFalse(self.call_kw(login, "finance.oauth.state", "read",
                                              [state.ids, ["verifier_sealed"]]).ok)
                fields_seen = self.call_kw(login, "finance.oauth.state", "fields_get", [])
                self.assertNotIn("verifier_sealed", fields_seen.result or {})
                self.assertRefused(self.call_kw(login, "finance.bank.connection", "_oauth_callback",
                                                ["anything", "code"]))
                self.assertRefused(self.call_kw(login, "finance.bank.connection", "_oauth_store_token",
                                                [[self.conn.id], {"access_token": "forged"}]))
                self.assertRefused(self.call_kw(login, "finance.bank.connection", "write", [[self.conn.id], {
                    "oauth_connected_on": "2020-01-01 00:00:00", "breaker_state": "closed"}]))

    def test_http_exchange_evidence_is_append_only_and_company_bound(self):
        location, _state = self.authorize(self.press_connect())
        self.callback(location, "adv_conn_admin_a")
        exchange = self.env["finance.http.exchange"].search([("connection_id", "=", self.conn.id)])
        self.assertEqual(len(exchange), 1)
        for role in (*ROLES, "reviewer"):
            login = f"adv_{role}_a"
            if (role, "a") not in self.users:
                continue
            with self.subTest(role=role):
                self.assertRefused(self.call_kw_as(login, "finance.http.exchange", "create", [{
                    "connection_id": self.conn.id, "company_id": self.company_a.id, "url": "forged"}]))
                self.assertRefused(self.call_kw_as(login, "finance.http.exchange", "write",
                                                   [exchange.ids, {"response_body": "forged"}]))
                self.assertRefused(self.call_kw_as(login, "finance.http.exchange", "unlink", [exchange.ids]))
                self.assertRefused(self.call_kw_as(login, "finance.http.exchange", "_cron_purge", []))
        seen = self.call_kw_as("adv_user_a", "finance.http.exchange", "search_read",
                               [[("id", "=", exchange.id)], ["url", "response_body"]])
        self.assertEqual(len(seen.result), 1, "a finance user of the company reads the evidence")
        other = self.call_kw_as("adv_conn_admin_b", "finance.http.exchange", "search_read",
                                [[("id", "=", exchange.id)], ["url"]])
        self.assertEqual(other.result, [], "another company sees nothing")
        self.assertRefused(self.call_kw_as("adv_conn_admin_b", "finance.http.exchange", "read", [exchange.ids,
                                                                                                  ["url"]]))
        self.env.invalidate_all()
        self.assertEqual(exchange.exists(), exchange)
        self.assertNotEqual(exchange.response_body, "forged")
