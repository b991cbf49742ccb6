"""The simulated bank's state and rules: accounts, transactions, consents, OAuth2 grants, payments.

Everything a request can change goes through `PSD2Bank` under one lock; the HTTP layer (server.py)
only parses, authenticates and renders. The same object is the Python admin API of the tests
(seed accounts and transactions, set faults, approve SCA, advance payment status, read the log).
Errors raise `BankError(status, code, text)`, rendered as the Berlin Group ``tppMessages`` body.
"""
import base64
import collections
import dataclasses
import datetime
import decimal
import hashlib
import json
import math
import random
import secrets
import threading
import uuid
import zoneinfo
from xml.etree import ElementTree

from .faults import FaultPlan
from .pki import default_ca
from .webhooks import WebhookSender

BANK_TZ = zoneinfo.ZoneInfo("Europe/Berlin")
CONSENT_STATUSES = ("received", "valid", "rejected", "revokedByPsu", "expired", "terminatedByTpp")
PAYMENT_STATUSES = ("RCVD", "PDNG", "ACTC", "ACSP", "ACSC", "RJCT", "PART")
FINAL_PAYMENT_STATUSES = ("ACSC", "RJCT", "PART")
PAIN001_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"


class BankError(Exception):
    """An answer other than success: HTTP status, Berlin Group code and text (+ optional headers)."""

    def __init__(self, status, code, text, headers=None, oauth=False):
        super().__init__(f"{status} {code}: {text}")
        self.status, self.code, self.text = status, code, text
        self.headers = headers or {}
        self.oauth = oauth

    def body(self):
        if self.oauth:
            return {"error": self.code, "error_description": self.text}
        return {"tppMessages": [{"category": "ERROR", "code": self.code, "text": self.text}]}


class Clock:
    """Real UTC time plus an offset the tests move forward (`advance`)."""

    def __init__(self):
        self.offset = datetime.timedelta()

    def now(self):
        return datetime.datetime.now(datetime.timezone.utc) + self.offset

    def today(self):
        return self.now().astimezone(BANK_TZ).date()

    def advance(self, seconds=0, days=0):
        self.offset += datetime.timedelta(seconds=seconds, days=days)


def _amount(value):
    return decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"))


def _date(value, field):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BankError(400, "FORMAT_ERROR", f"{field} must be an ISO date (YYYY-MM-DD), got {value!r}.")


@dataclasses.dataclass
class Account:
    resource_id: str
    iban: str
    currency: str
    name: str
    owner: str
    opening_balance: decimal.Decimal
    page_size: int = 50
    transactions: list = dataclasses.field(default_factory=list)

    def public(self, base):
        return {
            "resourceId": self.resource_id, "iban": self.iban, "currency": self.currency, "name": self.name,
            "ownerName": self.owner, "product": "Business current account", "cashAccountType": "CACC",
            "status": "enabled",
            "_links": {"balances": {"href": f"{base}/v1/accounts/{self.resource_id}/balances"},
                       "transactions": {"href": f"{base}/v1/accounts/{self.resource_id}/transactions"}},
        }


@dataclasses.dataclass
class Consent:
    consent_id: str
    client_id: str
    access: dict
    valid_until: datetime.date
    frequency_per_day: int
    recurring: bool
    status: str = "received"
    redirect_uri: str = ""
    usage: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    last_action: datetime.date | None = None


@dataclasses.dataclass
class Payment:
    payment_id: str
    client_id: str
    product: str
    service: str
    request_id: str
    body_hash: str
    amount: decimal.Decimal
    currency: str
    count: int
    end_to_end_ids: tuple
    creditor_ibans: tuple
    msg_id: str | None = None
    status: str = "RCVD"
    plan: list = dataclasses.field(default_factory=list)
    sca_done: bool = False
    history: list = dataclasses.field(default_factory=list)
    # Berlin Group redirect / decoupled SCA: the authorisation's id and where the PSU's browser goes back to
    sca_id: str = ""
    sca_approach: str = ""
    redirect_uri: str = ""
    sca_status: str = "started"


