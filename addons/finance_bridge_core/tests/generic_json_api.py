"""A second, tiny provider: a "generic JSON bank API" — and the bank it talks to, on loopback.

The proof that adding a bank is one class: ``GenericJsonApiProvider`` declares statements,
balances, status and payments, keeps an OAuth-style token pair and a consent through
``context.state``, and uses nothing of the core but the provider API. ``JsonBankSimulator`` is a
real HTTP server (``http.server`` on 127.0.0.1) holding accounts, transactions, balances, payment
statuses, payments by idempotency key, tokens and a consent, with faults injected per call.
"""
import json
import threading
import time
import uuid
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import requests

from ..lib.dto import (
    BalanceDTO,
    FetchResult,
    Money,
    StatementDTO,
    StatementLineDTO,
    StatusEventDTO,
    StatusResult,
    SubmissionResult,
)
from ..lib.errors import ProviderError, RetryAfter
from ..lib.payment_codec import batch_to_payload
from ..lib.provider_registry import Capability, ConfigField, Provider, SecretField
from .loopback_server import LoopbackServer

PAGE_SIZE = 2


class GenericJsonApiProvider(Provider):
    """Statements, balances, payment statuses and payments of a plain JSON bank API."""

    key = "test_generic_json_api"
    label = "Generic JSON bank API (tests)"
    capabilities = frozenset({Capability.STATEMENTS, Capability.BALANCES, Capability.STATUS, Capability.PAYMENTS})
    config_schema = (ConfigField("url", "Base URL", "url", required=True),)
    secret_schema = (SecretField("client_secret", "Client secret", required=True),
                     SecretField("access_token", "Access token", managed=True),
                     SecretField("refresh_token", "Refresh token", managed=True))

    def __init__(self, context):
        super().__init__(context)
        self._session = None
        self._consent_checked = False

    # ------------------------------------------------------------------ HTTP, token, consent
    def _http(self):
        if self._session is None:
            self._session = self.context.http(timeout=(1, 2), retries=0)
        return self._session

    def _token(self):
        state = self.context.state
        token = self.context.secrets("access_token")
        expires = state.get("token_expires_at") or 0
        if token and expires > self.context.now().timestamp() + 30:
            return token
        refresh = self.context.secrets("refresh_token")
        body = ({"grant_type": "refresh_token", "refresh_token": refresh} if refresh else
                {"grant_type": "client_credentials", "client_secret": self.context.secrets("client_secret")})
        data = self._answer(self._http().post(self.config["url"] + "/token", json=body), "token")
        state.store_secret("access_token", data["access_token"])
        state.store_secret("refresh_token", data["refresh_token"])
        state.put("token_expires_at", int(self.context.now().timestamp()) + int(data["expires_in"]))
        return data["access_token"]

    def _answer(self, response, what):
        if response.status_code in (429, 503) and response.headers.get("Retry-After"):
            raise RetryAfter(response.headers["Retry-After"], f"{what}: the bank answered {response.status_code}")
        if response.status_code >= 500:
            raise ProviderError(f"{what}: the bank answered {response.status_code}", retryable=True)
        if response.status_code >= 400:
            raise ProviderError(f"{what}: refused ({response.status_code}): {response.text[:200]}",
                                retryable=False)
        return response.json()

    def _get(self, path, **params):
        headers = {"Authorization": f"Bearer {self._token()}", "X-Request-ID": str(uuid.uuid4()),
                   "X-Correlation-ID": self.context.correlation_id or ""}
        return self._answer(self._http().get(self.config["url"] + path, params=params, headers=headers), path)

    def _account_call(self):
        """The consent is read once per run; every account call counts against its daily quota."""
        state = self.context.state
        if not self._consent_checked:
            data = self._get("/consent")
            state.update_consent(reference=data["consentId"], status=data["status"],
                                 valid_until=date.fromisoformat(data["validUntil"]),
                                 frequency_per_day=int(data["frequencyPerDay"]))
            self._consent_checked = True
        if state.consent.status != "valid":
            raise ProviderError(f"the consent is {state.consent.status}: renew it", retryable=False)
        state.count_call(self.context.bank_today())

    def test_connection(self):
        self._token()
        return "token obtained"

    # ------------------------------------------------------------------ capabilities
    def fetch_statements(self, account, cursor):
        self._account_call()
        data = self._get(f"/accounts/{account}/transactions", after=cursor or "",
                         dateTo=self.context.bank_today().isoformat())
        by_day = {}
        for t in data["transactions"]:
            by_day.setdefault(date.fromisoformat(t["bookingDate"]), []).append(StatementLineDTO(
                booking_date=date.fromisoformat(t["bookingDate"]), amount=Money(Decimal(t["amount"]), data["currency"]),
                label=t["text"], unique_id=t["id"]))
        # one statement per booking day: a later page adds to the day's statement
        statements = tuple(StatementDTO(account=account, currency=data["currency"], date=day, lines=tuple(lines),
                                        statement_id=f"API-{day.isoformat()}") for day, lines in sorted(by_day.items()))
        pending = tuple(StatementLineDTO(booking_date=date.fromisoformat(t["bookingDate"]),
                                         amount=Money(Decimal(t["amount"]), data["currency"]), label=t["text"],
                                         unique_id=t["id"]) for t in data["pending"])
        return FetchResult(statements=statements, next_cursor=data["cursor"] or cursor, has_more=data["more"],
                           pending=None if data["more"] else pending)   # the full list, once per run

    def fetch_balances(self, account):
        self._account_call()
        data = self._get(f"/accounts/{account}/balances")
        return tuple(BalanceDTO(account=account, kind=b["kind"], position=b["position"],
                                date=date.fromisoformat(b["date"]), amount=Money(Decimal(b["amount"]), b["currency"]))
                     for b in data["balances"])

    def fetch_status_events(self, cursor):
        data = self._get("/payment-status", after=cursor or "")
        events = tuple(StatusEventDTO(source="api", status=e["status"], msg_id=e["paymentId"],
                                      end_to_end_id=e.get("endToEndId"), reason_code=e.get("reason"),
                                      occurred_at=datetime.fromisoformat(e["at"]))
                       for e in data["events"])
        return StatusResult(events=events, next_cursor=data["cursor"] or cursor, has_more=data["more"])

    def submit_payment_batch(self, batch, idempotency_key):
        headers = {"Authorization": f"Bearer {self._token()}", "Idempotency-Key": idempotency_key}
        try:
            response = self._http().post(self.config["url"] + "/payments", json=batch_to_payload(batch),
                                         headers=headers)
        except requests.Timeout:
            raise ProviderError("payments: no answer in time (the payment may have reached the bank)",
                                retryable=True) from None
        data = self._answer(response, "payments")
        return SubmissionResult(accepted=True, bank_reference=data["paymentId"], message=data["status"],
                                raw={"sca_redirect": data.get("scaRedirect")})


