"""The pure PSD2 logic (lib/): XS2A parsing, the look-back cursor, the frequencyPerDay pacing,
payment bodies and status events. No database, no HTTP."""
import json
import unittest
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO
from odoo.addons.finance_bridge_core.lib.errors import FormatError, ProviderError

from ..lib import budget, errors, payments, xs2a
from ..lib.cursor import Cursor, pass_window, take_page

EUR = "EUR"


def tx(tid, day, amount="-10.00", **extra):
    return dict({"transactionId": tid, "bookingDate": day, "valueDate": day,
                 "transactionAmount": {"currency": EUR, "amount": amount}, "creditorName": "Supplier AG",
                 "creditorAccount": {"iban": "DE02120300000000202051"}, "endToEndId": "E2E-" + tid,
                 "remittanceInformationUnstructured": "Invoice " + tid}, **extra)


def report(booked=(), pending=(), nxt=None):
    links = {"next": {"href": nxt}} if nxt else {}
    return {"account": {"iban": "DE89370400440532013000"},
            "transactions": {"booked": list(booked), "pending": list(pending), "_links": links}}


class TestXs2aParsing(unittest.TestCase):
    def test_booked_pending_and_next_link(self):
        page = xs2a.parse_account_report(report(
            [tx("T1", "2026-11-02"), tx("T2", "2026-11-03", "25.50", debtorName="Client SA",
                                        debtorAccount={"iban": "FR7630006000011234567890189"})],
            [{"transactionId": "P1", "valueDate": "2026-11-04",
              "transactionAmount": {"currency": EUR, "amount": "-3.20"}, "remittanceInformationUnstructured": "Card"}],
            "/v1/accounts/a/transactions?pageIndex=1"), EUR)
        first, second = page.booked
        self.assertEqual((first.unique_id, first.amount, first.booking_date, first.counterparty_name),
                         ("T1", Money(Decimal("-10.00"), EUR), date(2026, 11, 2), "Supplier AG"))
        self.assertEqual((second.counterparty_name, second.counterparty_iban), ("Client SA",
                                                                                 "FR7630006000011234567890189"))
        self.assertEqual(first.end_to_end_id, "E2E-T1")
        self.assertEqual(page.pending[0].transaction_id, "P1")
        self.assertEqual(page.pending[0].amount.amount, Decimal("-3.20"))
        self.assertEqual(page.next_href, "/v1/accounts/a/transactions?pageIndex=1")

    def test_errors_name_the_json_path(self):
        bad = report([tx("T1", "2026-11-02"), tx("T2", "2026-13-01")])
        with self.assertRaises(FormatError) as caught:
            xs2a.parse_account_report(bad, EUR)
        self.assertIn("$.transactions.booked[1].bookingDate", str(caught.exception))
        other = report([tx("T1", "2026-11-02", transactionAmount={"currency": "USD", "amount": "1"})])
        with self.assertRaises(FormatError) as caught:
            xs2a.parse_account_report(other, EUR)
        self.assertIn("differs from the account currency", str(caught.exception))
        with self.assertRaises(FormatError):
            xs2a.parse_account_report(report([tx("T1", "2026-11-02", "1.234")]), EUR)  # 3 decimals for EUR

    def test_balances_mapped_to_core_kinds(self):
        balances = xs2a.parse_balances({"balances": [
            {"balanceType": "closingBooked", "balanceAmount": {"currency": EUR, "amount": "750.00"},
             "referenceDate": "2026-11-29"},
            {"balanceType": "interimAvailable", "balanceAmount": {"currency": EUR, "amount": "790.00"},
             "lastChangeDateTime": "2026-11-30T10:00:00Z"},
            {"balanceType": "expected", "balanceAmount": {"currency": EUR, "amount": "790.00"}},
            {"balanceType": "nonInvoiced", "balanceAmount": {"currency": EUR, "amount": "1.00"}}]},
            "DE89370400440532013000", EUR, date(2026, 11, 30))
        self.assertEqual([(b.kind, b.position, b.date, b.amount.amount) for b in balances], [
            ("booked", "closing", date(2026, 11, 29), Decimal("750.00")),
            ("available", "interim", date(2026, 11, 30), Decimal("790.00")),
            ("expected", "interim", date(2026, 11, 30), Decimal("790.00"))])

    def test_error_bodies(self):
        body = {"tppMessages": [{"category": "ERROR", "code": "CONSENT_EXPIRED", "text": "gone"}]}
        self.assertEqual(xs2a.error_codes(body), ("CONSENT_EXPIRED",))
        self.assertIsInstance(errors.classify(401, body), errors.ConsentProblem)
        self.assertFalse(errors.classify(401, body).retryable)
        limited = errors.classify(429, {"tppMessages": [{"code": "ACCESS_EXCEEDED"}]}, retry_after="7")
        self.assertTrue(limited.retryable)
        self.assertEqual(getattr(limited, "retry_after", None) or getattr(limited, "seconds", None), 7)
        self.assertTrue(errors.classify(502, {}).retryable)
        self.assertIsInstance(errors.classify(401, {"tppMessages": [{"code": "TOKEN_EXPIRED"}]}), errors.TokenProblem)
        signature = errors.classify(401, {"tppMessages": [{"code": "SIGNATURE_INVALID"}]})
        self.assertIs(type(signature), ProviderError)
        self.assertFalse(signature.retryable)

    def test_accounts(self):
        self.assertEqual(xs2a.parse_accounts({"accounts": [{"resourceId": "r1", "iban": "DE89 3704 0044 0532 0130 00",
                                                             "currency": EUR}]}),
                         {"DE89370400440532013000": ("r1", EUR, None)})


