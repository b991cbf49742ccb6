"""The Berlin Group NextGenPSD2 provider: one class, everything PSD2 the core drives.

Statements (transactions with pagination, pending apart, look-back cursor), balances, payment
initiation (bulk pain.001 or single SEPA credit transfers) with the outbox key as X-Request-ID,
payment status polling, webhooks in, and the consent lifecycle: the core's **Connect** calls
``oauth_begin`` (which asks the bank for the consent first) and ``oauth_complete``; the addon's
buttons call ``consent_status`` / ``end_consent``.

Everything generic comes from the core's REST toolkit: mutual TLS from the certificate secrets
(in-memory SSL context), request signing (Digest + Signature over ``digest x-request-id date``),
OAuth2 with PKCE and refresh written back by the core, exchanges stored masked as evidence, the
per-connection circuit breaker. Every call has a timeout and is never retried inside a call: the
engine or the outbox retries from the same cursor / with the same key.
"""
import json
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import requests

from odoo.addons.bank_adapter_iso20022.lib.bank_profiles import PROFILES, BankProfile
from odoo.addons.bank_adapter_iso20022.lib.pain001_writer import write_pain001
from odoo.addons.finance_bridge_core.lib.dto import FetchResult, StatementDTO, StatusResult, SubmissionResult
from odoo.addons.finance_bridge_core.lib.errors import ConfigurationError, ProviderError, RetryAfter
from odoo.addons.finance_bridge_core.lib.oauth2 import (
    OAuthClientConfig,
    OAuthProviderMixin,
    OAuthToken,
    authorization_url,
    new_pkce,
)
from odoo.addons.finance_bridge_core.lib.provider_protocols import Capability
from odoo.addons.finance_bridge_core.lib.provider_registry import (
    ConfigField,
    Provider,
    SecretField,
    register_provider,
)
from odoo.addons.finance_bridge_core.lib.request_signing import SigningAuth
from odoo.addons.finance_bridge_core.lib.tls_material import MaterialSecrets, mount_client_certificate
from odoo.addons.finance_bridge_core.lib.webhook_protocol import WebhookEvent, WebhookProtocol

from ..lib import budget, errors, payments, sca, xs2a
from ..lib.cursor import Cursor, pass_window, take_page

# consent status of the bank → the core's consent states
CONSENT_STATUS = {"received": "received", "valid": "valid", "rejected": "rejected", "revokedByPsu": "revoked",
                  "expired": "expired", "terminatedByTpp": "terminated", "partiallyAuthorised": "received"}
POLL_BACKOFF = (60, 120, 300, 900, 1800, 3600)   # seconds between status polls of one payment