class PSD2Bank:
    """One simulated bank. Thread-safe; the server and the tests share one instance."""

    def __init__(self, seed=0, ca=None, token_ttl=300, refresh_ttl=90 * 86400, payment_sca=True,
                 auto_advance=True, decoupled_sca=False):
        self.lock = threading.RLock()
        self.seed = seed
        self.ca = ca or default_ca()
        self.clock = Clock()
        self.faults = FaultPlan(seed)
        self.token_ttl = token_ttl
        self.refresh_ttl = refresh_ttl
        self.payment_sca = payment_sca
        # True: payments are authorised in the bank's app (decoupled), never on a redirect page
        self.decoupled_sca = decoupled_sca
        self.auto_advance = auto_advance
        self.api_url = ""
        self.psu_url = ""
        self.accounts = {}
        self.consents = {}
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.pending_sca = {}
        self.payments = {}
        self.payment_keys = {}
        self.reject_ibans = set()
        self.outcomes = {}
        self.log = collections.deque(maxlen=20000)
        self.webhooks = WebhookSender(self.clock)

    # ------------------------------------------------------------------ admin: accounts and data
    def add_account(self, iban, currency="EUR", name="Main account", owner="Simulated Customer",
                    resource_id=None, opening_balance="1000.00", page_size=50):
        """Create an account; returns its resourceId."""
        with self.lock:
            rid = resource_id or "acc-" + hashlib.sha256(iban.encode()).hexdigest()[:12]
            self.accounts[rid] = Account(rid, iban.replace(" ", ""), currency, name, owner,
                                         _amount(opening_balance), int(page_size))
            return rid

    def set_page_size(self, account, page_size):
        with self.lock:
            self._account(account).page_size = int(page_size)

    def add_transaction(self, account, amount, booking_date=None, status="booked", transaction_id=None,
                        value_date=None, counterparty="Counterparty GmbH", counterparty_iban="DE89370400440532013000",
                        remittance="", end_to_end_id=None):
        """Add one booked or pending transaction (negative amount = debit); returns its transactionId."""
        with self.lock:
            acc = self._account(account)
            booking = _date(booking_date or self.clock.today(), "booking_date")
            tx = {
                "transactionId": transaction_id or uuid.uuid4().hex[:20],
                "status": status, "bookingDate": booking,
                "valueDate": _date(value_date or booking, "value_date"),
                "amount": _amount(amount), "counterparty": counterparty, "counterpartyIban": counterparty_iban,
                "remittance": remittance, "endToEndId": end_to_end_id or "NOTPROVIDED",
            }
            if status not in ("booked", "pending"):
                raise ValueError("status is booked or pending")
            acc.transactions.append(tx)
            acc.transactions.sort(key=lambda t: (t["status"] != "booked", t["bookingDate"], t["transactionId"]))
            return tx["transactionId"]

    def generate_transactions(self, account, count, pages=None, date_from=None, date_to=None, pending=0, seed=None):
        """N booked transactions spread over [date_from, date_to] (default: the last 30 days), plus `pending`
        pending ones; `pages` sets the page size so the booked ones fill exactly that many pages."""
        rng = random.Random(self.seed if seed is None else seed)
        with self.lock:
            acc = self._account(account)
            end = _date(date_to or self.clock.today(), "date_to")
            start = _date(date_from or end - datetime.timedelta(days=29), "date_from")
            span = (end - start).days + 1
            ids = []
            for index in range(count):
                day = start + datetime.timedelta(days=index * span // max(count, 1))
                cents = rng.randint(-500000, 900000) or 1
                ids.append(self.add_transaction(
                    acc.resource_id, decimal.Decimal(cents) / 100, day,
                    transaction_id=f"T{rng.getrandbits(64):016x}{index:06d}",
                    counterparty=f"Partner {rng.randint(1, 400):03d}", counterparty_iban="DE75512108001245126199",
                    remittance=f"Invoice {rng.randint(1, 10**6):07d}",
                    end_to_end_id=f"E2E-{index:07d}"))
            for index in range(pending):
                ids.append(self.add_transaction(
                    acc.resource_id, decimal.Decimal(rng.randint(-20000, 20000) or 1) / 100, end, status="pending",
                    transaction_id=f"P{rng.getrandbits(64):016x}{index:06d}", remittance=f"Card payment {index}"))
            if pages:
                acc.page_size = max(1, math.ceil(count / pages))
            return ids

    def book_pending(self, transaction_id, amount=None, new_id=None, booking_date=None):
        """A pending transaction books: removed from pending, booked under a new id (and amount)."""
        with self.lock:
            for acc in self.accounts.values():
                for tx in acc.transactions:
                    if tx["transactionId"] == transaction_id and tx["status"] == "pending":
                        acc.transactions.remove(tx)
                        return self.add_transaction(
                            acc.resource_id, amount if amount is not None else tx["amount"],
                            booking_date or self.clock.today(), transaction_id=new_id or uuid.uuid4().hex[:20],
                            value_date=tx["valueDate"], counterparty=tx["counterparty"],
                            counterparty_iban=tx["counterpartyIban"], remittance=tx["remittance"],
                            end_to_end_id=tx["endToEndId"])
            raise KeyError(f"no pending transaction {transaction_id}")

    def balances_of(self, account):
        with self.lock:
            acc = self._account(account)
            booked = sum((t["amount"] for t in acc.transactions if t["status"] == "booked"), decimal.Decimal(0))
            pending = sum((t["amount"] for t in acc.transactions if t["status"] == "pending"), decimal.Decimal(0))
            closing = acc.opening_balance + booked
            return {"closingBooked": closing, "interimAvailable": closing + pending, "expected": closing + pending}

    def _account(self, account):
        if account in self.accounts:
            return self.accounts[account]
        for acc in self.accounts.values():
            if acc.iban == account:
                return acc
        raise KeyError(f"no account {account}")

    # ------------------------------------------------------------------ admin: faults, clock, state
    def set_fault(self, kind, **kwargs):
        """Add a fault rule (see faults.py); returns it."""
        return self.faults.add(kind=kind, **kwargs)

    def clear_faults(self, seed=None):
        self.faults.reset(seed)

    def advance_clock(self, seconds=0, days=0):
        with self.lock:
            self.clock.advance(seconds, days)

    def expire_tokens(self):
        with self.lock:
            past = self.clock.now() - datetime.timedelta(seconds=1)
            for grant in self.access_tokens.values():
                grant["expires_at"] = past

    def set_consent_status(self, consent_id, status):
        if status not in CONSENT_STATUSES:
            raise ValueError(f"consent status is one of {CONSENT_STATUSES}")
        with self.lock:
            self.consents[consent_id].status = status
        self.webhooks.emit("consent.status", {"consentId": consent_id, "consentStatus": status})

    def consent_usage(self, consent_id):
        with self.lock:
            return dict(self.consents[consent_id].usage)

    def request_log(self, endpoint=None):
        with self.lock:
            return [dict(entry) for entry in self.log if endpoint in (None, entry["endpoint"])]

    def payment_count(self):
        with self.lock:
            return len(self.payments)

    def payment(self, payment_id):
        with self.lock:
            pay = self.payments[payment_id]
            return {"paymentId": pay.payment_id, "status": pay.status, "history": list(pay.history),
                    "amount": str(pay.amount), "count": pay.count, "requestId": pay.request_id,
                    "endToEndIds": list(pay.end_to_end_ids), "scaDone": pay.sca_done, "msgId": pay.msg_id}

    def set_payment_outcome(self, outcome, creditor_iban=None):
        """Final status of payments to come (or to one creditor IBAN): ACSC, RJCT, PART or PDNG."""
        if outcome not in ("ACSC", "RJCT", "PART", "PDNG"):
            raise ValueError("outcome is ACSC, RJCT, PART or PDNG")
        with self.lock:
            self.outcomes[creditor_iban] = outcome

    def approve_payment(self, payment_id):
        """SCA of a payment done (as if the PSU approved on the bank page)."""
        with self.lock:
            self._payment_sca(self.payments[payment_id], True)

    def advance_payment(self, payment_id, steps=1):
        """Move a payment `steps` along its status plan; returns the new status."""
        with self.lock:
            pay = self.payments[payment_id]
            for _ in range(steps):
                if pay.plan:
                    self._set_payment_status(pay, pay.plan.pop(0))
            return pay.status

    def set_decoupled_sca(self, decoupled=True):
        """Payments to come are authorised in the bank's app (decoupled SCA) instead of a redirect page."""
        self.decoupled_sca = bool(decoupled)

    def configure_webhook(self, url, secret, headers=None):
        self.webhooks.configure(url, secret, headers)

    # ------------------------------------------------------------------ request log
    def record(self, **entry):
        entry.setdefault("at", self.clock.now().isoformat())
        with self.lock:
            self.log.append(entry)

    # ------------------------------------------------------------------ consents
    def create_consent(self, client_id, body, redirect_uri):
        if not isinstance(body, dict) or not isinstance(body.get("access"), dict):
            raise BankError(400, "FORMAT_ERROR", "The body must be a JSON object with an 'access' object.")
        access = body["access"]
        valid_until = _date(body.get("validUntil"), "validUntil")
        frequency = body.get("frequencyPerDay")
        recurring = body.get("recurringIndicator")
        if not isinstance(recurring, bool):
            raise BankError(400, "FORMAT_ERROR", "recurringIndicator must be true or false.")
        if not isinstance(frequency, int) or isinstance(frequency, bool) or frequency < 1:
            raise BankError(400, "FORMAT_ERROR", "frequencyPerDay must be a positive integer.")
        if not recurring and frequency != 1:
            raise BankError(400, "FORMAT_ERROR", "A one-off consent has frequencyPerDay 1.")
        with self.lock:
            today = self.clock.today()
            if valid_until < today:
                raise BankError(400, "FORMAT_ERROR", "validUntil lies in the past.")
            valid_until = min(valid_until, today + datetime.timedelta(days=180))
            for service in ("accounts", "balances", "transactions"):
                for ref in access.get(service) or ():
                    if not isinstance(ref, dict) or not any(a.iban == ref.get("iban") for a in self.accounts.values()):
                        raise BankError(400, "FORMAT_ERROR", f"access.{service}: unknown account {ref!r}.")
            if not any(access.get(key) for key in ("accounts", "balances", "transactions", "availableAccounts",
                                                    "allPsd2")):
                raise BankError(400, "FORMAT_ERROR", "access names no account and no allPsd2/availableAccounts.")
            consent = Consent("cons-" + secrets.token_hex(8), client_id, access, valid_until, frequency, recurring,
                              redirect_uri=redirect_uri)
            self.consents[consent.consent_id] = consent
            return consent

    def consent_for(self, consent_id, client_id):
        with self.lock:
            consent = self.consents.get(consent_id)
            if not consent or consent.client_id != client_id:
                raise BankError(403, "CONSENT_UNKNOWN", "The consent is unknown to this TPP.")
            self._refresh_consent(consent)
            return consent

    def _refresh_consent(self, consent):
        if consent.status == "valid" and self.clock.today() > consent.valid_until:
            consent.status = "expired"

    def consent_json(self, consent):
        return {"access": consent.access, "recurringIndicator": consent.recurring,
                "validUntil": consent.valid_until.isoformat(), "frequencyPerDay": consent.frequency_per_day,
                "lastActionDate": (consent.last_action or self.clock.today()).isoformat(),
                "consentStatus": consent.status}

    def terminate_consent(self, consent_id, client_id):
        with self.lock:
            consent = self.consent_for(consent_id, client_id)
            consent.status = "terminatedByTpp"

    def covered(self, consent, service, account):
        """Is `account` reachable for `service` (accounts/balances/transactions) under this consent?"""
        access = consent.access
        if access.get("allPsd2") or (service == "accounts" and access.get("availableAccounts")):
            return True
        refs = list(access.get(service) or ())
        if service == "accounts":
            refs += list(access.get("balances") or ()) + list(access.get("transactions") or ())
        return any(ref.get("iban") == account.iban for ref in refs)

    def count_unattended(self, consent, key):
        """One unattended access on `key` (account + endpoint); refuses beyond frequencyPerDay."""
        with self.lock:
            day_key = (self.clock.today().isoformat(), key)
            if consent.usage[day_key] >= consent.frequency_per_day:
                raise BankError(429, "ACCESS_EXCEEDED",
                                f"frequencyPerDay ({consent.frequency_per_day}) reached for {key} today.")
            consent.usage[day_key] += 1
            consent.last_action = self.clock.today()

    # ------------------------------------------------------------------ OAuth2
    def start_authorisation(self, params):
        """Validate an /authorize request; returns (sca id, what is being authorised)."""
        for name in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge"):
            if not params.get(name):
                raise BankError(400, "invalid_request", f"{name} is required.", oauth=True)
        if params["response_type"] != "code":
            raise BankError(400, "unsupported_response_type", "Only response_type=code.", oauth=True)
        if params.get("code_challenge_method") != "S256":
            raise BankError(400, "invalid_request", "code_challenge_method must be S256.", oauth=True)
        scope, _, resource = params["scope"].partition(":")
        with self.lock:
            if scope == "AIS" and resource in self.consents:
                subject = self.consents[resource]
                if subject.client_id != params["client_id"] or subject.status != "received":
                    raise BankError(400, "invalid_scope", "The consent is not awaiting authorisation.", oauth=True)
                if subject.redirect_uri and subject.redirect_uri != params["redirect_uri"]:
                    raise BankError(400, "invalid_request", "redirect_uri differs from TPP-Redirect-URI.", oauth=True)
                what = {"kind": "consent", "id": resource, "accounts": self._consent_ibans(subject)}
            elif scope == "PIS" and resource in self.payments:
                pay = self.payments[resource]
                if pay.client_id != params["client_id"] or pay.sca_done or pay.status != "RCVD":
                    raise BankError(400, "invalid_scope", "The payment is not awaiting authorisation.", oauth=True)
                what = {"kind": "payment", "id": resource, "amount": f"{pay.amount} {pay.currency}",
                        "count": pay.count}
            else:
                raise BankError(400, "invalid_scope", "scope is AIS:<consentId> or PIS:<paymentId>.", oauth=True)
            sca_id = secrets.token_urlsafe(16)
            self.pending_sca[sca_id] = {"params": dict(params), "what": what}
            return sca_id, what

    def _consent_ibans(self, consent):
        if consent.access.get("allPsd2") or consent.access.get("availableAccounts"):
            return sorted(a.iban for a in self.accounts.values())
        return sorted({ref["iban"] for key in ("accounts", "balances", "transactions")
                       for ref in consent.access.get(key) or ()})

    def decide_authorisation(self, sca_id, approve):
        """The PSU's decision on the SCA page; returns the redirect URL back to the TPP."""
        with self.lock:
            pending = self.pending_sca.pop(sca_id, None)
            if not pending:
                raise BankError(400, "invalid_request", "This authorisation is unknown or already decided.",
                                oauth=True)
            params, what = pending["params"], pending["what"]
            sep = "&" if "?" in params["redirect_uri"] else "?"
            from urllib.parse import urlencode
            if what["kind"] == "consent":
                self.consents[what["id"]].status = "valid" if approve else "rejected"
            else:
                self._payment_sca(self.payments[what["id"]], approve)
            if not approve:
                return params["redirect_uri"] + sep + urlencode({"error": "access_denied", "state": params["state"]})
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
                                "challenge": params["code_challenge"], "scope": params["scope"],
                                "expires_at": self.clock.now() + datetime.timedelta(minutes=5)}
            return params["redirect_uri"] + sep + urlencode({"code": code, "state": params["state"]})

    def approve_sca(self, authorize_params, approve=True):
        """Tests' shortcut for the SCA page: validates like /authorize and decides; returns the redirect URL."""
        sca_id, _what = self.start_authorisation(authorize_params)
        return self.decide_authorisation(sca_id, approve)

    def token(self, client_id, form):
        grant = form.get("grant_type")
        if form.get("client_id", client_id) != client_id:
            raise BankError(401, "invalid_client", "client_id does not match the TLS certificate.", oauth=True)
        with self.lock:
            now = self.clock.now()
            if grant == "authorization_code":
                code = self.codes.pop(form.get("code", ""), None)
                if not code or code["client_id"] != client_id or code["expires_at"] < now:
                    raise BankError(400, "invalid_grant", "The code is unknown, used or expired.", oauth=True)
                if code["redirect_uri"] != form.get("redirect_uri"):
                    raise BankError(400, "invalid_grant", "redirect_uri differs from the authorisation's.", oauth=True)
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if not verifier or challenge != code["challenge"]:
                    raise BankError(400, "invalid_grant", "PKCE code_verifier does not match.", oauth=True)
                return self._issue_tokens(client_id, code["scope"], refresh=True)
            if grant == "refresh_token":
                old = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
                if not old or old["client_id"] != client_id or old["expires_at"] < now:
                    raise BankError(400, "invalid_grant", "The refresh token is unknown, used or expired.",
                                    oauth=True)
                return self._issue_tokens(client_id, old["scope"], refresh=True)
            if grant == "client_credentials":
                return self._issue_tokens(client_id, "PIS", refresh=False)
            raise BankError(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported.", oauth=True)

    def _issue_tokens(self, client_id, scope, refresh):
        now = self.clock.now()
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = {"client_id": client_id, "scope": scope,
                                      "expires_at": now + datetime.timedelta(seconds=self.token_ttl)}
        answer = {"access_token": access, "token_type": "Bearer", "expires_in": self.token_ttl, "scope": scope}
        if refresh:
            token = secrets.token_urlsafe(24)
            self.refresh_tokens[token] = {"client_id": client_id, "scope": scope,
                                          "expires_at": now + datetime.timedelta(seconds=self.refresh_ttl)}
            answer["refresh_token"] = token
        return answer

    def grant_for(self, authorization, client_id):
        """The grant behind `Authorization: Bearer …`, or 401 TOKEN_INVALID/TOKEN_EXPIRED."""
        kind, _, token = (authorization or "").partition(" ")
        with self.lock:
            grant = self.access_tokens.get(token) if kind.lower() == "bearer" else None
            if not grant or grant["client_id"] != client_id:
                raise BankError(401, "TOKEN_INVALID", "The access token is missing or unknown.")
            if grant["expires_at"] <= self.clock.now():
                raise BankError(401, "TOKEN_EXPIRED", "The access token has expired.")
            return grant

    # ------------------------------------------------------------------ payments
    def initiate_payment(self, client_id, product, service, request_id, body, content_type):
        body_hash = hashlib.sha256(body).hexdigest()
        with self.lock:
            known = self.payment_keys.get((client_id, request_id))
            if known:
                pay = self.payments[known]
                if pay.body_hash != body_hash:
                    raise BankError(400, "FORMAT_ERROR", "X-Request-ID was already used for a different payment.")
                return pay, False
        if service == "bulk-payments":
            amount, currency, e2e, creditors, msg_id = self._parse_pain001(body, content_type)
        else:
            amount, currency, e2e, creditors = self._parse_sct(body, content_type)
            msg_id = None
        with self.lock:
            known = self.payment_keys.get((client_id, request_id))
            if known:
                return self.payments[known], False
            pay = Payment("pay-" + secrets.token_hex(8), client_id, product, service, request_id, body_hash,
                          amount, currency, len(e2e), tuple(e2e), tuple(creditors), msg_id)
            self.payments[pay.payment_id] = pay
            self.payment_keys[(client_id, request_id)] = pay.payment_id
            pay.history.append(("RCVD", self.clock.now().isoformat()))
            if not self.payment_sca:
                self._payment_sca(pay, True)
            return pay, True

    def payment_sca_start(self, pay, redirect_preferred, redirect_uri):
        """The SCA approach the payment's answer offers: "redirect" (a page on the PSU host, then back to
        ``redirect_uri``), "decoupled" (the bank's app) or "oauth" (scaOAuth); None once authorised.
        A resend of the same request gets the same authorisation."""
        with self.lock:
            if pay.sca_done:
                return None
            if not pay.sca_id:
                if self.decoupled_sca:
                    pay.sca_approach = "decoupled"
                elif redirect_preferred and redirect_uri:
                    pay.sca_approach, pay.redirect_uri = "redirect", redirect_uri
                else:
                    return "oauth"
                pay.sca_id = "sca-" + secrets.token_hex(8)
            return pay.sca_approach

    def payment_for_sca(self, sca_id):
        """The payment awaiting the PSU's decision on the redirect page ``sca_id``."""
        with self.lock:
            pay = next((p for p in self.payments.values() if p.sca_id == sca_id and p.sca_approach == "redirect"),
                       None)
            if pay is None or pay.sca_done or pay.status != "RCVD":
                raise BankError(400, "RESOURCE_UNKNOWN", "This authorisation is unknown or already decided.")
            return pay

    def decide_payment_sca(self, sca_id, approve):
        """The PSU's decision on the redirect page; returns the TPP-Redirect-URI the browser goes back to."""
        with self.lock:
            pay = self.payment_for_sca(sca_id)
            self._payment_sca(pay, approve)
            return pay.redirect_uri

    def sca_status(self, pay, sca_id):
        """Berlin Group scaStatus of the payment's authorisation."""
        with self.lock:
            if sca_id != pay.sca_id:
                raise BankError(404, "RESOURCE_UNKNOWN", f"No authorisation {sca_id} of this payment.")
            return pay.sca_status

    def _parse_sct(self, body, content_type):
        if "json" not in content_type:
            raise BankError(400, "FORMAT_ERROR", "A single SEPA credit transfer is sent as application/json.")
        try:
            data = json.loads(body)
            amount = _amount(data["instructedAmount"]["amount"])
            currency = data["instructedAmount"]["currency"]
            creditor = data["creditorAccount"]["iban"]
            data["debtorAccount"]["iban"]
            if not data.get("creditorName"):
                raise KeyError("creditorName")
        except (ValueError, KeyError, TypeError, decimal.InvalidOperation) as exc:
            raise BankError(400, "FORMAT_ERROR", f"Payment body is incomplete or malformed ({exc}).")
        if amount <= 0 or currency != "EUR":
            raise BankError(400, "FORMAT_ERROR", "A SEPA credit transfer is a positive amount in EUR.")
        return amount, currency, [data.get("endToEndIdentification") or "NOTPROVIDED"], [creditor]

    def _parse_pain001(self, body, content_type):
        if "xml" not in content_type:
            raise BankError(400, "FORMAT_ERROR", "A pain.001 bulk is sent as application/xml.")
        if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
            raise BankError(400, "FORMAT_ERROR", "DTDs and entities are refused.")
        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError as exc:
            raise BankError(400, "FORMAT_ERROR", f"pain.001 is not well-formed XML: {exc}.")
        ns = root.tag.partition("}")[0].lstrip("{")
        if not ns.startswith("urn:iso:std:iso:20022:tech:xsd:pain.001."):
            raise BankError(400, "FORMAT_ERROR", f"Not a pain.001 document (namespace {ns!r}).")
        q = {"p": ns}
        txs = root.findall(".//p:CdtTrfTxInf", q)
        if not txs:
            raise BankError(400, "FORMAT_ERROR", "pain.001 without CdtTrfTxInf.")
        total, e2e, creditors, currency = decimal.Decimal(0), [], [], None
        for tx in txs:
            amt = tx.find("p:Amt/p:InstdAmt", q)
            iban = tx.find("p:CdtrAcct/p:Id/p:IBAN", q)
            if amt is None or iban is None:
                raise BankError(400, "FORMAT_ERROR", "A CdtTrfTxInf lacks InstdAmt or CdtrAcct/IBAN.")
            total += _amount(amt.text)
            currency = amt.get("Ccy")
            e2e.append(tx.findtext("p:PmtId/p:EndToEndId", "NOTPROVIDED", q))
            creditors.append(iban.text)
        declared = root.findtext(".//p:GrpHdr/p:NbOfTxs", None, q)
        if declared is not None and int(declared) != len(txs):
            raise BankError(400, "FORMAT_ERROR", f"GrpHdr/NbOfTxs {declared} but {len(txs)} transactions.")
        return total, currency, e2e, creditors, root.findtext(".//p:GrpHdr/p:MsgId", None, q)

    def payment_for(self, payment_id, client_id, service):
        with self.lock:
            pay = self.payments.get(payment_id)
            if not pay or pay.client_id != client_id or pay.service != service:
                raise BankError(403, "RESOURCE_UNKNOWN", "The payment is unknown to this TPP.")
            return pay

    def poll_status(self, pay):
        with self.lock:
            if self.auto_advance and pay.plan:
                self._set_payment_status(pay, pay.plan.pop(0))
            return pay.status

    def _payment_sca(self, pay, approve):
        pay.sca_done = True
        pay.sca_status = "finalised" if approve else "failed"
        if not approve:
            pay.plan = []
            self._set_payment_status(pay, "RJCT")
            return
        outcomes = [self.outcomes.get(iban) for iban in pay.creditor_ibans]
        default = self.outcomes.get(None, "ACSC")
        rejected = sum(1 for o in outcomes if o == "RJCT" or (o is None and default == "RJCT"))
        if any(iban in self.reject_ibans for iban in pay.creditor_ibans):
            rejected = len(outcomes)
        if rejected == len(outcomes):
            pay.plan = ["ACTC", "RJCT"]
        elif rejected:
            pay.plan = ["ACTC", "ACSP", "PART"]
        elif default == "PDNG" or "PDNG" in outcomes:
            pay.plan = ["ACTC", "PDNG", "ACSP", "ACSC"]
        elif default == "PART":
            pay.plan = ["ACTC", "ACSP", "PART"]
        else:
            pay.plan = ["ACTC", "ACSP", "ACSC"]

    def _set_payment_status(self, pay, status):
        pay.status = status
        pay.history.append((status, self.clock.now().isoformat()))
        data = {"paymentId": pay.payment_id, "transactionStatus": status, "endToEndIds": list(pay.end_to_end_ids)}
        if pay.msg_id:
            data["msgId"] = pay.msg_id
        self.webhooks.emit("payment.status", data)

    # ------------------------------------------------------------------ admin: webhooks
    def emit_webhook(self, type, data):
        """Queue an event for the configured webhook URL; returns the event (with its id)."""
        return self.webhooks.emit(type, data)

    def deliver_webhook(self, event_id, **tamper):
        """Send a known event now (again): tamper = timestamp / secret / signature=False / url / body."""
        if isinstance(tamper.get("body"), str):
            tamper["body"] = tamper["body"].encode()
        return self.webhooks.deliver(self.webhooks.events[event_id], **tamper)

    def webhook_deliveries(self):
        return list(self.webhooks.deliveries)
