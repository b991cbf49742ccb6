"""Payment initiation (single SCT and bulk pain.001), idempotency, status progression, webhooks,
and the subprocess mode with its HTTP admin path."""
import hashlib
import hmac
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import pytest
import requests

from simulators.psd2_bank import spawned_bank

from .tpp import Tpp

SCT = {"instructedAmount": {"currency": "EUR", "amount": "123.45"},
       "debtorAccount": {"iban": "DE89370400440532013000"}, "creditorName": "Supplier AG",
       "creditorAccount": {"iban": "DE02120300000000202051"}, "remittanceInformationUnstructured": "INV-1",
       "endToEndIdentification": "E2E-1"}


def pain001(*transfers):
    txs = "".join(
        f"<CdtTrfTxInf><PmtId><EndToEndId>{e2e}</EndToEndId></PmtId><Amt><InstdAmt Ccy='EUR'>{amt}</InstdAmt></Amt>"
        f"<Cdtr><Nm>Creditor</Nm></Cdtr><CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct></CdtTrfTxInf>"
        for e2e, amt, iban in transfers)
    return (f"<?xml version='1.0' encoding='UTF-8'?><Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'>"
            f"<CstmrCdtTrfInitn><GrpHdr><MsgId>MSG-1</MsgId><NbOfTxs>{len(transfers)}</NbOfTxs></GrpHdr>"
            f"<PmtInf>{txs}</PmtInf></CstmrCdtTrfInitn></Document>").encode()


def _poll(tpp, token, url, limit=10):
    seen = []
    for _ in range(limit):
        status = tpp.call("GET", url, token=token).json()["transactionStatus"]
        seen.append(status)
        if status in ("ACSC", "RJCT", "PART"):
            break
    return seen


def test_single_payment_idempotent_by_request_id_and_polled_to_acsc(sim, tpp):
    sim.bank.payment_sca = False
    token = tpp.pis_token()
    request_id = str(uuid.uuid4())
    first = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token, request_id=request_id)
    again = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token, request_id=request_id)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["paymentId"] == again.json()["paymentId"]
    assert sim.bank.payment_count() == 1
    changed = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json={**SCT, "creditorName": "Other"},
                       token=token, request_id=request_id)
    assert changed.status_code == 400 and sim.bank.payment_count() == 1
    url = f"/v1/payments/sepa-credit-transfers/{first.json()['paymentId']}/status"
    assert _poll(tpp, token, url) == ["ACTC", "ACSP", "ACSC"]


def test_payment_needs_pis_token_and_valid_body(sim, tpp, account):
    _consent, tokens = tpp.connect(["DE89370400440532013000"])
    answer = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=tokens["access_token"])
    assert answer.status_code == 401
    answer = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json={"instructedAmount": {}},
                      token=tpp.pis_token())
    assert answer.status_code == 400 and answer.json()["tppMessages"][0]["code"] == "FORMAT_ERROR"
    answer = tpp.call("POST", "/v1/payments/instant-sepa-credit-transfers", json=SCT, token=tpp.pis_token())
    assert answer.status_code == 404 and answer.json()["tppMessages"][0]["code"] == "PRODUCT_UNKNOWN"
    assert sim.bank.payment_count() == 0


def test_payment_sca_on_bank_page_then_rejected_outcome(sim, tpp):
    sim.bank.set_payment_outcome("RJCT")
    token = tpp.pis_token()
    created = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token).json()
    assert created["transactionStatus"] == "RCVD" and "scaOAuth" in created["_links"]
    url = f"/v1/payments/sepa-credit-transfers/{created['paymentId']}/status"
    assert _poll(tpp, token, url, limit=2) == ["RCVD", "RCVD"]  # waits for the PSU
    _verifier, params = tpp.authorize_params(f"PIS:{created['paymentId']}")
    assert tpp.sca(params)["code"]
    assert _poll(tpp, token, url) == ["ACTC", "RJCT"]