@register_provider
class Psd2Provider(OAuthProviderMixin, WebhookProtocol, Provider):
    key = "psd2_berlin_group"
    label = "PSD2 bank (Berlin Group NextGenPSD2)"
    capabilities = frozenset({Capability.STATEMENTS, Capability.BALANCES, Capability.PAYMENTS, Capability.STATUS,
                              Capability.WEBHOOKS})
    config_schema = (
        ConfigField("api_url", "API base URL", "url", required=True,
                    help="The bank's XS2A host, e.g. https://api.bank.example (the /v1 paths are added)."),
        ConfigField("client_id", "TPP client id", required=True, binding=True,
                    help="Your client id at the bank (usually the organisation id of your eIDAS certificate)."),
        ConfigField("bank_ca_pem", "Bank CA certificate (PEM)", binding=True,
                    help="The CA that issued the bank's TLS certificate, when it is not a public one."),
        ConfigField("frequency_per_day", "Unattended calls per day", "int", default=4,
                    help="frequencyPerDay asked in the consent; scheduled syncs are paced over the bank's day."),
        ConfigField("consent_days", "Consent validity (days)", "int", default=90),
        ConfigField("lookback_days", "Look-back (days)", "int", default=3,
                    help="Days re-read before the last booked date to catch late bookings."),
        ConfigField("initial_days", "First sync (days back)", "int", default=90),
        ConfigField("payment_mode", "Payments sent as", "selection", default="bulk", choices=("bulk", "single"),
                    help="bulk: one pain.001 per batch; single: one SEPA credit transfer per payment."),
        ConfigField("timeout_seconds", "Read timeout (s)", "int", default=30),
    )
    secret_schema = (
        SecretField("tls_certificate", "Client certificate (QWAC, PEM)",
                    help="PEM certificate (with its chain) for mutual TLS; or use the PKCS#12 bundle."),
        SecretField("tls_key", "Client certificate key (PEM)"),
        SecretField("tls_pkcs12", "Client certificate (PKCS#12, base64)"),
        SecretField("seal_certificate", "Signing certificate (QSealC, PEM)", required=True),
        SecretField("seal_key", "Signing key (PEM)", required=True),
        SecretField("key_passphrase", "Key passphrase"),
        SecretField("oauth_token", "Account access token", managed=True,
                    help="Stored by Connect, refreshed before it expires."),
        SecretField("pis_token", "Payment initiation token", managed=True),
    )
    uses_bank_profile = True   # the pain.001 dialect of the bulk payments: the connection's bank profile
    tls_material = MaterialSecrets("tls_certificate", "tls_key", "tls_pkcs12", "key_passphrase",
                                   "client certificate (QWAC)")
    signing_material = MaterialSecrets("seal_certificate", "seal_key", None, "key_passphrase",
                                       "signing certificate (QSealC)")

    # ------------------------------------------------------------------ plumbing
    def __init__(self, context):
        super().__init__(context)
        self._http = None
        self._round_counted = False
        self._token = None

    @property
    def state(self):
        if self.context.state is None:
            raise ConfigurationError("the PSD2 provider needs its connection's state (context.state)")
        return self.context.state

    def _secret(self, name):
        value = self.context.secrets(name)
        return value or None

    def _session(self):
        """The core's session (timeouts, exchange evidence) with mutual TLS and request signing; no
        retry inside a call (the engine / outbox retry with the same cursor / request id)."""
        if self._http is not None:
            return self._http
        tls = self.tls_material.load(self._secret)
        seal = self.signing_material.load(self._secret)
        if tls is None or seal is None:
            raise ConfigurationError("set the client certificate (QWAC) and the signing certificate (QSealC) "
                                     "with their keys")
        session = self.context.http(timeout=(5.0, float(self.config["timeout_seconds"])), retries=0)
        session.trust_env = False   # a CA bundle from the environment must not replace the bank's CA
        mount_client_certificate(session, tls, ca_pem=self.config.get("bank_ca_pem") or None)
        session.auth = SigningAuth(seal.private_key, seal.certificate)
        session.headers["Accept"] = "application/json"
        self._http = session
        return session

    def _url(self, path):
        return urljoin(self.config["api_url"].rstrip("/") + "/", path.lstrip("/"))

    def _metadata(self):
        return self._send("GET", "/.well-known/oauth-authorization-server", what="the bank's OAuth metadata")

    # ------------------------------------------------------------------ OAuth (the core's Connect)
    def oauth_session(self):
        return self._session()

    def oauth_config(self, redirect_uri=None):
        data = self.state.get("oauth_endpoints")
        if not data:
            meta = self._metadata()
            data = {"authorization_url": meta["authorization_endpoint"], "token_url": meta["token_endpoint"]}
            self.state.put("oauth_endpoints", data)
        return OAuthClientConfig(token_url=data["token_url"], authorization_url=data["authorization_url"],
                                 client_id=self.config["client_id"], auth_method="none", redirect_uri=redirect_uri)

    def oauth_begin(self, redirect_uri, state, code_challenge):
        """Connect: ask the bank for an AIS consent first, then authorise it (scope ``AIS:<consentId>``)."""
        consent_id = self.start_consent(redirect_uri)
        return authorization_url(self.oauth_config(redirect_uri), state, code_challenge, scope=f"AIS:{consent_id}")

    def oauth_complete(self, code, code_verifier, redirect_uri):
        """The callback: the token (stored by the core), and the consent read back from the bank."""
        token = super().oauth_complete(code, code_verifier, redirect_uri)
        self.consent_status()
        return token

    # ------------------------------------------------------------------ one HTTP exchange
    def _send(self, method, path, *, body=None, headers=None, what=None, token=None, consent=True,
              request_id=None, psu_present=False):
        """One call to the bank; JSON answer, or the classified exception. Never retried here."""
        out = {"X-Request-ID": request_id or str(uuid.uuid4())}
        if consent and self.state.consent.reference and path.startswith("/v1/accounts"):
            out["Consent-ID"] = self.state.consent.reference
        if token:
            out["Authorization"] = token.authorization
        out.update(headers or {})
        what = what or f"{method} {urlsplit(path).path}"
        try:
            response = self._session().request(method, self._url(path), data=body, headers=out,
                                               allow_redirects=False)
        except requests.Timeout:
            raise ProviderError(f"{what}: no answer within the timeout", retryable=True) from None
        except requests.RequestException as exc:
            raise ProviderError(f"{what}: cannot reach the bank ({type(exc).__name__})", retryable=True) from None
        try:
            document = response.json() if response.content else {}
        except ValueError:
            document = {}
        if response.status_code >= 400:
            raise errors.classify(response.status_code, document, response.headers.get("Retry-After"),
                                  what=what, retry_after_error=RetryAfter)
        return document

    def _ais(self, method, path, *, unattended=True):
        """An account-information call with the consent's token (refreshed when needed, once more on
        TOKEN_EXPIRED); a CONSENT_EXPIRED/INVALID answer is written to the connection's consent."""
        token = self._ais_token()
        try:
            try:
                return self._send(method, path, token=token)
            except errors.TokenProblem:
                token = self._ais_token(force=True)
                return self._send(method, path, token=token)
        except errors.ConsentProblem as exc:
            self.state.update_consent(status="expired" if exc.code == "CONSENT_EXPIRED" else "revoked"
                                      if exc.code == "CONSENT_INVALID" else "terminated")
            raise

    def _ais_token(self, force=False):
        """The consent's access token, refreshed before expiry; a refreshed one is stored through the
        provider state (sealed, audited, kept when the run fails later), this run keeps it in memory."""
        if not self.state.consent.reference:
            raise errors.ConsentProblem("CONSENT_UNKNOWN", "no consent yet: press Connect on the connection "
                                                           "and approve the access at the bank")
        if self._token is None and not force:
            self._token = self.oauth_access_token()
        elif force or self._token.expires_within(self.context.now(), self.oauth_refresh_skew):
            self._token = self.oauth_client().refresh(self._token or self.oauth_token())
            for value in (self._token.access_token, self._token.refresh_token):
                self.context.logger.add_secret(value)
            self.state.store_secret(self.oauth_token_secret, self._token.to_json())
        return self._token

    def _pis_token(self):
        raw = self._secret("pis_token")
        token = OAuthToken.from_json(raw) if raw else None
        if token is None or token.expires_within(self.context.now()):
            token = self.oauth_client().client_credentials()
            self.state.store_secret("pis_token", token.to_json())
        return token

    # ------------------------------------------------------------------ consent lifecycle
    def start_consent(self, redirect_uri):
        """Ask the bank for an AIS consent on the connection's accounts (``config["accounts"]``); its id."""
        ibans = list(self.config.get("accounts") or ())
        if not ibans:
            raise ConfigurationError("the connection serves no bank account with an IBAN yet")
        today = self.context.bank_today()
        refs = [{"iban": iban} for iban in ibans]
        frequency = max(1, int(self.config["frequency_per_day"]))
        body = {"access": {"accounts": refs, "balances": refs, "transactions": refs}, "recurringIndicator": True,
                "validUntil": (today + timedelta(days=max(1, int(self.config["consent_days"])))).isoformat(),
                "frequencyPerDay": frequency, "combinedServiceIndicator": False}
        answer = self._send("POST", "/v1/consents", body=json.dumps(body).encode(), what="consent request",
                            headers={"Content-Type": "application/json", "TPP-Redirect-URI": redirect_uri},
                            consent=False)
        consent_id = answer.get("consentId")
        if not consent_id:
            raise ProviderError("the bank's consent answer has no consentId", retryable=False)
        self.state.update_consent(reference=consent_id, status=CONSENT_STATUS.get(answer.get("consentStatus"),
                                                                                   "received"),
                                  valid_until=None, frequency_per_day=frequency)
        self.state.put("accounts", None)
        return consent_id

    def consent_status(self):
        """Read the consent from the bank and write it to the connection; returns the core status."""
        reference = self.state.consent.reference
        if not reference:
            return "none"
        data = self._send("GET", f"/v1/consents/{reference}", what="consent status", consent=False)
        status = CONSENT_STATUS.get(data.get("consentStatus"), "received")
        until = data.get("validUntil")
        self.state.update_consent(status=status, valid_until=datetime.fromisoformat(until).date() if until else None,
                                  frequency_per_day=int(data.get("frequencyPerDay") or 0))
        return status

    def end_consent(self):
        """Tell the bank we no longer use the consent (DELETE), forget the tokens."""
        reference = self.state.consent.reference
        if reference:
            self._send("DELETE", f"/v1/consents/{reference}", what="consent deletion", consent=False)
        self.state.update_consent(status="terminated")

    def test_connection(self):
        meta = self._metadata()
        return f"TLS and signature accepted by the bank; its authorisation server is {meta.get('issuer') or '?'}."

    # ------------------------------------------------------------------ accounts and the day's budget
    def _resource_id(self, account):
        accounts = self.state.get("accounts")
        if not accounts or account not in accounts:
            data = self._ais("GET", "/v1/accounts")
            accounts = {iban: [rid, cur or "EUR"] for iban, (rid, cur, _name) in xs2a.parse_accounts(data).items()}
            self.state.put("accounts", accounts)
        if account not in accounts:
            raise ProviderError(f"the consent does not give access to account {account[:4]}…{account[-4:]}",
                                retryable=False)
        return accounts[account]

    def check_pace(self):
        """Scheduled runs only (the engine's quota hook): refuse, with the time of the next slot, a run
        that would spend the day's unattended calls faster than ``frequencyPerDay`` spreads them."""
        consent = self.state.consent
        now_local = self.context.bank_now()
        slot = budget.next_slot(consent.calls_used(now_local.date()), consent.frequency_per_day, now_local)
        if slot is not None:
            raise RetryAfter((slot - now_local).total_seconds(),
                             f"frequencyPerDay {consent.frequency_per_day}: the next unattended call is due at "
                             f"{slot:%Y-%m-%d %H:%M} bank time")

    def _spend_round(self):
        """Count this run's unattended round (one per run: each account's transactions and balances
        are one access each at the bank); none is left today → come back at the bank's midnight."""
        if self._round_counted:
            return
        consent = self.state.consent
        now_local = self.context.bank_now()
        if consent.calls_left(now_local.date()) == 0:
            midnight = budget.day_start(now_local) + timedelta(days=1)
            raise RetryAfter((midnight - now_local).total_seconds(),
                             f"frequencyPerDay {consent.frequency_per_day}: today's unattended calls are spent")
        self.state.count_call(now_local.date())
        self._round_counted = True

    # ------------------------------------------------------------------ STATEMENTS
    def fetch_statements(self, account, cursor):
        options = self.config
        current = Cursor.from_json(cursor)
        today = self.context.bank_today()
        rid, currency = self._resource_id(account)
        if current.in_pass:
            window, path = current.window, current.next_href
        else:
            self._spend_round()
            window = pass_window(current, today, int(options["lookback_days"]), int(options["initial_days"]))
            path = (f"/v1/accounts/{rid}/transactions?dateFrom={window[0].isoformat()}"
                    f"&dateTo={window[1].isoformat()}&bookingStatus=both")
        document = self._ais("GET", path)
        report = xs2a.parse_account_report(document, currency, source=f"transactions of {account[-4:]}")
        fresh, new = take_page(current, report.booked, (), report.next_href, window, int(options["lookback_days"]))
        # bookingStatus=both: every page tells its part of the pending list; the core keeps the run's
        # pending lines apart (never booked) and drops those the bank no longer reports
        return FetchResult(statements=self._statements(account, currency, fresh), next_cursor=new.to_json(),
                           has_more=new.in_pass, pending=tuple(p.to_line(today) for p in report.pending))

    @staticmethod
    def _statements(account, currency, lines):
        """Fresh lines grouped by booking day: one bank statement per account and day."""
        days = OrderedDict()
        for line in sorted(lines, key=lambda item: item.booking_date):
            days.setdefault(line.booking_date, []).append(line)
        return tuple(StatementDTO(account=account, currency=currency, date=day, lines=tuple(items),
                                  statement_id=f"PSD2 {day.isoformat()}") for day, items in days.items())

    # ------------------------------------------------------------------ BALANCES
    def fetch_balances(self, account):
        rid, currency = self._resource_id(account)
        self._spend_round()
        document = self._ais("GET", f"/v1/accounts/{rid}/balances")
        return xs2a.parse_balances(document, account, currency, self.context.bank_today())

    # ------------------------------------------------------------------ PAYMENTS
    def _profile(self):
        profile = self.config.get("bank_profile")
        return profile if isinstance(profile, BankProfile) else PROFILES["sepa_generic"]

    def submit_payment_batch(self, batch, idempotency_key):
        """Send the batch with the outbox key as X-Request-ID; a resend sends the same bytes and id."""
        token = self._pis_token()
        batch = payments.sepa_batch(batch)
        sent = []
        if self.config["payment_mode"] == "single":
            parts = [(payments.SINGLE_PATH, payments.sct_body(batch, p), "application/json",
                      payments.sub_request_id(idempotency_key, i, len(batch.payments)), (p.end_to_end_id,), None)
                     for i, p in enumerate(batch.payments)]
        else:
            xml = write_pain001(batch, self._profile())
            parts = [(payments.BULK_PATH, xml, "application/xml", payments.request_id_for(idempotency_key),
                      tuple(p.end_to_end_id for p in batch.payments), batch.msg_id)]
        open_payments = dict(self.state.get("payments") or {})
        # the redirect approach preferred: the bank's page comes back as the releaser's link (sca_redirect)
        headers = sca.redirect_headers(self.config.get("web_base_url"))
        approaches = []
        for path, body, content_type, request_id, e2e, msg_id in parts:
            answer = self._send("POST", path, body=body, headers={"Content-Type": content_type, **headers},
                                token=token, request_id=request_id, what=f"payment initiation {batch.msg_id}",
                                consent=False)
            payment_id = answer.get("paymentId")
            if not payment_id:
                raise ProviderError("the bank's payment answer has no paymentId", retryable=False)
            approaches.append(sca.approach(answer))
            open_payments[payment_id] = {"path": path, "msg_id": msg_id, "e2e": list(e2e),
                                         "status": answer.get("transactionStatus") or "RCVD",
                                         "polls": 0, "next_poll": self.context.now().isoformat(),
                                         "sca": approaches[-1][0] is not None}
            sent.append(payment_id)
        self.state.put("payments", open_payments)
        message = f"{len(sent)} payment(s) accepted by the bank: {', '.join(sent)}"
        if any(open_payments[p]["sca"] for p in sent):
            message += " — awaiting the account holder's authorisation at the bank"
        raw = {"content": parts[0][1], "file": f"pain001-{batch.msg_id}.xml"} if len(parts) == 1 and \
            parts[0][2] == "application/xml" else {}
        raw.update(sca.submission_details(approaches))
        return SubmissionResult(accepted=True, bank_reference=",".join(sent), message=message, raw=raw)

    def payment_authorisation_url(self, payment_id, redirect_uri, state_value):
        """The bank page where the releaser authorises a payment (SCA); the code is not needed back."""
        _verifier, challenge = new_pkce()
        return authorization_url(self.oauth_config(redirect_uri), state_value, challenge, scope=f"PIS:{payment_id}")

    # ------------------------------------------------------------------ STATUS
    def fetch_status_events(self, cursor):
        """Poll every open payment whose next poll is due (backoff per payment) until a final status."""
        open_payments = dict(self.state.get("payments") or {})
        now = self.context.now()
        events, changed = [], False
        for payment_id, known in sorted(open_payments.items()):
            if payments.is_final(known["status"]) or datetime.fromisoformat(known["next_poll"]) > now:
                continue
            answer = self._send("GET", f"{known['path']}/{payment_id}/status", token=self._pis_token(),
                                what=f"status of payment {payment_id}", consent=False)
            status = answer.get("transactionStatus")
            polls = known["polls"] + 1
            delay = POLL_BACKOFF[min(polls - 1, len(POLL_BACKOFF) - 1)]
            info = dict(known, polls=polls, next_poll=(now + timedelta(seconds=delay)).isoformat())
            if status and status != info["status"]:
                events += payments.status_events(status, msg_id=info["msg_id"], end_to_end_ids=info["e2e"],
                                                 bank_reference=payment_id, occurred_at=now)
                info["status"] = status
            open_payments[payment_id] = info
            changed = True
        if changed:
            # final payments are forgotten once their status was reported
            self.state.put("payments", {k: v for k, v in open_payments.items()
                                        if not payments.is_final(v["status"])} or None)
        return StatusResult(events=tuple(events), next_cursor=None, has_more=False)

    # ------------------------------------------------------------------ WEBHOOKS
    @classmethod
    def parse_webhook(cls, headers, body):
        """The bank's event ``{"id","type","created","data"}`` → WebhookEvent."""
        try:
            event = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("body is not UTF-8 JSON") from None
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise ValueError("an event object with data is expected")
        kind = {"payment.status": "status", "transactions.available": "sync_account"}.get(event.get("type"), "other")
        created = event.get("created")
        try:
            occurred = datetime.fromisoformat(created) if created else None
        except ValueError:
            raise ValueError(f"created: {created!r} is not an ISO date-time") from None
        data = event["data"]
        account = data.get("iban") or data.get("resourceId")
        return [WebhookEvent(event_id=str(event.get("id") or ""), kind=kind, payload=data,
                             account=str(account) if account else None, occurred_at=occurred)]

    @classmethod
    def webhook_status_events(cls, event):
        data = dict(event.payload)
        status = data.get("transactionStatus")
        return payments.status_events(status, msg_id=data.get("msgId"), end_to_end_ids=tuple(data.get("endToEndIds")
                                                                                             or ()),
                                      bank_reference=data.get("paymentId"), occurred_at=event.occurred_at)

