"""HTTP front ends of the simulated bank.

* The API host (HTTPS, mutual TLS required: the client certificate must come from the bank's CA) serves
  the XS2A endpoints under /v1, the OAuth2 token endpoint and the authorisation-server metadata.
  Every /v1 call must carry X-Request-ID (a UUID), Date, Digest and Signature with
  TPP-Signature-Certificate; the TLS and the signing certificate must name the same TPP.
* The PSU host (plain HTTP on loopback, what a browser opens) serves the SCA pages (/authorize; /payments/sca/<id> for a payment's scaRedirect) and the
  admin path (/_admin/<method>, JSON in and out, loopback clients only).
The handlers translate HTTP to `PSD2Bank` calls and back; the bank holds every rule.
"""
import datetime
import decimal
import html
import ipaddress
import json
import re
import socket
import ssl
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

from . import httpsig
from .bank import BankError

MAX_BODY = 5 * 1024 * 1024
PAYMENT_SCA = "/payments/sca/"  # the PSU host's redirect SCA pages of payments
ADMIN_METHODS = (
    "add_account", "add_transaction", "generate_transactions", "book_pending", "set_page_size", "set_fault",
    "clear_faults", "advance_clock", "expire_tokens", "set_consent_status", "consent_usage", "request_log",
    "payment_count", "payment", "set_payment_outcome", "approve_payment", "advance_payment",
    "configure_webhook", "approve_sca", "set_decoupled_sca", "balances_of", "emit_webhook", "deliver_webhook", "webhook_deliveries",
)


def _json_default(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "public"):
        return value.public()
    raise TypeError(f"not JSON: {type(value).__name__}")


def money(amount, currency):
    return {"currency": currency, "amount": str(amount)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PSD2Sim/1.0"
    timeout = 60

    def log_message(self, format, *args):
        return

    @property
    def bank(self):
        return self.server.bank

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise BankError(413, "FORMAT_ERROR", f"Body over {MAX_BODY} bytes.")
        return self.rfile.read(length) if length else b""

    def _send(self, status, body=None, headers=None, content_type="application/json"):
        if isinstance(body, (dict, list)):
            raw = json.dumps(body, default=_json_default).encode()
        else:
            raw = (body or "").encode() if isinstance(body, str) else (body or b"")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        if raw or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)


