"""Berlin Group NextGenPSD2 (XS2A v1.3.x) JSON → the core's DTOs, without the ORM.

Account reports (``transactions.booked`` / ``pending`` + ``_links.next``), balances and error
bodies (``tppMessages``). Every problem raises ``FormatError`` naming the JSON path and the reason;
amounts are Decimal in the account's currency, dates bank-local ``date``s.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from odoo.addons.finance_bridge_core.lib.dto import BalanceDTO, Money, StatementLineDTO
from odoo.addons.finance_bridge_core.lib.errors import FormatError

# XS2A balanceType → (core kind, core position)
BALANCE_TYPES = {
    "closingBooked": ("booked", "closing"),
    "openingBooked": ("booked", "opening"),
    "interimBooked": ("booked", "interim"),
    "interimAvailable": ("available", "interim"),
    "forwardAvailable": ("available", "forward"),
    "expected": ("expected", "interim"),
}
MAX_LABEL = 500


@dataclass(frozen=True, slots=True)
class PendingTransaction:
    """A pending transaction: shown, never booked; replaced when its booked version arrives."""

    transaction_id: str | None
    amount: Money
    value_date: date | None
    label: str
    counterparty_name: str | None
    end_to_end_id: str | None

    def to_line(self, today):
        """The core's form of a pending transaction (``FetchResult.pending``): dated by its value date."""
        return StatementLineDTO(booking_date=self.value_date or today, amount=self.amount, label=self.label,
                                value_date=self.value_date, counterparty_name=self.counterparty_name,
                                unique_id=self.transaction_id, end_to_end_id=self.end_to_end_id)

    def to_data(self):
        """JSON-native form, as kept in the cursor."""
        return {"id": self.transaction_id, "amount": format(self.amount.amount, "f"),
                "currency": self.amount.currency, "value_date": self.value_date and self.value_date.isoformat(),
                "label": self.label[:140], "counterparty": self.counterparty_name}


@dataclass(frozen=True, slots=True)
class AccountReport:
    """One page of ``GET /v1/accounts/{id}/transactions``."""

    booked: tuple
    pending: tuple
    next_href: str | None


def _get(obj, key, where, kind=dict, required=True):
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None:
        if required:
            raise FormatError([(f"{where}.{key}", "is missing")])
        return None
    if not isinstance(value, kind):
        raise FormatError([(f"{where}.{key}", f"must be {kind.__name__ if isinstance(kind, type) else kind}")])
    return value


def _date(value, where, required=True):
    if value in (None, ""):
        if required:
            raise FormatError([(where, "is missing")])
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FormatError([(where, f"{value!r} is not an ISO date")]) from None


def money(obj, where, currency=None):
    """``{"amount": "-12.30", "currency": "EUR"}`` → Money; the currency must be the account's."""
    if not isinstance(obj, dict):
        raise FormatError([(where, "must be an object with amount and currency")])
    try:
        amount = Decimal(str(obj.get("amount")))
    except (InvalidOperation, ValueError):
        raise FormatError([(f"{where}.amount", f"{obj.get('amount')!r} is not a decimal amount")]) from None
    code = obj.get("currency")
    if currency and code != currency:
        raise FormatError([(f"{where}.currency", f"{code!r} differs from the account currency {currency}")])
    try:
        return Money(amount, code)
    except ValueError as exc:
        raise FormatError([(where, str(exc))]) from None


def _label(tx):
    parts = [tx.get("remittanceInformationUnstructured")]
    parts += list(tx.get("remittanceInformationUnstructuredArray") or [])
    parts.append(tx.get("additionalInformation"))
    text = " ".join(str(p).strip() for p in parts if p and str(p).strip())
    return text[:MAX_LABEL]


def _counterparty(tx):
    """The other side: the creditor of a debit, the debtor of a credit."""
    amount = (tx.get("transactionAmount") or {}).get("amount") or "0"
    side = "creditor" if str(amount).strip().startswith("-") else "debtor"
    account = tx.get(side + "Account") or {}
    return tx.get(side + "Name"), account.get("iban"), account.get("bban")


def parse_line(tx, where, currency):
    """A booked XS2A transaction → StatementLineDTO (unique_id = the bank's transactionId)."""
    if not isinstance(tx, dict):
        raise FormatError([(where, "must be an object")])
    amount = money(tx.get("transactionAmount"), f"{where}.transactionAmount", currency)
    booking = _date(tx.get("bookingDate"), f"{where}.bookingDate")
    name, iban, bban = _counterparty(tx)
    raw = {k: tx[k] for k in ("transactionId", "entryReference", "endToEndId", "mandateId", "checkId",
                              "bankTransactionCode", "proprietaryBankTransactionCode") if tx.get(k)}
    try:
        return StatementLineDTO(
            booking_date=booking, amount=amount, label=_label(tx) or name or "/",
            value_date=_date(tx.get("valueDate"), f"{where}.valueDate", required=False),
            counterparty_name=name, counterparty_iban=iban, counterparty_account=bban,
            unique_id=str(tx["transactionId"]) if tx.get("transactionId") else None,
            end_to_end_id=tx.get("endToEndId") if tx.get("endToEndId") not in (None, "NOTPROVIDED") else None,
            ntry_ref=tx.get("entryReference"), bank_transaction_code=tx.get("bankTransactionCode"),
            remittance_unstructured=tx.get("remittanceInformationUnstructured"), raw=raw)
    except ValueError as exc:
        raise FormatError([(where, str(exc))]) from None


