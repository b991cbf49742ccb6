"""Fraud rules on outgoing payments; each takes plain facts and returns holds.

The ORM gathers the facts (bank account history, payment history, other
batches); these functions only decide, so every rule is tested without a database.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from odoo.addons.finance_bridge_core.lib.dto import ScreeningHold


@dataclass(frozen=True)
class FraudSettings:
    cooling_off_days: int = 10
    new_account_threshold: Decimal = Decimal("5000")
    anomaly_factor: Decimal = Decimal("3")       # amount > factor × typical amount
    anomaly_min_history: int = 3
    duplicate_days: int = 30


@dataclass(frozen=True)
class PaymentFacts:
    end_to_end_id: str
    amount: Decimal
    currency: str
    account: str                                  # beneficiary IBAN / account
    reference: str
    pay_date: date
    account_changed_on: date | None = None     # last change of the beneficiary's bank details
    paid_to_account_before: bool = False
    history: Sequence[Decimal] = ()               # earlier amounts paid to this vendor (same currency)
    earlier: Sequence[tuple] = ()                 # (account, amount, reference, date, where) paid or in batches


def bank_details_changed(facts, settings):
    if facts.account_changed_on is None:
        return []
    age = (facts.pay_date - facts.account_changed_on).days
    if age < settings.cooling_off_days:
        return [ScreeningHold(
            code="fraud.bank_changed", source="risk_screening",
            reason=f"bank details changed {age} day(s) ago (cooling-off {settings.cooling_off_days} days)",
            details={"changed_on": facts.account_changed_on.isoformat(), "days": age})]
    return []


def first_payment_to_new_account(facts, settings):
    if not facts.paid_to_account_before and facts.amount >= settings.new_account_threshold:
        return [ScreeningHold(
            code="fraud.first_payment_new_account", source="risk_screening",
            reason=f"first payment to this account and {facts.amount} {facts.currency} ≥ "
                   f"{settings.new_account_threshold}",
            details={"amount": str(facts.amount)})]
    return []


def anomalous_amount(facts, settings):
    if len(facts.history) < settings.anomaly_min_history:
        return []
    typical = Decimal(median(facts.history))
    if typical > 0 and facts.amount > typical * settings.anomaly_factor:
        return [ScreeningHold(
            code="fraud.amount_anomaly", source="risk_screening",
            reason=f"{facts.amount} {facts.currency} is more than {settings.anomaly_factor}× the vendor's "
                   f"typical payment ({typical})",
            details={"median": str(typical), "payments": len(facts.history)})]
    return []


def duplicate_payment(facts, settings):
    ref = (facts.reference or "").strip().lower()
    for account, amount, reference, when, where in facts.earlier:
        same = account == facts.account and Decimal(amount) == facts.amount and \
            (reference or "").strip().lower() == ref
        if same and abs((facts.pay_date - when).days) <= settings.duplicate_days:
            return [ScreeningHold(
                code="fraud.duplicate", source="risk_screening",
                reason=f"same account, amount and reference already {where} on {when}",
                details={"where": where, "date": when.isoformat()})]
    return []


RULES = {
    "bank_changed": bank_details_changed,
    "first_payment_new_account": first_payment_to_new_account,
    "amount_anomaly": anomalous_amount,
    "duplicate": duplicate_payment,
}


def evaluate(facts, settings, enabled=tuple(RULES)):
    holds = []
    for name in enabled:
        holds.extend(RULES[name](facts, settings))
    return holds