def test_bulk_pain001_partial_and_timeout_then_resend_holds_one_payment(sim, tpp):
    sim.bank.payment_sca = False
    sim.bank.set_payment_outcome("RJCT", creditor_iban="DE02500105170137075030")
    token = tpp.pis_token()
    body = pain001(("E1", "10.00", "DE02120300000000202051"), ("E2", "20.50", "DE02500105170137075030"))
    sim.bank.set_fault("timeout", endpoint="payments", delay=1.5)
    request_id = str(uuid.uuid4())
    path = "/v1/bulk-payments/pain.001-sepa-credit-transfers"
    with pytest.raises(requests.exceptions.ReadTimeout):
        tpp.call("POST", path, data=body, content_type="application/xml", token=token, request_id=request_id,
                 timeout=0.5)
    assert sim.bank.payment_count() == 1  # the bank took it although the answer was lost
    resent = tpp.call("POST", path, data=body, content_type="application/xml", token=token, request_id=request_id)
    assert resent.status_code == 201 and sim.bank.payment_count() == 1
    payment = sim.bank.payment(resent.json()["paymentId"])
    assert payment["count"] == 2 and payment["amount"] == "30.50" and payment["endToEndIds"] == ["E1", "E2"]
    assert payment["msgId"] == "MSG-1"
    assert _poll(tpp, token, f"{path}/{resent.json()['paymentId']}/status") == ["ACTC", "ACSP", "PART"]


def test_bulk_refuses_dtd_and_wrong_count(sim, tpp):
    token = tpp.pis_token()
    path = "/v1/bulk-payments/pain.001-sepa-credit-transfers"
    evil = b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'x'>]><Document/>"
    answer = tpp.call("POST", path, data=evil, content_type="application/xml", token=token)
    assert answer.status_code == 400 and "DTD" in answer.text
    wrong = pain001(("E1", "10.00", "DE02120300000000202051")).replace(b"<NbOfTxs>1<", b"<NbOfTxs>3<")
    answer = tpp.call("POST", path, data=wrong, content_type="application/xml", token=token)
    assert answer.status_code == 400 and "NbOfTxs" in answer.text


class _Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return


@pytest.fixture
def receiver():
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    server.shutdown()
    server.server_close()


def test_webhooks_signed_with_hmac_over_timestamp_and_body(sim, tpp, receiver):
    url, received = receiver
    sim.bank.configure_webhook(url, "s3cret")
    sim.bank.payment_sca = False
    token = tpp.pis_token()
    created = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token).json()
    _poll(tpp, token, f"/v1/payments/sepa-credit-transfers/{created['paymentId']}/status")
    assert sim.bank.webhooks.wait_idle()
    events = [json.loads(body) for _headers, body in received]
    assert [e["data"]["transactionStatus"] for e in events if e["type"] == "payment.status"] == [
        "ACTC", "ACSP", "ACSC"]
    headers, body = received[0]
    expected = hmac.new(b"s3cret", headers["X-Webhook-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Webhook-Signature"] == "v1=" + expected
    assert headers["X-Webhook-Id"] == events[0]["id"]
    assert all(d["status"] == 204 for d in sim.bank.webhook_deliveries())
    # tests of a receiver can replay, unsign or age a delivery on purpose
    assert sim.bank.deliver_webhook(events[0]["id"], signature=False) == 204
    assert "X-Webhook-Signature" not in received[-1][0]


def test_subprocess_mode_with_http_admin(tmp_path):
    with spawned_bank(tmp_path, seed=3, demo=True) as (info, remote):
        assert remote.payment_count() == 0
        rid = remote.add_account(iban="DE75512108001245126199", resource_id="acc-x")
        assert rid == "acc-x"

        class Handle:
            api_url, psu_url = info["api_url"], info["psu_url"]
            files = info["files"]

        from simulators.psd2_bank.pki import TppIdentity
        files = info["files"]
        read = lambda key: open(files[key], "rb").read()  # noqa: E731
        identity = TppIdentity(info["client_id"], read("tpp_tls_cert"), read("tpp_tls_key"), read("tpp_seal_cert"),
                               read("tpp_seal_key"), read("ca"))
        tpp = Tpp(Handle, identity, files)
        assert tpp.call("GET", "/v1/consents/cons-x/status").status_code == 403
        token = tpp.pis_token()
        answer = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token)
        assert answer.status_code == 201 and remote.payment_count() == 1
        remote.set_fault(kind="rate_limit", endpoint="payment_status", retry_after=3)
        status = tpp.call("GET", f"/v1/payments/sepa-credit-transfers/{answer.json()['paymentId']}/status",
                          token=token)
        assert status.status_code == 429 and status.headers["Retry-After"] == "3"
        log = remote.request_log(endpoint="payment_status")
        assert log[-1]["faults"] == ["rate_limit"]


