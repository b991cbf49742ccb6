"""Canonical DTOs refuse what would corrupt money or dates."""
import unittest
from datetime import date, datetime, timezone
from decimal import Decimal

from ..lib.dto import (
    BalanceDTO,
    Money,
    PaymentBatchDTO,
    PaymentDTO,
    ScreeningHold,
    StatementDTO,
    StatementLineDTO,
    StatusEventDTO,
    SubmissionResult,
)
from ..lib.payment_codec import batch_from_payload, batch_to_payload

D = date(2026, 3, 2)


def payment(e2e="E2E-1", amount="10.00", **kw):
    return PaymentDTO(end_to_end_id=e2e, amount=Money(Decimal(amount), "EUR"), creditor_name="ACME",
                      creditor_iban="DE89370400440532013000", requested_execution_date=D, **kw)


class TestMoney(unittest.TestCase):
    def test_float_amount_refused(self):
        with self.assertRaisesRegex(ValueError, "amount must be Decimal, got float"):
            Money(12.5, "EUR")

    def test_currency_must_be_iso(self):
        with self.assertRaisesRegex(ValueError, "ISO 4217"):
            Money(Decimal("1"), "euro")

    def test_non_finite_refused(self):
        with self.assertRaisesRegex(ValueError, "finite"):
            Money(Decimal("NaN"), "EUR")


class TestStatementDTO(unittest.TestCase):
    def test_datetime_is_not_a_bank_date(self):
        with self.assertRaisesRegex(ValueError, "bank-local date"):
            StatementLineDTO(booking_date=datetime(2026, 3, 2, 10), amount=Money(Decimal(1), "EUR"))

    def test_line_currency_must_match_statement(self):
        line = StatementLineDTO(booking_date=D, amount=Money(Decimal(1), "USD"))
        with self.assertRaisesRegex(ValueError, "differs from statement currency EUR"):
            StatementDTO(account="DE89370400440532013000", currency="EUR", date=D, lines=(line,))

    def test_frozen_and_raw_read_only(self):
        line = StatementLineDTO(booking_date=D, amount=Money(Decimal(1), "EUR"), raw={"a": 1})
        with self.assertRaises(Exception):
            line.label = "x"
        with self.assertRaises(TypeError):
            line.raw["a"] = 2

    def test_total_is_decimal_sum(self):
        lines = [StatementLineDTO(booking_date=D, amount=Money(Decimal(a), "EUR")) for a in ("0.10", "0.20")]
        stmt = StatementDTO(account="X1", currency="EUR", date=D, lines=lines)
        self.assertEqual(stmt.total, Decimal("0.30"))  # 0.1 + 0.2 exactly, unlike float

    def test_balance_kind_checked(self):
        with self.assertRaisesRegex(ValueError, "balance kind"):
            BalanceDTO(account="X", kind="cleared", position="closing", date=D, amount=Money(Decimal(1), "EUR"))


class TestPaymentDTO(unittest.TestCase):
    def test_batch_control_sum_and_count(self):
        batch = PaymentBatchDTO(msg_id="MSG1", debtor_name="Us", debtor_iban="DE02120300000000202051",
                                payments=(payment("A", "10.10"), payment("B", "0.20")),
                                created_at=datetime(2026, 3, 2, tzinfo=timezone.utc))
        self.assertEqual(batch.control_sum, Decimal("10.30"))
        self.assertEqual(batch.number_of_transactions, 2)

    def test_duplicate_end_to_end_refused(self):
        with self.assertRaisesRegex(ValueError, "unique within a batch"):
            PaymentBatchDTO(msg_id="M", debtor_name="Us", debtor_iban="DE02120300000000202051",
                            payments=(payment("A"), payment("A")),
                            created_at=datetime(2026, 3, 2, tzinfo=timezone.utc))

    def test_negative_payment_refused(self):
        with self.assertRaisesRegex(ValueError, "positive"):
            payment(amount="-1.00")

    def test_end_to_end_length(self):
        with self.assertRaisesRegex(ValueError, "35"):
            payment(e2e="X" * 36)

    def test_payload_round_trip(self):
        batch = PaymentBatchDTO(msg_id="MSG1", debtor_name="Us", debtor_iban="DE02120300000000202051",
                                payments=(payment("A", "10.10"),),
                                created_at=datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc))
        self.assertEqual(batch_from_payload(batch_to_payload(batch)), batch)


class TestOtherDTOs(unittest.TestCase):
    def test_status_needs_reference(self):
        with self.assertRaisesRegex(ValueError, "payment reference"):
            StatusEventDTO(source="pain.002", status="ACSC")

    def test_unknown_status(self):
        with self.assertRaisesRegex(ValueError, "unknown payment status"):
            StatusEventDTO(source="pain.002", status="OK", end_to_end_id="E")

    def test_accepted_not_retryable(self):
        with self.assertRaises(ValueError):
            SubmissionResult(accepted=True, retryable=True)

    def test_hold_needs_reason(self):
        with self.assertRaises(ValueError):
            ScreeningHold(code="X", reason="")