class ApiHandler(_Handler):
    ROUTES = (
        ("GET", r"/\.well-known/oauth-authorization-server", "metadata", None, False),
        ("POST", r"/token", "token", "token", False),
        ("POST", r"/v1/consents", "create_consent", "consents", True),
        ("GET", r"/v1/consents/(?P<consent>[\w-]+)", "get_consent", "consents", True),
        ("GET", r"/v1/consents/(?P<consent>[\w-]+)/status", "consent_status", "consents", True),
        ("DELETE", r"/v1/consents/(?P<consent>[\w-]+)", "delete_consent", "consents", True),
        ("GET", r"/v1/accounts", "accounts", "accounts", True),
        ("GET", r"/v1/accounts/(?P<account>[\w-]+)/balances", "balances", "balances", True),
        ("GET", r"/v1/accounts/(?P<account>[\w-]+)/transactions", "transactions", "transactions", True),
        ("POST", r"/v1/(?P<service>payments|bulk-payments)/(?P<product>[\w.-]+)", "initiate", "payments", True),
        ("GET", r"/v1/(?P<service>payments|bulk-payments)/(?P<product>[\w.-]+)/(?P<payment>[\w-]+)",
         "get_payment", "payment_status", True),
        ("GET", r"/v1/(?P<service>payments|bulk-payments)/(?P<product>[\w.-]+)/(?P<payment>[\w-]+)/status",
         "payment_status", "payment_status", True),
        ("GET", r"/v1/(?P<service>payments|bulk-payments)/(?P<product>[\w.-]+)/(?P<payment>[\w-]+)"
                r"/authorisations/(?P<sca>[\w-]+)", "sca_status", "payment_status", True),
    )

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        started = time.monotonic()
        url = urlsplit(self.path)
        self.query = dict(parse_qsl(url.query))
        self.h = {name.lower(): value for name, value in self.headers.items()}
        peer = self.connection.getpeercert() or {}
        self.client_id = next((v for rdn in peer.get("subject", ()) for k, v in rdn if k == "commonName"), "")
        entry = {"method": self.command, "path": url.path, "query": url.query,
                 "request_id": self.h.get("x-request-id"),
                 "client_id": self.client_id, "psu_ip": self.h.get("psu-ip-address"), "endpoint": None,
                 "account": None, "page": None, "faults": []}
        status, answer, headers, drop = 500, None, {}, None
        try:
            body = self._read_body()
            route, match = self._route(url.path)
            _method, _pattern, name, endpoint, signed = route
            entry["endpoint"] = endpoint
            entry["account"] = match.get("account")
            entry["page"] = int(self.query.get("pageIndex", 0) or 0) if endpoint == "transactions" else None
            if signed:
                self._check_signature(body)
            self.repeat = False
            for rule in self.bank.faults.fire(endpoint, entry["account"], entry["page"]):
                entry["faults"].append(rule.kind)
                drop = self._apply_fault(rule) or drop
            status, answer, headers = getattr(self, "h_" + name)(body, **match)
        except BankError as exc:
            status, answer, headers = exc.status, exc.body(), dict(exc.headers)
        if self.h.get("x-request-id"):
            headers.setdefault("X-Request-ID", self.h["x-request-id"])
        entry.update(status=status, ms=round((time.monotonic() - started) * 1000, 2))
        if drop:
            entry["status"] = "dropped"  # processed, then held and closed unanswered
            self.bank.record(**entry)
            time.sleep(drop)
            self.close_connection = True
            return
        self.bank.record(**entry)
        self._send(status, answer, headers)

    def _route(self, path):
        allowed = False
        for route in self.ROUTES:
            match = re.fullmatch(route[1], path)
            if match:
                allowed = True
                if route[0] == self.command:
                    return route, {k: v for k, v in match.groupdict().items() if v is not None}
        if allowed:
            raise BankError(405, "SERVICE_INVALID", f"{self.command} is not allowed on {path}.")
        raise BankError(404, "RESOURCE_UNKNOWN", f"No endpoint {path}.")

    def _check_signature(self, body):
        request_id = self.h.get("x-request-id", "")
        try:
            uuid.UUID(request_id)
        except ValueError:
            raise BankError(400, "FORMAT_ERROR", "X-Request-ID must be a UUID.")
        if "date" not in self.h:
            raise BankError(400, "FORMAT_ERROR", "The Date header is missing.")
        try:
            cert = httpsig.verify(self.h, body, self.bank.ca.cert)
        except httpsig.SignatureRefused as exc:
            status = 400 if exc.code == "FORMAT_ERROR" else 401
            raise BankError(status, exc.code, exc.text)
        names = [attr.value for attr in cert.subject if attr.oid.dotted_string == "2.5.4.3"]
        if names != [self.client_id]:
            raise BankError(401, "CERTIFICATE_INVALID", "The signing certificate names another TPP than the TLS one.")

    def _apply_fault(self, rule):
        if rule.kind == "slow":
            time.sleep(rule.delay)
        elif rule.kind == "rate_limit":
            raise BankError(429, "ACCESS_EXCEEDED", "Too many requests (simulated).",
                            headers={"Retry-After": rule.retry_after})
        elif rule.kind == "server_error":
            code = "SERVICE_UNAVAILABLE" if rule.status == 503 else "INTERNAL_SERVER_ERROR"
            raise BankError(rule.status, code, "Simulated server error.")
        elif rule.kind == "expire_consent" and self.h.get("consent-id") in self.bank.consents:
            self.bank.set_consent_status(self.h["consent-id"], "expired")
        elif rule.kind == "repeat_transaction":
            self.repeat = True
        elif rule.kind == "timeout":
            return rule.delay
        return None

    # ------------------------------------------------------------------ OAuth2
    def h_metadata(self, body):
        return 200, {"issuer": self.bank.api_url, "authorization_endpoint": self.bank.psu_url + "/authorize",
                     "token_endpoint": self.bank.api_url + "/token", "response_types_supported": ["code"],
                     "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
                     "code_challenge_methods_supported": ["S256"],
                     "tls_client_certificate_bound_access_tokens": True}, {}

    def h_token(self, body):
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        return 200, self.bank.token(self.client_id, form), {"Cache-Control": "no-store"}

    # ------------------------------------------------------------------ consents
    def h_create_consent(self, body):
        try:
            data = json.loads(body or b"null")
        except ValueError as exc:
            raise BankError(400, "FORMAT_ERROR", f"The body is not JSON: {exc}.")
        consent = self.bank.create_consent(self.client_id, data, self.h.get("tpp-redirect-uri", ""))
        base = f"{self.bank.api_url}/v1/consents/{consent.consent_id}"
        return 201, {"consentStatus": consent.status, "consentId": consent.consent_id, "_links": {
            "scaOAuth": {"href": self.bank.api_url + "/.well-known/oauth-authorization-server"},
            "self": {"href": base}, "status": {"href": base + "/status"}}}, {"Location": base}

    def h_get_consent(self, body, consent):
        return 200, self.bank.consent_json(self.bank.consent_for(consent, self.client_id)), {}

    def h_consent_status(self, body, consent):
        return 200, {"consentStatus": self.bank.consent_for(consent, self.client_id).status}, {}

    def h_delete_consent(self, body, consent):
        self.bank.terminate_consent(consent, self.client_id)
        return 204, None, {}

    # ------------------------------------------------------------------ account information
    def _ais(self, service, account_id=None, count=True):
        consent_id = self.h.get("consent-id")
        if not consent_id:
            raise BankError(400, "FORMAT_ERROR", "The Consent-ID header is missing.")
        grant = self.bank.grant_for(self.h.get("authorization"), self.client_id)
        consent = self.bank.consent_for(consent_id, self.client_id)
        if grant["scope"] != f"AIS:{consent_id}":
            raise BankError(401, "TOKEN_INVALID", "The access token is not bound to this consent.")
        if consent.status == "expired":
            raise BankError(401, "CONSENT_EXPIRED", "The consent has expired; a new one needs the PSU's SCA.")
        if consent.status != "valid":
            raise BankError(401, "CONSENT_INVALID", f"The consent is {consent.status}.")
        account = None
        if account_id:
            account = self.bank.accounts.get(account_id)
            if not account:
                raise BankError(404, "RESOURCE_UNKNOWN", f"No account {account_id}.")
            if not self.bank.covered(consent, service, account):
                raise BankError(401, "CONSENT_INVALID", f"The consent does not cover {service} of this account.")
        if count and "psu-ip-address" not in self.h:
            self.bank.count_unattended(consent, f"{account_id or '*'}:{service}")
        return consent, account

    def h_accounts(self, body):
        consent, _ = self._ais("accounts")
        base = self.bank.api_url
        with self.bank.lock:
            listed = [a.public(base) for a in self.bank.accounts.values() if self.bank.covered(consent, "accounts", a)]
        return 200, {"accounts": listed}, {}

    def h_balances(self, body, account):
        _consent, acc = self._ais("balances", account)
        values = self.bank.balances_of(acc.resource_id)
        today = self.bank.clock.today().isoformat()
        now = self.bank.clock.now().isoformat(timespec="seconds")
        return 200, {"account": {"iban": acc.iban}, "balances": [
            {"balanceType": "closingBooked", "balanceAmount": money(values["closingBooked"], acc.currency),
             "referenceDate": today},
            {"balanceType": "interimAvailable", "balanceAmount": money(values["interimAvailable"], acc.currency),
             "lastChangeDateTime": now},
            {"balanceType": "expected", "balanceAmount": money(values["expected"], acc.currency),
             "referenceDate": today}]}, {}

    def h_transactions(self, body, account):
        page = self.query.get("pageIndex", "0")
        if not page.isdigit():
            raise BankError(400, "FORMAT_ERROR", "pageIndex must be a non-negative integer.")
        page = int(page)
        _consent, acc = self._ais("transactions", account, count=page == 0)
        status = self.query.get("bookingStatus")
        if status not in ("booked", "pending", "both"):
            raise BankError(400, "FORMAT_ERROR", "bookingStatus must be booked, pending or both.")
        if "dateFrom" not in self.query:
            raise BankError(400, "FORMAT_ERROR", "dateFrom is required.")
        try:
            date_from = datetime.date.fromisoformat(self.query["dateFrom"])
            date_to = datetime.date.fromisoformat(self.query.get("dateTo") or self.bank.clock.today().isoformat())
        except ValueError:
            raise BankError(400, "FORMAT_ERROR", "dateFrom/dateTo must be ISO dates.")
        wanted = ("booked", "pending") if status == "both" else (status,)
        with self.bank.lock:
            items = [t for t in acc.transactions if t["status"] in wanted and date_from <= t["bookingDate"] <= date_to]
            size = acc.page_size
        start = page * size
        chunk = items[start:start + size]
        if self.repeat and start > 0 and chunk:
            chunk = [items[start - 1], *chunk]
        links = {"account": {"href": f"{self.bank.api_url}/v1/accounts/{acc.resource_id}"}}
        if start + size < len(items):
            query = {k: v for k, v in self.query.items() if k != "pageIndex"}
            query["pageIndex"] = page + 1
            links["next"] = {"href": f"/v1/accounts/{acc.resource_id}/transactions?{urlencode(query)}"}
        report = {"booked": [self._tx(t, acc) for t in chunk if t["status"] == "booked"],
                  "pending": [self._tx(t, acc) for t in chunk if t["status"] == "pending"], "_links": links}
        if status == "booked":
            del report["pending"]
        elif status == "pending":
            del report["booked"]
        return 200, {"account": {"iban": acc.iban}, "transactions": report}, {}

    @staticmethod
    def _tx(tx, acc):
        out = {"transactionId": tx["transactionId"], "endToEndId": tx["endToEndId"],
               "valueDate": tx["valueDate"].isoformat(),
               "transactionAmount": money(tx["amount"], acc.currency),
               "remittanceInformationUnstructured": tx["remittance"]}
        if tx["status"] == "booked":
            out["bookingDate"] = tx["bookingDate"].isoformat()
            out["entryReference"] = tx["transactionId"][:35]
        party = "creditor" if tx["amount"] < 0 else "debtor"
        out[party + "Name"] = tx["counterparty"]
        out[party + "Account"] = {"iban": tx["counterpartyIban"]}
        return out

    # ------------------------------------------------------------------ payments
    def h_initiate(self, body, service, product):
        expected = "sepa-credit-transfers" if service == "payments" else "pain.001-sepa-credit-transfers"
        if product != expected:
            raise BankError(404, "PRODUCT_UNKNOWN", f"Payment product {product} is not offered for {service}.")
        grant = self.bank.grant_for(self.h.get("authorization"), self.client_id)
        if grant["scope"] != "PIS":
            raise BankError(401, "TOKEN_INVALID", "Payment initiation needs a client-credentials (PIS) token.")
        pay, _new = self.bank.initiate_payment(self.client_id, product, service, self.h["x-request-id"], body,
                                               self.h.get("content-type", ""))
        base = f"{self.bank.api_url}/v1/{service}/{product}/{pay.payment_id}"
        links = {"self": {"href": base}, "status": {"href": base + "/status"}}
        answer = {"transactionStatus": pay.status, "paymentId": pay.payment_id, "_links": links}
        preferred = self.h.get("tpp-redirect-preferred", "").lower() == "true"
        approach = self.bank.payment_sca_start(pay, preferred, self.h.get("tpp-redirect-uri", ""))
        if approach == "oauth":
            links["scaOAuth"] = {"href": self.bank.api_url + "/.well-known/oauth-authorization-server"}
        elif approach:
            # implicit start of the authorisation (Berlin Group): its id, status link and, for redirect, the page
            answer["authorisationId"] = pay.sca_id
            answer["scaStatus"] = "started"
            links["scaStatus"] = {"href": f"{base}/authorisations/{pay.sca_id}"}
            if approach == "redirect":
                links["scaRedirect"] = {"href": f"{self.bank.psu_url}/payments/sca/{pay.sca_id}"}
            else:
                answer["psuMessage"] = "Please approve the payment in your banking app."
        return 201, answer, {"Location": base}

    def _payment(self, service, payment):
        self.bank.grant_for(self.h.get("authorization"), self.client_id)
        return self.bank.payment_for(payment, self.client_id, service)

    def h_get_payment(self, body, service, product, payment):
        pay = self._payment(service, payment)
        return 200, {"paymentId": pay.payment_id, "transactionStatus": pay.status,
                     "instructedAmount": money(pay.amount, pay.currency), "numberOfTransactions": pay.count}, {}

    def h_payment_status(self, body, service, product, payment):
        pay = self._payment(service, payment)
        return 200, {"transactionStatus": self.bank.poll_status(pay)}, {}

    def h_sca_status(self, body, service, product, payment, sca):
        return 200, {"scaStatus": self.bank.sca_status(self._payment(service, payment), sca)}, {}