def parse_pending(tx, where, currency):
    if not isinstance(tx, dict):
        raise FormatError([(where, "must be an object")])
    name, _iban, _bban = _counterparty(tx)
    return PendingTransaction(
        transaction_id=str(tx["transactionId"]) if tx.get("transactionId") else None,
        amount=money(tx.get("transactionAmount"), f"{where}.transactionAmount", currency),
        value_date=_date(tx.get("valueDate") or tx.get("transactionDate"), f"{where}.valueDate", required=False),
        label=_label(tx) or name or "/", counterparty_name=name,
        end_to_end_id=tx.get("endToEndId") if tx.get("endToEndId") not in (None, "NOTPROVIDED") else None)


def parse_account_report(document, currency, source="transactions"):
    """One transactions page → ``AccountReport`` (booked lines, pending, the next page's href)."""
    if not isinstance(document, dict):
        raise FormatError([("$", "an object is expected")], source)
    report = _get(document, "transactions", "$")
    try:
        booked = tuple(parse_line(tx, f"$.transactions.booked[{i}]", currency)
                       for i, tx in enumerate(_get(report, "booked", "$.transactions", list, False) or ()))
        pending = tuple(parse_pending(tx, f"$.transactions.pending[{i}]", currency)
                        for i, tx in enumerate(_get(report, "pending", "$.transactions", list, False) or ()))
    except FormatError as exc:
        raise FormatError(exc.problems, source) from None
    links = report.get("_links") or document.get("_links") or {}
    nxt = links.get("next") if isinstance(links, dict) else None
    href = nxt.get("href") if isinstance(nxt, dict) else nxt if isinstance(nxt, str) else None
    return AccountReport(booked, pending, href or None)


def parse_balances(document, account, currency, today):
    """``GET …/balances`` → BalanceDTOs of the balance types the core knows (others are ignored)."""
    if not isinstance(document, dict) or not isinstance(document.get("balances"), list):
        raise FormatError([("$.balances", "a list is expected")], "balances")
    out = []
    for index, item in enumerate(document["balances"]):
        where = f"$.balances[{index}]"
        kind_position = BALANCE_TYPES.get((item or {}).get("balanceType"))
        if not kind_position:
            continue
        when = _date(item.get("referenceDate"), f"{where}.referenceDate", required=False)
        if when is None and item.get("lastChangeDateTime"):
            try:
                when = datetime.fromisoformat(item["lastChangeDateTime"].replace("Z", "+00:00")).date()
            except ValueError:
                raise FormatError([(f"{where}.lastChangeDateTime", "is not an ISO date-time")], "balances") from None
        try:
            out.append(BalanceDTO(account=account, kind=kind_position[0], position=kind_position[1],
                                  date=when or today, amount=money(item.get("balanceAmount"),
                                                                   f"{where}.balanceAmount", currency),
                                  raw={"balanceType": item["balanceType"]}))
        except FormatError as exc:
            raise FormatError(exc.problems, "balances") from None
    return tuple(out)


def parse_accounts(document):
    """``GET /v1/accounts`` → ``{iban: (resourceId, currency, name)}``."""
    accounts = document.get("accounts") if isinstance(document, dict) else None
    if not isinstance(accounts, list):
        raise FormatError([("$.accounts", "a list is expected")], "accounts")
    out = {}
    for index, acc in enumerate(accounts):
        if not isinstance(acc, dict) or not acc.get("resourceId") or not acc.get("iban"):
            raise FormatError([(f"$.accounts[{index}]", "resourceId and iban are required")], "accounts")
        out[acc["iban"].replace(" ", "").upper()] = (acc["resourceId"], acc.get("currency"), acc.get("name"))
    return out


def error_codes(document):
    """The ``tppMessages`` codes of an error body (empty when there are none)."""
    messages = document.get("tppMessages") if isinstance(document, dict) else None
    if not isinstance(messages, list):
        return ()
    return tuple(str(m.get("code")) for m in messages if isinstance(m, dict) and m.get("code"))


def error_text(document):
    messages = document.get("tppMessages") if isinstance(document, dict) else None
    if isinstance(messages, list):
        return "; ".join(f"{m.get('code')}: {m.get('text') or ''}".strip() for m in messages if isinstance(m, dict))
    if isinstance(document, dict) and document.get("error"):
        return f"{document['error']}: {document.get('error_description') or ''}".strip()
    return ""
