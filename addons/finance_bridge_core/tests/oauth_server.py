"""A small OAuth 2.0 authorization server on 127.0.0.1 for the client and callback tests.

``/authorize`` approves at once and redirects to the ``redirect_uri`` with a code (or with
``error=access_denied`` when ``refuse`` is set); ``/token`` implements authorization_code (PKCE S256
checked, code single use), refresh_token (rotating) and client_credentials with HTTP Basic client
authentication, and answers RFC 6749 errors. Every token request is recorded.
"""
import base64
import hashlib
import json
import secrets
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlencode, urlsplit

from .loopback_server import LoopbackServer


class OAuthTestServer(LoopbackServer):
    def __init__(self, client_id="fb-client", client_secret="fb-secret-123", expires_in=3600):
        self.client_id, self.client_secret, self.expires_in = client_id, client_secret, expires_in
        self.codes = {}      # code -> (challenge, redirect_uri)
        self.refresh = {}    # refresh token -> scope
        self.token_requests = []
        self.refuse = False
        self.fail_next = None  # (status, body dict)
        self.access = set()    # access tokens issued
        self.api_status = None  # force the status of API calls (e.g. 503)
        self.api_calls = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=None, headers=None):
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                if parts.path != "/authorize":
                    return self._api(parts.path)
                target = query.get("redirect_uri", "")
                if server.refuse:
                    answer = {"error": "access_denied", "state": query.get("state", "")}
                else:
                    code = secrets.token_urlsafe(16)
                    server.codes[code] = (query.get("code_challenge"), target)
                    answer = {"code": code, "state": query.get("state", "")}
                return self._send(302, None, {"Location": f"{target}?{urlencode(answer)}"})

            def _api(self, path):
                """A protected resource: Bearer token required; ``api_status`` forces a failure."""
                server.api_calls.append(path)
                if server.api_status:
                    return self._send(server.api_status, {"tppMessages": [{"code": "INTERNAL_SERVER_ERROR"}]})
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if token not in server.access:
                    return self._send(401, {"tppMessages": [{"code": "TOKEN_INVALID"}]})
                return self._send(200, {"account": {"iban": "DE89370400440532013000"}, "transactions": []})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                server.token_requests.append((dict(self.headers), form))
                if urlsplit(self.path).path != "/token":
                    return self._send(404, {"error": "not_found"})
                if server.fail_next:
                    status, body = server.fail_next
                    server.fail_next = None
                    return self._send(status, body)
                basic = base64.b64encode(f"{server.client_id}:{server.client_secret}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {basic}":
                    return self._send(401, {"error": "invalid_client", "error_description": "bad client"})
                grant = form.get("grant_type")
                if grant == "authorization_code":
                    entry = server.codes.pop(form.get("code", ""), None)
                    if entry is None:
                        return self._send(400, {"error": "invalid_grant", "error_description": "unknown code"})
                    digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry[0]:
                        return self._send(400, {"error": "invalid_grant", "error_description": "PKCE mismatch"})
                    return self._send(200, server._issue("accounts"))
                if grant == "refresh_token":
                    scope = server.refresh.pop(form.get("refresh_token", ""), None)
                    if scope is None:
                        return self._send(400, {"error": "invalid_grant", "error_description": "refresh revoked"})
                    return self._send(200, server._issue(scope))
                if grant == "client_credentials":
                    return self._send(200, server._issue(form.get("scope", ""), refresh=False))
                return self._send(400, {"error": "unsupported_grant_type"})

        self._serve(Handler)

    def _issue(self, scope, refresh=True):
        token = {"access_token": "at-" + secrets.token_urlsafe(24), "token_type": "Bearer",
                 "expires_in": self.expires_in, "scope": scope}
        self.access.add(token["access_token"])
        if refresh:
            token["refresh_token"] = "rt-" + secrets.token_urlsafe(24)
            self.refresh[token["refresh_token"]] = scope
        return token