class PsuHandler(_Handler):
    """The bank's pages for the PSU (SCA approve / refuse) and the loopback admin path."""

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.startswith(PAYMENT_SCA):
            return self._payment_page(url.path[len(PAYMENT_SCA):])
        if url.path != "/authorize":
            return self._send(404, "<h1>Not found</h1>", content_type="text/html; charset=utf-8")
        params = dict(parse_qsl(url.query))
        try:
            sca_id, what = self.bank.start_authorisation(params)
        except BankError as exc:
            return self._send(400, _page("Authorisation refused", f"<p class='error'>{html.escape(exc.text)}</p>"),
                              content_type="text/html; charset=utf-8")
        if what["kind"] == "consent":
            detail = "<p>Allow account access to: " + ", ".join(html.escape(i) for i in what["accounts"]) + "</p>"
        else:
            detail = f"<p>Authorise payment of {html.escape(what['amount'])} ({what['count']} transfer(s))</p>"
        return self._send(200, _page(f"{html.escape(params['client_id'])} asks for your authorisation",
                                     _decision_form("/authorize/decision", detail, sca_id)),
                          content_type="text/html; charset=utf-8")

    def _payment_page(self, sca_id):
        """The redirect SCA page of one payment (its scaRedirect link)."""
        try:
            pay = self.bank.payment_for_sca(sca_id)
        except BankError as exc:
            return self._send(400, _page("Authorisation refused", f"<p class='error'>{html.escape(exc.text)}</p>"),
                              content_type="text/html; charset=utf-8")
        detail = f"<p>Authorise payment of {html.escape(f'{pay.amount} {pay.currency}')} ({pay.count} transfer(s))</p>"
        return self._send(200, _page(f"{html.escape(pay.client_id)} asks for your authorisation",
                                     _decision_form(f"{PAYMENT_SCA}{sca_id}/decision", detail, sca_id)),
                          content_type="text/html; charset=utf-8")

    def do_POST(self):
        url = urlsplit(self.path)
        try:
            body = self._read_body()
            if url.path == "/authorize/decision":
                form = dict(parse_qsl(body.decode()))
                target = self.bank.decide_authorisation(form.get("sca_id", ""), form.get("decision") == "approve")
                return self._send(303, "", {"Location": target}, content_type="text/plain")
            if url.path.startswith(PAYMENT_SCA) and url.path.endswith("/decision"):
                form = dict(parse_qsl(body.decode()))
                sca_id = url.path[len(PAYMENT_SCA):-len("/decision")]
                if form.get("sca_id") != sca_id:
                    raise BankError(400, "FORMAT_ERROR", "The form does not belong to this authorisation.")
                target = self.bank.decide_payment_sca(sca_id, form.get("decision") == "approve")
                return self._send(303, "", {"Location": target}, content_type="text/plain")
            if url.path.startswith("/_admin/"):
                return self._admin(url.path[len("/_admin/"):], body)
        except BankError as exc:
            return self._send(exc.status, _page("Error", html.escape(exc.text)), content_type="text/html")
        return self._send(404, {"error": "not found"})

    def _admin(self, method, body):
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            return self._send(403, {"error": "admin is loopback only"})
        if method not in ADMIN_METHODS:
            return self._send(404, {"error": f"no admin method {method}"})
        try:
            kwargs = json.loads(body or b"{}")
            result = getattr(self.bank, method)(**kwargs)
        except (TypeError, ValueError, KeyError, BankError) as exc:
            return self._send(400, {"error": f"{type(exc).__name__}: {exc}"})
        return self._send(200, {"result": result})


def _decision_form(action, detail, sca_id):
    return (f"<form method='post' action='{html.escape(action)}'>{detail}"
            f"<input type='hidden' name='sca_id' value='{html.escape(sca_id)}'/>"
            "<button type='submit' name='decision' value='approve' id='approve'>Approve</button> "
            "<button type='submit' name='decision' value='refuse' id='refuse'>Refuse</button></form>")


def _page(title, content):
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Simulated bank — SCA</title></head>"
            f"<body><h1>Simulated bank</h1><h2>{title}</h2>{content}</body></html>")


class TlsServer(ThreadingHTTPServer):
    """Threading HTTPS server; the TLS handshake runs in the request thread so a slow or refused
    client cannot stall the accept loop. Handshake failures (no or untrusted client certificate)
    are recorded in the bank's log with endpoint "tls"."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, bank, ssl_context):
        self.bank = bank
        self.ssl_context = ssl_context
        super().__init__(address, handler)

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.bank.record(method=None, path=None, endpoint="tls", status="handshake_failed", error=str(exc),
                             client_id=None, request_id=None, psu_ip=None, account=None, page=None, faults=[])
            request.close()
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            tls.close()


class PlainServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address, handler, bank):
        self.bank = bank
        super().__init__(address, handler)
