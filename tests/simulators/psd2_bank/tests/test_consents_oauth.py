"""Consents, the SCA page and OAuth2 (authorization code + PKCE, refresh, client credentials)."""
import datetime

from .tpp import REDIRECT

IBAN = "DE89370400440532013000"


def _codes(answer):
    return [m["code"] for m in answer.json()["tppMessages"]]


def test_consent_created_received_then_valid_after_sca(sim, tpp, account):
    consent = tpp.consent([IBAN], frequency=4)
    status = tpp.call("GET", f"/v1/consents/{consent}/status")
    assert status.status_code == 200 and status.json() == {"consentStatus": "received"}
    verifier, params = tpp.authorize_params(f"AIS:{consent}")
    back = tpp.sca(params)
    assert back["state"] == params["state"] and back["code"]
    full = tpp.call("GET", f"/v1/consents/{consent}").json()
    assert full["consentStatus"] == "valid" and full["frequencyPerDay"] == 4 and full["recurringIndicator"] is True
    tokens = tpp.token(grant_type="authorization_code", code=back["code"], redirect_uri=REDIRECT,
                       code_verifier=verifier, client_id="tpp-finance-bridge")
    assert tokens.status_code == 200 and tokens.json()["token_type"] == "Bearer"
    accounts = tpp.call("GET", "/v1/accounts", consent=consent, token=tokens.json()["access_token"])
    assert [a["iban"] for a in accounts.json()["accounts"]] == [IBAN]


def test_sca_refused_rejects_consent(sim, tpp, account):
    consent = tpp.consent([IBAN])
    _verifier, params = tpp.authorize_params(f"AIS:{consent}")
    back = tpp.sca(params, decision="refuse")
    assert back == {"error": "access_denied", "state": params["state"]}
    assert tpp.call("GET", f"/v1/consents/{consent}/status").json()["consentStatus"] == "rejected"


def test_consent_body_validated(sim, tpp, account):
    answer = tpp.call("POST", "/v1/consents", json={"access": {"accounts": [{"iban": IBAN}]},
                                                     "recurringIndicator": False, "validUntil": "2999-01-01",
                                                     "frequencyPerDay": 4})
    assert answer.status_code == 400 and "one-off consent" in answer.text
    answer = tpp.call("POST", "/v1/consents", json={"access": {"accounts": [{"iban": "DE00"}]},
                                                     "recurringIndicator": True, "validUntil": "2999-01-01",
                                                     "frequencyPerDay": 4})
    assert answer.status_code == 400 and _codes(answer) == ["FORMAT_ERROR"]


def test_pkce_code_reuse_and_redirect_checked(sim, tpp, account):
    consent = tpp.consent([IBAN])
    verifier, params = tpp.authorize_params(f"AIS:{consent}")
    back = tpp.sca(params)
    wrong = tpp.token(grant_type="authorization_code", code=back["code"], redirect_uri=REDIRECT,
                      code_verifier="x" * 50, client_id="tpp-finance-bridge")
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # the code was consumed by the failed attempt: a code is single-use whatever happens
    again = tpp.token(grant_type="authorization_code", code=back["code"], redirect_uri=REDIRECT,
                      code_verifier=verifier, client_id="tpp-finance-bridge")
    assert again.status_code == 400
    bad = tpp.authorize_params(f"AIS:{consent}")[1]
    bad["code_challenge_method"] = "plain"
    import requests
    page = requests.get(sim.psu_url + "/authorize", params=bad, timeout=5)
    assert page.status_code == 400 and "S256" in page.text


def test_token_expiry_and_refresh_rotation(sim, tpp, account):
    consent, tokens = tpp.connect([IBAN])
    sim.bank.advance_clock(seconds=301)
    expired = tpp.call("GET", "/v1/accounts", consent=consent, token=tokens["access_token"])
    assert expired.status_code == 401 and _codes(expired) == ["TOKEN_EXPIRED"]
    fresh = tpp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id="tpp-finance-bridge")
    assert fresh.status_code == 200
    assert fresh.json()["refresh_token"] != tokens["refresh_token"]
    reused = tpp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    ok = tpp.call("GET", "/v1/accounts", consent=consent, token=fresh.json()["access_token"])
    assert ok.status_code == 200


def test_client_credentials_token_cannot_read_accounts(sim, tpp, account):
    consent, _tokens = tpp.connect([IBAN])
    answer = tpp.call("GET", "/v1/accounts", consent=consent, token=tpp.pis_token())
    assert answer.status_code == 401 and _codes(answer) == ["TOKEN_INVALID"]


def test_consent_expiry_revocation_and_termination(sim, tpp, account):
    consent, tokens = tpp.connect([IBAN])
    sim.bank.set_consent_status(consent, "revokedByPsu")
    answer = tpp.call("GET", "/v1/accounts", consent=consent, token=tokens["access_token"])
    assert answer.status_code == 401 and _codes(answer) == ["CONSENT_INVALID"] and "revokedByPsu" in answer.text

    consent, tokens = tpp.connect([IBAN], valid_days=10)
    valid_until = datetime.date.fromisoformat(tpp.call("GET", f"/v1/consents/{consent}").json()["validUntil"])
    sim.bank.advance_clock(days=(valid_until - sim.bank.clock.today()).days + 1)
    refreshed = tpp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    answer = tpp.call("GET", "/v1/accounts", consent=consent, token=refreshed["access_token"])
    assert answer.status_code == 401 and _codes(answer) == ["CONSENT_EXPIRED"]
    assert tpp.call("GET", f"/v1/consents/{consent}/status").json()["consentStatus"] == "expired"

    consent, tokens = tpp.connect([IBAN])
    assert tpp.call("DELETE", f"/v1/consents/{consent}").status_code == 204
    assert tpp.call("GET", f"/v1/consents/{consent}/status").json()["consentStatus"] == "terminatedByTpp"
    answer = tpp.call("GET", "/v1/accounts", consent=consent, token=tokens["access_token"])
    assert answer.status_code == 401 and _codes(answer) == ["CONSENT_INVALID"]


def test_consent_of_another_tpp_is_unknown(sim, tpp, account, tmp_path):
    from simulators.psd2_bank.runner import write_material

    from .tpp import Tpp
    consent = tpp.consent([IBAN])
    other_id = sim.bank.ca.issue_tpp("tpp-other")
    other = Tpp(sim, other_id, {**write_material(tmp_path, other_id, sim.ca_pem), "ca": sim.files["ca"]})
    answer = other.call("GET", f"/v1/consents/{consent}")
    assert answer.status_code == 403 and _codes(answer) == ["CONSENT_UNKNOWN"]
    assert tpp.call("GET", f"/v1/consents/{consent}").status_code == 200