REDIRECT = {"TPP-Redirect-Preferred": "true", "TPP-Redirect-URI": "https://tpp.example/odoo"}


def _psu_decides(link, decision):
    """The PSU's browser on the scaRedirect page: open it, press a button; returns the bank's answer."""
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "Authorise payment of 123.45 EUR" in page.text
    action = re.search(r"action='([^']+)'", page.text).group(1)
    sca_id = re.search(r"name='sca_id' value='([^']+)'", page.text).group(1)
    return requests.post(urljoin(link, action), data={"sca_id": sca_id, "decision": decision},
                         allow_redirects=False, timeout=10)


@pytest.mark.parametrize("decision, statuses", [("approve", ["ACTC", "ACSP", "ACSC"]), ("refuse", ["RJCT"])])
def test_payment_redirect_sca_approve_or_refuse(sim, tpp, decision, statuses):
    token = tpp.pis_token()
    request_id = str(uuid.uuid4())
    created = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token, request_id=request_id,
                       headers=REDIRECT).json()
    links = created["_links"]
    assert created["transactionStatus"] == "RCVD" and "scaOAuth" not in links
    link = links["scaRedirect"]["href"]
    assert link.startswith(sim.bank.psu_url + "/payments/sca/") and created["scaStatus"] == "started"
    again = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token, request_id=request_id,
                     headers=REDIRECT).json()
    assert again["_links"]["scaRedirect"]["href"] == link  # a resend: the same authorisation
    url = f"/v1/payments/sepa-credit-transfers/{created['paymentId']}/status"
    assert _poll(tpp, token, url, limit=2) == ["RCVD", "RCVD"]  # waits for the PSU
    answer = _psu_decides(link, decision)
    assert answer.status_code == 303 and answer.headers["Location"] == "https://tpp.example/odoo"
    sca = tpp.call("GET", links["scaStatus"]["href"], token=token).json()["scaStatus"]
    assert sca == ("finalised" if decision == "approve" else "failed")
    assert _poll(tpp, token, url) == statuses
    assert requests.get(link, timeout=10).status_code == 400  # decided: the page is gone
    assert sim.bank.payment(created["paymentId"])["scaDone"]


def test_payment_without_redirect_preference_keeps_sca_oauth_and_decoupled_mode(sim, tpp):
    token = tpp.pis_token()
    plain = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json=SCT, token=token,
                     headers={"TPP-Redirect-URI": "https://tpp.example/odoo"}).json()
    assert "scaOAuth" in plain["_links"] and "scaRedirect" not in plain["_links"]
    sim.bank.set_decoupled_sca()
    app = tpp.call("POST", "/v1/payments/sepa-credit-transfers", json={**SCT, "endToEndIdentification": "E2E-2"},
                   token=token, headers=REDIRECT).json()
    assert "scaRedirect" not in app["_links"] and "scaOAuth" not in app["_links"]
    assert app["scaStatus"] == "started" and app["psuMessage"]
    status = tpp.call("GET", app["_links"]["scaStatus"]["href"], token=token).json()
    assert status == {"scaStatus": "started"}
    sim.bank.approve_payment(app["paymentId"])  # the PSU approves in the bank's app
    assert tpp.call("GET", app["_links"]["scaStatus"]["href"], token=token).json() == {"scaStatus": "finalised"}
    url = f"/v1/payments/sepa-credit-transfers/{app['paymentId']}/status"
    assert _poll(tpp, token, url) == ["ACTC", "ACSP", "ACSC"]
