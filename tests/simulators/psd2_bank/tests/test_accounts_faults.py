"""Balances, transactions with pagination, pending→booked, fault injection and frequencyPerDay."""
import datetime

import pytest
import requests

from simulators.psd2_bank import running_bank

from .tpp import Tpp

IBAN = "DE89370400440532013000"


def _codes(answer):
    return [m["code"] for m in answer.json()["tppMessages"]]


@pytest.fixture
def connected(sim, tpp, account):
    consent, tokens = tpp.connect([IBAN], frequency=50)

    def get(path, **kw):
        return tpp.call("GET", path, consent=consent, token=tokens["access_token"], **kw)
    get.consent = consent
    return get


def _walk(get, account, date_from, status="booked"):
    """Follow _links.next to the end; returns the pages' JSON."""
    pages = []
    url = f"/v1/accounts/{account}/transactions?dateFrom={date_from}&bookingStatus={status}"
    while url:
        answer = get(url)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json()["transactions"])
        url = pages[-1]["_links"].get("next", {}).get("href")
    return pages


def test_balances_closing_interim_expected(sim, connected, account):
    sim.bank.add_transaction(account, "-250.00", status="booked")
    sim.bank.add_transaction(account, "40.00", status="pending")
    balances = {b["balanceType"]: b["balanceAmount"] for b in connected(f"/v1/accounts/{account}/balances").json()["balances"]}
    assert balances == {"closingBooked": {"currency": "EUR", "amount": "750.00"},
                        "interimAvailable": {"currency": "EUR", "amount": "790.00"},
                        "expected": {"currency": "EUR", "amount": "790.00"}}


def test_pagination_covers_every_transaction_once(sim, connected, account):
    ids = sim.bank.generate_transactions(account, 95, pages=4, seed=3)
    start = (sim.bank.clock.today() - datetime.timedelta(days=40)).isoformat()
    pages = _walk(connected, account, start)
    assert len(pages) == 4
    seen = [t["transactionId"] for page in pages for t in page["booked"]]
    assert sorted(seen) == sorted(ids) and len(set(seen)) == 95
    first = pages[0]["booked"][0]
    assert set(first) >= {"transactionId", "bookingDate", "valueDate", "transactionAmount", "endToEndId",
                          "remittanceInformationUnstructured"}


def test_booking_status_and_date_filters(sim, connected, account):
    today = sim.bank.clock.today()
    old = sim.bank.add_transaction(account, "10.00", today - datetime.timedelta(days=10))
    new = sim.bank.add_transaction(account, "11.00", today)
    pend = sim.bank.add_transaction(account, "-5.00", today, status="pending")
    both = connected(f"/v1/accounts/{account}/transactions?dateFrom={today.isoformat()}&bookingStatus=both").json()
    assert [t["transactionId"] for t in both["transactions"]["booked"]] == [new]
    assert [t["transactionId"] for t in both["transactions"]["pending"]] == [pend]
    assert "bookingDate" not in both["transactions"]["pending"][0]
    booked = connected(f"/v1/accounts/{account}/transactions?dateFrom={(today - datetime.timedelta(days=30))}"
                       f"&dateTo={(today - datetime.timedelta(days=1))}&bookingStatus=booked").json()
    assert [t["transactionId"] for t in booked["transactions"]["booked"]] == [old]
    assert "pending" not in booked["transactions"]
    assert _codes(connected(f"/v1/accounts/{account}/transactions?bookingStatus=booked")) == ["FORMAT_ERROR"]
    assert _codes(connected(f"/v1/accounts/{account}/transactions?dateFrom=2026-01-01&bookingStatus=all")) == [
        "FORMAT_ERROR"]


def test_repeated_transaction_on_a_page(sim, connected, account):
    sim.bank.generate_transactions(account, 30, pages=3, seed=5)
    sim.bank.set_fault("repeat_transaction", endpoint="transactions", page=1)
    pages = _walk(connected, account, "2000-01-01")
    assert pages[1]["booked"][0]["transactionId"] == pages[0]["booked"][-1]["transactionId"]
    seen = [t["transactionId"] for page in pages for t in page["booked"]]
    assert len(seen) == 31 and len(set(seen)) == 30


def test_pending_later_books_with_new_id_and_amount(sim, connected, account):
    pending = sim.bank.add_transaction(account, "-19.99", status="pending", remittance="Card 1234")
    url = f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=both"
    assert [t["transactionId"] for t in connected(url).json()["transactions"]["pending"]] == [pending]
    booked = sim.bank.book_pending(pending, amount="-21.49")
    report = connected(url).json()["transactions"]
    assert report["pending"] == []
    assert [(t["transactionId"], t["transactionAmount"]["amount"]) for t in report["booked"]] == [(booked, "-21.49")]
    assert booked != pending