class TestCursor(unittest.TestCase):
    def _lines(self, *items):
        return xs2a.parse_account_report(report([tx(i, d) for i, d in items]), EUR).booked

    def test_repeated_transaction_across_and_within_pages(self):
        window = pass_window(Cursor(), date(2026, 11, 30), 3, 30)
        self.assertEqual(window, (date(2026, 10, 31), date(2026, 11, 30)))
        fresh, cur = take_page(Cursor(), self._lines(("A", "2026-11-01"), ("B", "2026-11-02")), [], "/p1", window)
        self.assertEqual([line.unique_id for line in fresh], ["A", "B"])
        self.assertTrue(cur.in_pass)
        fresh, cur = take_page(cur, self._lines(("B", "2026-11-02"), ("C", "2026-11-05"), ("C", "2026-11-05")),
                               [], None, window)
        self.assertEqual([line.unique_id for line in fresh], ["C"])
        self.assertFalse(cur.in_pass)
        self.assertEqual(cur.last_booked, date(2026, 11, 5))
        self.assertEqual(set(cur.seen), {"B", "C"})  # A (11-01) is older than the look-back of 11-05

    def test_late_booking_found_by_the_look_back(self):
        cur = Cursor(last_booked=date(2026, 11, 5), seen={"C": "2026-11-05"})
        window = pass_window(cur, date(2026, 11, 6), 3, 30)
        self.assertEqual(window[0], date(2026, 11, 2))
        fresh, cur = take_page(cur, self._lines(("LATE", "2026-11-04"), ("C", "2026-11-05")), [], None, window)
        self.assertEqual([line.unique_id for line in fresh], ["LATE"])
        self.assertEqual(cur.last_booked, date(2026, 11, 5))

    def test_round_trip_and_resume_from_the_failed_page(self):
        window = (date(2026, 11, 1), date(2026, 11, 30))
        _fresh, cur = take_page(Cursor(), self._lines(("A", "2026-11-01")),
                                [xs2a.PendingTransaction("P", Money(Decimal("1.00"), EUR), None, "x", None, None)],
                                "/v1/accounts/a/transactions?pageIndex=1", window)
        stored = cur.to_json()
        back = Cursor.from_json(stored)
        self.assertEqual(back.next_href, "/v1/accounts/a/transactions?pageIndex=1")
        self.assertEqual(back.window, window)
        self.assertEqual(back.seen, {"A": "2026-11-01"})
        self.assertEqual(Cursor.from_json("not json"), Cursor())
        self.assertEqual(Cursor.from_json(json.dumps({"v": 99})), Cursor())


