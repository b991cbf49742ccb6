"""A minimal TPP client for the simulator's own tests: real TLS with `requests`, signed requests, PKCE.

It is independent of the adapter addon on purpose: these tests prove the bank, the adapter's tests
prove the adapter against it.
"""
import base64
import hashlib
import json as jsonlib
import re
import secrets
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from simulators.psd2_bank import sign_headers

REDIRECT = "http://127.0.0.1:9/callback"


class Tpp:
    def __init__(self, sim, tpp=None, files=None, timeout=10):
        self.sim = sim
        self.tpp = tpp or sim.tpp
        files = files or sim.files
        self.http = requests.Session()
        self.http.trust_env = False  # else REQUESTS_CA_BUNDLE silently replaces `verify`
        self.http.cert = (files["tpp_tls_cert"], files["tpp_tls_key"])
        self.http.verify = sim.files["ca"]
        self.timeout = timeout

    def call(self, method, path, *, json=None, data=None, content_type=None, consent=None, token=None,
             psu_ip=None, request_id=None, sign=True, headers=None, timeout=None):
        body = jsonlib.dumps(json).encode() if json is not None else (data or b"")
        out = {}
        if json is not None:
            out["Content-Type"] = "application/json"
        if content_type:
            out["Content-Type"] = content_type
        if sign:
            out.update(sign_headers(body, self.tpp.seal_cert_pem, self.tpp.seal_key_pem,
                                    request_id or str(uuid.uuid4())))
        if consent:
            out["Consent-ID"] = consent
        if token:
            out["Authorization"] = f"Bearer {token}"
        if psu_ip:
            out["PSU-IP-Address"] = psu_ip
        out.update(headers or {})
        url = path if path.startswith("http") else self.sim.api_url + path
        return self.http.request(method, url, data=body or None, headers=out, timeout=timeout or self.timeout)

    def token(self, **form):
        return self.http.post(self.sim.api_url + "/token", data=form, timeout=self.timeout)

    def consent(self, ibans, frequency=4, valid_days=90, recurring=True):
        import datetime
        refs = [{"iban": iban} for iban in ibans]
        until = (self.sim.bank.clock.today() + datetime.timedelta(days=valid_days)).isoformat()
        answer = self.call("POST", "/v1/consents", json={
            "access": {"accounts": refs, "balances": refs, "transactions": refs}, "recurringIndicator": recurring,
            "validUntil": until, "frequencyPerDay": frequency, "combinedServiceIndicator": False},
            headers={"TPP-Redirect-URI": REDIRECT})
        assert answer.status_code == 201, answer.text
        return answer.json()["consentId"]

    def authorize_params(self, scope, verifier=None):
        verifier = verifier or secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        return verifier, {"response_type": "code", "client_id": self.tpp.client_id, "redirect_uri": REDIRECT,
                          "scope": scope, "state": secrets.token_urlsafe(12), "code_challenge": challenge,
                          "code_challenge_method": "S256"}

    def sca(self, params, decision="approve"):
        """The PSU opens the bank's page and presses a button; returns the redirect's query."""
        page = requests.get(self.sim.psu_url + "/authorize?" + urlencode(params), timeout=self.timeout)
        assert page.status_code == 200, page.text
        sca_id = re.search(r"name='sca_id' value='([^']+)'", page.text).group(1)
        answer = requests.post(self.sim.psu_url + "/authorize/decision", data={"sca_id": sca_id, "decision": decision},
                               allow_redirects=False, timeout=self.timeout)
        assert answer.status_code == 303
        location = answer.headers["Location"]
        assert location.startswith(REDIRECT)
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def connect(self, ibans, frequency=4, valid_days=90):
        """Consent + SCA approved + code exchanged: (consent id, token answer)."""
        consent = self.consent(ibans, frequency, valid_days)
        verifier, params = self.authorize_params(f"AIS:{consent}")
        back = self.sca(params)
        assert back["state"] == params["state"]
        tokens = self.token(grant_type="authorization_code", code=back["code"], redirect_uri=REDIRECT,
                            code_verifier=verifier, client_id=self.tpp.client_id)
        assert tokens.status_code == 200, tokens.text
        return consent, tokens.json()

    def pis_token(self):
        answer = self.token(grant_type="client_credentials", client_id=self.tpp.client_id)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]