def test_rate_limit_with_retry_after_then_ok(sim, connected, account):
    sim.bank.set_fault("rate_limit", endpoint="balances", account=account, retry_after=7)
    answer = connected(f"/v1/accounts/{account}/balances")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert _codes(answer) == ["ACCESS_EXCEEDED"]
    assert connected(f"/v1/accounts/{account}/balances").status_code == 200


def test_server_error_on_a_page_then_same_page_served(sim, connected, account):
    sim.bank.generate_transactions(account, 20, pages=2, seed=1)
    sim.bank.set_fault("server_error", endpoint="transactions", page=1, status=503)
    first = connected(f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=booked").json()
    nxt = first["transactions"]["_links"]["next"]["href"]
    failed = connected(nxt)
    assert failed.status_code == 503 and _codes(failed) == ["SERVICE_UNAVAILABLE"]
    again = connected(nxt)
    assert again.status_code == 200 and len(again.json()["transactions"]["booked"]) == 10


def test_slow_answer_and_timeout(sim, connected, account):
    sim.bank.set_fault("slow", endpoint="balances", delay=0.3)
    assert connected(f"/v1/accounts/{account}/balances", timeout=5).status_code == 200
    sim.bank.set_fault("timeout", endpoint="accounts", delay=1.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        connected("/v1/accounts", timeout=0.5)
    assert sim.bank.request_log("accounts")[-1]["status"] == "dropped"


def test_consent_expires_mid_sync(sim, connected, account):
    sim.bank.generate_transactions(account, 20, pages=2, seed=2)
    sim.bank.set_fault("expire_consent", endpoint="transactions", page=1)
    first = connected(f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=booked")
    assert first.status_code == 200
    second = connected(first.json()["transactions"]["_links"]["next"]["href"])
    assert second.status_code == 401 and _codes(second) == ["CONSENT_EXPIRED"]


def test_frequency_per_day_refuses_fifth_unattended_call(sim, tpp, account):
    sim.bank.generate_transactions(account, 20, pages=2, seed=2)
    consent, tokens = tpp.connect([IBAN], frequency=4)

    def get(path, **kw):
        return tpp.call("GET", path, consent=consent, token=tokens["access_token"], **kw)
    for _ in range(4):
        answer = get(f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=booked")
        assert answer.status_code == 200
        assert get(answer.json()["transactions"]["_links"]["next"]["href"]).status_code == 200  # pages don't count
    fifth = get(f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=booked")
    assert fifth.status_code == 429 and _codes(fifth) == ["ACCESS_EXCEEDED"] and "frequencyPerDay" in fifth.text
    attended = get(f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=booked",
                   psu_ip="192.0.2.10")
    assert attended.status_code == 200
    assert get(f"/v1/accounts/{account}/balances").status_code == 200  # another endpoint, its own counter
    sim.bank.advance_clock(days=1)
    assert get(f"/v1/accounts/{account}/transactions?dateFrom=2000-01-01&bookingStatus=booked").status_code in (
        200, 401)  # a new day: the counter is reset (the token may have expired meanwhile)
    usage = sim.bank.consent_usage(consent)
    assert max(usage.values()) == 4


def test_probability_faults_are_deterministic_from_the_seed(account):
    patterns = []
    for _ in range(2):
        with running_bank(seed=42) as other:
            other.bank.add_account("DE89370400440532013000", resource_id="acc-main")
            tpp = Tpp(other)
            consent, tokens = tpp.connect([IBAN], frequency=100)
            other.bank.set_fault("server_error", endpoint="balances", probability=0.4, status=500)
            patterns.append([tpp.call("GET", "/v1/accounts/acc-main/balances", consent=consent,
                                      token=tokens["access_token"]).status_code for _ in range(12)])
    assert patterns[0] == patterns[1] and 500 in patterns[0] and 200 in patterns[0]


def test_unknown_account_and_uncovered_account(sim, connected, account):
    other = sim.bank.add_account("DE02120300000000202051")
    assert _codes(connected("/v1/accounts/acc-nope/balances")) == ["RESOURCE_UNKNOWN"]
    answer = connected(f"/v1/accounts/{other}/balances")
    assert answer.status_code == 401 and _codes(answer) == ["CONSENT_INVALID"]
