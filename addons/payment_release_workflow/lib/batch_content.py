"""Canonical content of a payment batch and its SHA-256: what approvals are bound to.

Everything the bank is asked to do is in the content — beneficiaries, accounts, amounts,
currencies, dates, remittance, the debtor journal and connection — and nothing else (no states,
no user ids), so the hash changes exactly when what would be paid changes. Lines are sorted by
their end-to-end id and amounts are written with the currency's decimals, so the same content
always gives the same bytes whatever the order it was read in.
"""
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ContentLine:
    end_to_end_id: str
    bill: str                 # the bill's reference (name), so a swapped bill changes the content
    beneficiary: str          # partner name
    account: str              # IBAN or account number, normalised (no spaces, upper case)
    bic: str
    amount: Decimal
    currency: str
    decimals: int
    remittance: str


@dataclass(frozen=True, slots=True)
class BatchContent:
    company: str
    journal: str              # debtor account (journal's bank account number or the journal code)
    connection: str
    currency: str
    execution_date: str       # ISO date
    lines: tuple


def normalise_account(number):
    return "".join((number or "").split()).upper()


def _amount(value, decimals):
    value = Decimal(str(value)) if not isinstance(value, Decimal) else value
    return str(value.quantize(Decimal(1).scaleb(-decimals)))


def canonical_bytes(content):
    """The content as canonical JSON (sorted keys, no spaces, lines sorted by end-to-end id)."""
    lines = sorted(content.lines, key=lambda line: line.end_to_end_id)
    doc = {
        "company": content.company, "journal": content.journal, "connection": content.connection,
        "currency": content.currency, "execution_date": content.execution_date,
        "lines": [{
            "e2e": line.end_to_end_id, "bill": line.bill, "beneficiary": line.beneficiary,
            "account": normalise_account(line.account), "bic": normalise_account(line.bic),
            "amount": _amount(line.amount, line.decimals), "currency": line.currency,
            "remittance": line.remittance or "",
        } for line in lines],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_hash(content):
    """SHA-256 (hex) of the canonical content."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()
