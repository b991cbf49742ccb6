"""Canonical DTOs exchanged between providers and the core.

Frozen dataclasses, validated on construction, so a provider cannot hand the
core a float amount, a datetime where a bank-local date is meant, or a
currency that is not an ISO 4217 code.
"""
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from .amounts import amount_problem, currency_problem

CURRENCY_RE = re.compile(r"^[A-Z]{3}$")

BALANCE_KINDS = ("booked", "available", "intraday", "expected")
BALANCE_POSITIONS = ("opening", "closing", "interim", "forward")
STATUS_LEVELS = ("group", "payment_info", "transaction")
# ISO 20022 ExternalPaymentTransactionStatus1Code values the suite understands.
PAYMENT_STATUSES = ("RCVD", "ACTC", "ACCP", "ACSP", "ACSC", "ACWC", "ACWP", "ACCC",
                    "PDNG", "PART", "RJCT", "CANC", "BOOK", "RTRN")


def _frozen_mapping(value):
    return MappingProxyType(dict(value or {}))


def _require(cond, message):
    if not cond:
        raise ValueError(message)


def _check_date(name, value, optional=False):
    if value is None and optional:
        return
    _require(isinstance(value, date) and not isinstance(value, datetime),
             f"{name} must be a bank-local date, got {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        """ISO 4217 currency, at most its minor units of decimals, |amount| < 10^15 (lib/amounts.py)."""
        _require(isinstance(self.amount, Decimal),
                 f"amount must be Decimal, got {type(self.amount).__name__}")
        _require(self.amount.is_finite(), "amount must be finite")
        problem = currency_problem(self.currency) or amount_problem(self.amount, self.currency)
        _require(problem is None, problem)
        if self.amount.is_zero() and self.amount.is_signed():
            object.__setattr__(self, "amount", abs(self.amount))   # -0.00 (a DBIT of 0.00) is 0.00

    def __str__(self):
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True, slots=True)
class PostalAddress:
    country: str | None = None
    street: str | None = None
    building_number: str | None = None
    postcode: str | None = None
    town: str | None = None
    address_lines: tuple[str, ...] = ()

    def __post_init__(self):
        _require(self.country is None or re.match(r"^[A-Z]{2}$", self.country),
                 f"country must be ISO 3166 alpha-2, got {self.country!r}")
        object.__setattr__(self, "address_lines", tuple(self.address_lines))


@dataclass(frozen=True, slots=True)
class BalanceDTO:
    account: str
    kind: str
    position: str
    date: date
    amount: Money
    raw: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _require(self.account, "balance account is required")
        _require(self.kind in BALANCE_KINDS, f"balance kind must be one of {BALANCE_KINDS}")
        _require(self.position in BALANCE_POSITIONS,
                 f"balance position must be one of {BALANCE_POSITIONS}")
        _check_date("balance date", self.date)
        _require(isinstance(self.amount, Money), "balance amount must be Money")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))


@dataclass(frozen=True, slots=True)
class StatementLineDTO:
    booking_date: date
    amount: Money
    label: str = ""
    value_date: date | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_account: str | None = None
    counterparty_bic: str | None = None
    # The bank's own identifiers. ``unique_id`` is the one the bank guarantees
    # unique per account (AcctSvcrRef of a transaction, MT940 bank reference…);
    # adapters fill it only when the format really promises that.
    unique_id: str | None = None
    end_to_end_id: str | None = None
    acct_svcr_ref: str | None = None
    ntry_ref: str | None = None
    uetr: str | None = None
    bank_transaction_code: str | None = None
    remittance_unstructured: str | None = None
    remittance_structured: str | None = None
    foreign_amount: Money | None = None
    raw: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _check_date("booking_date", self.booking_date)
        _check_date("value_date", self.value_date, optional=True)
        _require(isinstance(self.amount, Money), "line amount must be Money")
        _require(self.foreign_amount is None or isinstance(self.foreign_amount, Money),
                 "foreign_amount must be Money")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))


@dataclass(frozen=True, slots=True)
class StatementDTO:
    account: str
    currency: str
    date: date
    lines: tuple[StatementLineDTO, ...] = ()
    statement_id: str | None = None
    sequence: int | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    balances: tuple[BalanceDTO, ...] = ()
    intraday: bool = False
    raw: Mapping = field(default_factory=dict)
    # A debit/credit notification (ISO camt.054, a bank's booking advice), not an account statement:
    # its lines are imported only when the company asks for them (``finance_notification_lines``).
    notification: bool = False

    def __post_init__(self):
        _require(self.account, "statement account (IBAN or number) is required")
        problem = currency_problem(self.currency)
        _require(problem is None, f"statement {problem}")
        _check_date("statement date", self.date)
        for name in ("opening_balance", "closing_balance"):
            value = getattr(self, name)
            _require(value is None or isinstance(value, Decimal), f"{name} must be Decimal")
            problem = value is not None and amount_problem(value, self.currency)
            _require(not problem, f"{name}: {problem}")
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "balances", tuple(self.balances))
        for index, line in enumerate(self.lines):
            _require(line.amount.currency == self.currency,
                     f"line {index}: currency {line.amount.currency} differs from "
                     f"statement currency {self.currency}")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))

    @property
    def total(self):
        return sum((line.amount.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class PaymentDTO:
    end_to_end_id: str
    amount: Money
    creditor_name: str
    requested_execution_date: date
    creditor_iban: str | None = None
    creditor_account: str | None = None
    creditor_bic: str | None = None
    creditor_clearing_code: str | None = None
    creditor_address: PostalAddress | None = None
    instruction_id: str | None = None
    remittance_unstructured: str | None = None
    remittance_structured: str | None = None
    purpose_code: str | None = None
    charge_bearer: str = "SLEV"
    intermediary_bic: str | None = None
    raw: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _require(self.end_to_end_id, "end_to_end_id is required")
        _require(len(self.end_to_end_id) <= 35, "end_to_end_id is limited to 35 characters")
        _require(isinstance(self.amount, Money), "payment amount must be Money")
        _require(self.amount.amount > 0, "payment amount must be positive")
        _require(self.creditor_name, "creditor_name is required")
        _require(self.creditor_iban or self.creditor_account,
                 "a creditor IBAN or account number is required")
        _check_date("requested_execution_date", self.requested_execution_date)
        _require(self.charge_bearer in ("SLEV", "SHAR", "DEBT", "CRED"),
                 f"charge_bearer {self.charge_bearer!r} is not an ISO code")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))


@dataclass(frozen=True, slots=True)
class PaymentBatchDTO:
    msg_id: str
    debtor_name: str
    debtor_iban: str
    payments: tuple[PaymentDTO, ...]
    created_at: datetime
    debtor_bic: str | None = None
    batch_booking: bool = True
    raw: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _require(self.msg_id and len(self.msg_id) <= 35, "msg_id is required (max 35)")
        object.__setattr__(self, "payments", tuple(self.payments))
        _require(self.payments, "a batch needs at least one payment")
        ids = [p.end_to_end_id for p in self.payments]
        _require(len(ids) == len(set(ids)), "end_to_end_id must be unique within a batch")
        _require(isinstance(self.created_at, datetime) and self.created_at.tzinfo,
                 "created_at must be an aware datetime")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))

    @property
    def control_sum(self):
        return sum((p.amount.amount for p in self.payments), Decimal(0))

    @property
    def number_of_transactions(self):
        return len(self.payments)


@dataclass(frozen=True, slots=True)
class StatusEventDTO:
    source: str
    status: str
    level: str = "transaction"
    msg_id: str | None = None
    pmt_inf_id: str | None = None
    end_to_end_id: str | None = None
    instruction_id: str | None = None
    uetr: str | None = None
    reason_code: str | None = None
    reason_text: str | None = None
    occurred_at: datetime | None = None
    amount: Money | None = None
    raw: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _require(self.source, "status source is required")
        _require(self.status in PAYMENT_STATUSES, f"unknown payment status {self.status!r}")
        _require(self.level in STATUS_LEVELS, f"status level must be one of {STATUS_LEVELS}")
        _require(self.msg_id or self.pmt_inf_id or self.end_to_end_id
                 or self.instruction_id or self.uetr,
                 "a status event needs at least one payment reference")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    accepted: bool
    retryable: bool = False
    bank_reference: str | None = None
    message: str = ""
    raw: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _require(not (self.accepted and self.retryable), "an accepted submission is not retryable")
        object.__setattr__(self, "raw", _frozen_mapping(self.raw))


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one ``fetch_statements`` call returns for one account.

    ``pending``: transactions the bank reports as not booked yet (``StatementLineDTO``s), or None when
    this page says nothing about them. The pending lines of all pages of a run replace the account's
    previous pending set; they are shown apart and never booked.
    """

    statements: tuple[StatementDTO, ...] = ()
    balances: tuple[BalanceDTO, ...] = ()
    next_cursor: str | None = None
    has_more: bool = False
    pending: tuple[StatementLineDTO, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "statements", tuple(self.statements))
        object.__setattr__(self, "balances", tuple(self.balances))
        if self.pending is not None:
            object.__setattr__(self, "pending", tuple(self.pending))
            _require(all(isinstance(line, StatementLineDTO) for line in self.pending),
                     "pending must be StatementLineDTO")


@dataclass(frozen=True, slots=True)
class StatusResult:
    """What one ``fetch_status_events`` call returns: events after ``cursor`` and where to go on."""

    events: tuple[StatusEventDTO, ...] = ()
    next_cursor: str | None = None
    has_more: bool = False

    def __post_init__(self):
        object.__setattr__(self, "events", tuple(self.events))
        _require(all(isinstance(e, StatusEventDTO) for e in self.events), "events must be StatusEventDTO")


SCREENING_STAGES = ("partner", "approval", "release")


@dataclass(frozen=True, slots=True)
class ScreeningHold:
    """One reason a payment or partner must not go ahead, as a screening check found it."""

    code: str
    reason: str
    blocking: bool = True
    source: str = "core"
    details: Mapping = field(default_factory=dict)

    def __post_init__(self):
        _require(self.code and self.reason, "a hold needs a code and a reason")
        object.__setattr__(self, "details", _frozen_mapping(self.details))