class JsonBankSimulator(LoopbackServer):
    """The bank of ``GenericJsonApiProvider``: real HTTP on 127.0.0.1, state in memory.

    ``faults`` is a list of ``(path prefix, status, headers)`` answered once each, in order, to
    the first request whose path starts with the prefix; ``payment_delay`` delays the answer to
    the next payment (after it was stored, as a bank whose answer is lost).
    """

    def __init__(self, account):
        self.account = account
        self.currency = "USD"
        self.transactions = []        # dicts: id, bookingDate, amount, text
        self.pending = []             # dicts: id, bookingDate, amount, text (not booked yet)
        self.balances = []
        self.events = []              # dicts: paymentId, endToEndId, status, reason, at
        self.payments = {}            # idempotency key -> payment
        self.consent = {"consentId": "CONS-1", "status": "valid", "validUntil": "2026-12-31", "frequencyPerDay": 4}
        self.requests = []            # (method, path, query, headers, body)
        self.faults = []
        self.payment_delay = 0
        self.tokens_issued = 0
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status, body=None, headers=None):
                payload = json.dumps(body if body is not None else {}).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                with server.lock:
                    server.requests.append((self.command, parts.path, query, dict(self.headers), body))
                    fault = next((f for f in server.faults if parts.path.startswith(f[0])), None)
                    if fault:
                        server.faults.remove(fault)
                if fault:
                    return self._reply(fault[1], {"error": "injected"}, fault[2])
                status, answer, delay = server.route(self.command, parts.path, query, body, self.headers)
                if delay:
                    time.sleep(delay)
                return self._reply(status, answer)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self._listen(Handler)

    # ------------------------------------------------------------------ the bank
    def route(self, method, path, query, body, headers):
        with self.lock:
            if path == "/token" and method == "POST":
                self.tokens_issued += 1
                return 200, {"access_token": f"AT-{self.tokens_issued}-{uuid.uuid4().hex}",
                             "refresh_token": f"RT-{self.tokens_issued}-{uuid.uuid4().hex}", "expires_in": 600}, 0
            if not (headers.get("Authorization") or "").startswith("Bearer AT-"):
                return 401, {"error": "no token"}, 0
            if path == "/consent":
                return 200, dict(self.consent), 0
            if path == f"/accounts/{self.account}/transactions":
                after = int(query.get("after") or 0)
                page = [t for t in self.transactions if t["seq"] > after][:PAGE_SIZE]
                more = bool(page) and any(t["seq"] > page[-1]["seq"] for t in self.transactions)
                return 200, {"currency": self.currency, "transactions": page, "more": more,
                             "pending": list(self.pending),
                             "cursor": str(page[-1]["seq"]) if page else None}, 0
            if path == f"/accounts/{self.account}/balances":
                return 200, {"balances": list(self.balances)}, 0
            if path == "/payment-status":
                after = int(query.get("after") or 0)
                page = [e for e in self.events if e["seq"] > after][:PAGE_SIZE]
                more = bool(page) and any(e["seq"] > page[-1]["seq"] for e in self.events)
                return 200, {"events": page, "more": more, "cursor": str(page[-1]["seq"]) if page else None}, 0
            if path == "/payments" and method == "POST":
                key = headers.get("Idempotency-Key")
                if not key:
                    return 400, {"error": "Idempotency-Key required"}, 0
                payment = self.payments.setdefault(key, {"paymentId": f"PAY-{len(self.payments) + 1}",
                                                         "status": "RCVD", "body": body})
                delay, self.payment_delay = self.payment_delay, 0
                return 201, {"paymentId": payment["paymentId"], "status": payment["status"],
                             "scaRedirect": f"{self.url}/sca/{payment['paymentId']}"}, delay
            return 404, {"error": f"no route {method} {path}"}, 0

    def add_transactions(self, *items):
        for day, amount, text in items:
            seq = len(self.transactions) + 1
            self.transactions.append({"seq": seq, "id": f"TX-{seq}", "bookingDate": day.isoformat(),
                                      "amount": amount, "text": text})

    def add_event(self, payment_id, status, end_to_end_id=None, reason=None, at="2026-03-02T10:00:00+00:00"):
        self.events.append({"seq": len(self.events) + 1, "paymentId": payment_id, "endToEndId": end_to_end_id,
                            "status": status, "reason": reason, "at": at})

    def calls(self, path):
        return [r for r in self.requests if r[1] == path]
