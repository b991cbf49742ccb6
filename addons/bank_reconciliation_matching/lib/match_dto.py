"""What the matching engine reads and returns: plain frozen values, no ORM.

Sign convention: amounts are seen from the bank account. A line's ``amount`` is positive for money
in; an open item's ``amount`` is what the bank line must carry to settle it (a customer invoice's
residual is positive, a vendor bill's or an outgoing payment's negative).
"""
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class BankLine:
    id: int
    amount: Decimal
    currency: str
    partner_id: int | None = None
    counterparty_iban: str | None = None
    counterparty_name: str | None = None
    text: str = ""                          # label + unstructured remittance, as the bank sent them
    structured_ref: str | None = None       # remittance_structured (CdtrRefInf/Ref)
    end_to_end_id: str | None = None
    uetr: str | None = None
    batch_ids: tuple = ()                   # MsgId / PmtInfId of a batch booked as one line
    batch_end_to_end_ids: tuple = ()        # EndToEndIds of the transactions of a batch booked as one line
    charges: Decimal = Decimal(0)           # bank charges deducted (camt Chrgs), positive
    foreign_amount: Decimal | None = None
    foreign_currency: str | None = None
    journal_id: int | None = None

    def amount_in(self, currency):
        """The line's amount in ``currency`` when the bank told it, else None."""
        if currency == self.currency:
            return self.amount
        if self.foreign_currency == currency and self.foreign_amount is not None:
            return self.foreign_amount
        return None


@dataclass(frozen=True, slots=True)
class OpenItem:
    id: int                                 # the account.move.line id (or a hook's own key)
    amount: Decimal                         # residual, signed as the bank line settling it
    currency: str
    partner_id: int | None = None
    kind: str = "invoice"                   # invoice | payment | own_payment
    name: str = ""                          # invoice number / payment name
    reference: str = ""                     # payment reference (structured or not)
    end_to_end_id: str | None = None
    uetr: str | None = None
    batch_ids: tuple = ()                   # msg_id, pmt_inf_id of the batch it was sent in
    line_ids: tuple = ()                    # move lines to reconcile when not ``id`` alone


@dataclass(frozen=True, slots=True)
class UserRule:
    """A user-defined rule: label / partner / amount conditions -> an account (with taxes)."""
    id: int
    name: str
    account_id: int
    label_contains: str = ""
    partner_id: int | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    tax_ids: tuple = ()
    score: int = 96


@dataclass(frozen=True, slots=True)
class Candidate:
    line_id: int
    rule: str
    score: int
    item_ids: tuple = ()
    allocations: tuple = ()                 # (item_id, amount) settled on each item
    difference: Decimal = Decimal(0)        # line amount - allocated amounts (write-off / partial)
    difference_kind: str = ""               # "" | writeoff | charges | partial
    user_rule_id: int | None = None
    explanation: str = ""
    references: tuple = ()

    @property
    def key(self):
        return (self.rule, self.item_ids, self.user_rule_id)


@dataclass(frozen=True, slots=True)
class MatchConfig:
    auto_threshold: int = 95                # auto-reconcile at or above (per company / journal)
    ambiguity_margin: int = 8               # a runner-up this close makes the line "review"
    writeoff_tolerance: Decimal = Decimal("0.00")   # absolute, in the line currency
    subset_max_items: int = 12              # bounded subset-sum: items of one partner considered
    subset_max_size: int = 4                # at most this many items in one combination
    subset_max_nodes: int = 20000           # search budget per line
    min_key_length: int = 5                 # free-text keys shorter than this are noise


@dataclass(slots=True)
class LineResult:
    line_id: int
    candidates: list = field(default_factory=list)
    decision: str = "none"                  # auto | review | none
    reason: str = ""

    @property
    def best(self):
        return self.candidates[0] if self.candidates else None
