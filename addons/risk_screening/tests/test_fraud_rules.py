"""Each fraud rule holds when it should and only then."""
import unittest
from datetime import date
from decimal import Decimal

from ..lib.fraud_rules import (
    FraudSettings,
    PaymentFacts,
    anomalous_amount,
    bank_details_changed,
    duplicate_payment,
    evaluate,
    first_payment_to_new_account,
)

S = FraudSettings(cooling_off_days=10, new_account_threshold=Decimal("5000"), anomaly_factor=Decimal("3"),
                  duplicate_days=30)
PAY = date(2026, 3, 20)


def facts(**kw):
    base = dict(end_to_end_id="E1", amount=Decimal("1200.00"), currency="EUR", account="DE89370400440532013000",
                reference="INV-7", pay_date=PAY, paid_to_account_before=True)
    base.update(kw)
    return PaymentFacts(**base)


class TestFraudRules(unittest.TestCase):
    def test_bank_changed_within_cooling_off(self):
        holds = bank_details_changed(facts(account_changed_on=date(2026, 3, 15)), S)
        self.assertEqual(holds[0].code, "fraud.bank_changed")
        self.assertIn("5 day(s) ago", holds[0].reason)
        self.assertEqual(bank_details_changed(facts(account_changed_on=date(2026, 3, 1)), S), [])

    def test_first_payment_to_new_account(self):
        self.assertEqual(first_payment_to_new_account(
            facts(paid_to_account_before=False, amount=Decimal("5000")), S)[0].code, "fraud.first_payment_new_account")
        self.assertEqual(first_payment_to_new_account(facts(paid_to_account_before=False, amount=Decimal("4999.99")),
                                                      S), [])
        self.assertEqual(first_payment_to_new_account(facts(amount=Decimal("90000")), S), [])

    def test_anomalous_amount(self):
        history = (Decimal("1000"), Decimal("1100"), Decimal("900"), Decimal("1050"))
        self.assertEqual(anomalous_amount(facts(amount=Decimal("3200"), history=history), S)[0].code,
                         "fraud.amount_anomaly")
        self.assertEqual(anomalous_amount(facts(amount=Decimal("2900"), history=history), S), [])
        self.assertEqual(anomalous_amount(facts(amount=Decimal("99999"), history=history[:2]), S), [],
                         "too little history to judge")

    def test_duplicate(self):
        earlier = (("DE89370400440532013000", Decimal("1200.00"), "inv-7 ", date(2026, 3, 1), "paid"),)
        holds = duplicate_payment(facts(earlier=earlier), S)
        self.assertEqual(holds[0].code, "fraud.duplicate")
        self.assertIn("already paid on 2026-03-01", holds[0].reason)
        self.assertEqual(duplicate_payment(facts(earlier=earlier, amount=Decimal("1200.01")), S), [])
        old = (("DE89370400440532013000", Decimal("1200.00"), "INV-7", date(2026, 1, 1), "paid"),)
        self.assertEqual(duplicate_payment(facts(earlier=old), S), [])

    def test_evaluate_only_enabled(self):
        f = facts(account_changed_on=PAY, paid_to_account_before=False, amount=Decimal("6000"))
        self.assertEqual({h.code for h in evaluate(f, S)}, {"fraud.bank_changed", "fraud.first_payment_new_account"})
        self.assertEqual([h.code for h in evaluate(f, S, enabled=("duplicate",))], [])
