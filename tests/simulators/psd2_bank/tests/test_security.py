"""Mutual TLS, request signatures and mandatory headers, over real loopback TLS."""
import datetime
import email.utils
import time
import uuid

import pytest
import requests

from simulators.psd2_bank import foreign_ca, sign_headers
from simulators.psd2_bank.runner import write_material

from .tpp import Tpp


def _handshake_refused(sim):
    """The server records a refused handshake in its own thread, maybe just after the client saw it."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        log = sim.bank.request_log("tls")
        if log and log[-1]["status"] == "handshake_failed":
            return True
        time.sleep(0.05)
    return False


def _codes(answer):
    return [m["code"] for m in answer.json()["tppMessages"]]


def test_mtls_required_no_client_certificate(sim):
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(sim.api_url + "/v1/accounts", verify=sim.files["ca"], timeout=5)
    assert _handshake_refused(sim)


def test_mtls_refuses_certificate_of_foreign_ca(sim, tmp_path):
    stranger = foreign_ca().issue_tpp("tpp-stranger")
    files = write_material(tmp_path, stranger, sim.ca_pem)
    with pytest.raises((requests.exceptions.SSLError, requests.exceptions.ConnectionError)):
        Tpp(sim, stranger, files).call("GET", "/v1/accounts")
    assert _handshake_refused(sim)
    assert not sim.bank.request_log("accounts")


def test_signature_missing_invalid_and_digest_mismatch(sim, tpp):
    answer = tpp.call("GET", "/v1/accounts", sign=False, headers={"X-Request-ID": str(uuid.uuid4()),
                                                                    "Date": email.utils.formatdate(usegmt=True)})
    assert answer.status_code == 401 and _codes(answer) == ["SIGNATURE_MISSING"]
    assert answer.json()["tppMessages"][0]["category"] == "ERROR"

    body = b'{"access": {}}'
    headers = sign_headers(body, sim.tpp.seal_cert_pem, sim.tpp.seal_key_pem, str(uuid.uuid4()))
    answer = tpp.call("POST", "/v1/consents", data=b'{"access": {"x": 1}}', sign=False,
                      headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 401 and _codes(answer) == ["SIGNATURE_INVALID"]
    assert "Digest" in answer.json()["tppMessages"][0]["text"]

    headers = sign_headers(b"", sim.tpp.seal_cert_pem, sim.tpp.seal_key_pem, str(uuid.uuid4()))
    headers["X-Request-ID"] = str(uuid.uuid4())  # signed value no longer matches
    answer = tpp.call("GET", "/v1/accounts", sign=False, headers=headers)
    assert answer.status_code == 401 and _codes(answer) == ["SIGNATURE_INVALID"]

    headers = sign_headers(b"", sim.tpp.seal_cert_pem, sim.tpp.seal_key_pem, str(uuid.uuid4()),
                           names=("digest", "x-request-id"))
    answer = tpp.call("GET", "/v1/accounts", sign=False, headers=headers)
    assert answer.status_code == 401 and "digest, x-request-id and date" in answer.text


def test_request_id_must_be_uuid_and_date_fresh(sim, tpp):
    answer = tpp.call("GET", "/v1/accounts", request_id="not-a-uuid")
    assert answer.status_code == 400 and _codes(answer) == ["FORMAT_ERROR"]
    stale = email.utils.format_datetime(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1),
                                        usegmt=True)
    headers = sign_headers(b"", sim.tpp.seal_cert_pem, sim.tpp.seal_key_pem, str(uuid.uuid4()), date=stale)
    answer = tpp.call("GET", "/v1/accounts", sign=False, headers=headers)
    assert answer.status_code == 401 and "5 minutes" in answer.text


def test_signing_certificate_must_come_from_bank_ca_and_same_tpp(sim, tpp):
    stranger = foreign_ca().issue_tpp("tpp-finance-bridge")
    answer = Tpp(sim, stranger, sim.files).call("GET", "/v1/accounts")  # TLS ok, seal from a foreign CA
    assert answer.status_code == 401 and _codes(answer) == ["CERTIFICATE_INVALID"]
    other = sim.bank.ca.issue_tpp("tpp-other")
    answer = Tpp(sim, other, sim.files).call("GET", "/v1/accounts")
    assert answer.status_code == 401 and _codes(answer) == ["CERTIFICATE_INVALID"]
    assert "another TPP" in answer.text


def test_expired_signing_certificate(sim):
    expired = sim.bank.ca.issue_tpp("tpp-finance-bridge", not_after=datetime.datetime.utcnow()
                                    - datetime.timedelta(days=1))
    answer = Tpp(sim, expired, sim.files).call("GET", "/v1/accounts")
    assert answer.status_code == 401 and _codes(answer) == ["CERTIFICATE_EXPIRED"]


def test_admin_path_answers_loopback_json(sim):
    answer = requests.post(sim.psu_url + "/_admin/add_account", json={"iban": "DE02120300000000202051"}, timeout=5)
    assert answer.status_code == 200
    rid = answer.json()["result"]
    assert rid in sim.bank.accounts
    answer = requests.post(sim.psu_url + "/_admin/__init__", json={}, timeout=5)
    assert answer.status_code == 404