class TestBudget(unittest.TestCase):
    def test_paced_over_the_bank_day(self):
        berlin = ZoneInfo("Europe/Berlin")
        morning = datetime(2026, 11, 30, 1, 0, tzinfo=berlin)
        self.assertIsNone(budget.next_slot(0, 4, morning))
        self.assertEqual(budget.next_slot(1, 4, morning), datetime(2026, 11, 30, 6, 0, tzinfo=berlin))
        self.assertIsNone(budget.next_slot(1, 4, datetime(2026, 11, 30, 6, 0, tzinfo=berlin)))
        self.assertEqual(budget.next_slot(4, 4, datetime(2026, 11, 30, 23, 0, tzinfo=berlin)),
                         datetime(2026, 12, 1, 0, 0, tzinfo=berlin))
        self.assertIsNone(budget.next_slot(50, 0, morning))  # no limit

    def test_usage_restarts_each_day(self):
        usage = budget.Usage(None, date(2026, 11, 30))
        usage.count("acc:transactions")
        usage.count("acc:transactions")
        stored = usage.to_data()
        self.assertEqual(budget.Usage(stored, date(2026, 11, 30)).used("acc:transactions"), 2)
        self.assertEqual(budget.Usage(stored, date(2026, 12, 1)).used("acc:transactions"), 0)


class TestPayments(unittest.TestCase):
    def _batch(self, count=2):
        pays = [PaymentDTO(end_to_end_id=f"E2E-{i}", amount=Money(Decimal("10.50"), EUR), creditor_name="Supplier AG",
                           requested_execution_date=date(2026, 12, 1), creditor_iban="DE02120300000000202051",
                           remittance_unstructured=f"INV {i}") for i in range(count)]
        return PaymentBatchDTO(msg_id="MSG-1", debtor_name="My Company", debtor_iban="DE89370400440532013000",
                               payments=pays, created_at=datetime(2026, 11, 30, 12, tzinfo=timezone.utc))

    def test_single_transfer_body_is_stable(self):
        batch = self._batch()
        body = payments.sct_body(batch, batch.payments[0])
        self.assertEqual(body, payments.sct_body(batch, batch.payments[0]))
        data = json.loads(body)
        self.assertEqual(data["instructedAmount"], {"currency": EUR, "amount": "10.50"})
        self.assertEqual(data["endToEndIdentification"], "E2E-0")

    def test_request_ids_are_uuids_stable_per_key(self):
        key = "MSG-1"
        self.assertEqual(payments.request_id_for(key), payments.request_id_for(key))
        uuid.UUID(payments.request_id_for(key))
        known = str(uuid.uuid4())
        self.assertEqual(payments.request_id_for(known), known)
        self.assertNotEqual(payments.sub_request_id(key, 0, 2), payments.sub_request_id(key, 1, 2))

    def test_status_events(self):
        group = payments.status_events("ACSC", msg_id="MSG-1", bank_reference="pay-1")
        self.assertEqual([(e.level, e.msg_id, e.status) for e in group], [("group", "MSG-1", "ACSC")])
        singles = payments.status_events("RJCT", end_to_end_ids=("E1", "E2"))
        self.assertEqual([(e.level, e.end_to_end_id) for e in singles], [("transaction", "E1"), ("transaction", "E2")])
        with self.assertRaises(ValueError):
            payments.status_events("DONE", msg_id="MSG-1")
        self.assertTrue(payments.is_final("PART") and not payments.is_final("ACSP"))
