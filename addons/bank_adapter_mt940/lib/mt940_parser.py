"""MT940 statements and MT942 interim reports into canonical statements, via the ``mt-940`` library.

A file may hold several statements; it is cut at each ``:20:`` tag and each
block is parsed on its own, so balances stay with their statement.
"""
import logging
import re
from decimal import Decimal

import mt940

from odoo.addons.finance_bridge_core.lib.dto import BalanceDTO, Money, StatementDTO, StatementLineDTO
from odoo.addons.finance_bridge_core.lib.errors import FormatError

from .charset import decode_mt940
from .details_86 import parse_details

MAX_BYTES = 50 * 1024 * 1024
# The library logs every regular expression it tries (INFO) and each miss (ERROR); what matters
# reaches the user as a FormatError naming the statement, so its own chatter is silenced.
logging.getLogger("mt940").setLevel(logging.CRITICAL)
BLOCK_RE = re.compile(r"(?m)^(?=:20:)")
ENVELOPE_RE = re.compile(r"\{[1-3]:[^}]*\}|\{4:|^-\}$|^-$", re.M)


def _account(value):
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()


def _date(value):
    from datetime import date
    return date(value.year, value.month, value.day) if value is not None else None


def _balance(data, key):
    bal = data.get(key)
    return bal if bal is not None and getattr(bal, "amount", None) is not None else None


def decode_file(data, source="mt940", declared=None):
    """``(text, warnings)``: per-line UTF-8 detection, else the bank's charset (see charset.py)."""
    if len(data) > MAX_BYTES:
        raise FormatError([("file", f"larger than {MAX_BYTES} bytes")], source)
    return decode_mt940(data, source, declared)


def _blocks(text):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ENVELOPE_RE.sub("", text)
    blocks = [b for b in BLOCK_RE.split(text) if b.strip()]
    return [b for b in blocks if ":61:" in b or ":60F:" in b or ":60M:" in b or ":62F:" in b or ":34F:" in b]


def _parse_block(block, where, source):
    """Parse with the standard tags, then with the ASN Bank variant of :61: (continued on a 2nd line)."""
    errors = []
    # The library's own :86: post-processor is switched off: ours (details_86) joins the
    # 65-character line wraps first, which the library does not, and also reads the Dutch layout.
    processors = dict(mt940.models.Transactions.DEFAULT_PROCESSORS, post_transaction_details=[])
    for tags in (None, {mt940.tags.StatementASNB.id: mt940.tags.StatementASNB()}):
        try:
            parsed = mt940.models.Transactions(processors=processors, tags=tags) if tags else \
                mt940.models.Transactions(processors=processors)
            parsed.parse(block)
            return parsed
        except Exception as exc:  # noqa: BLE001 - the library raises many kinds
            errors.append(f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}")
    raise FormatError([(where, errors[0])], source)


def parse_mt940(data, source="mt940"):
    text = decode_file(data, source)[0] if isinstance(data, bytes) else data
    if ":61:" not in text and ":60F:" not in text and ":62F:" not in text:
        raise FormatError([("file", "no :60F:/:61:/:62F: tag: not an MT940/MT942 file")], source)
    statements = []
    offset_line = 1
    for index, block in enumerate(_blocks(text), start=1):
        where = f"statement {index} (line {offset_line})"
        offset_line += block.count("\n")
        parsed = _parse_block(block, where, source)
        info = parsed.data
        account = _account(info.get("account_identification"))
        if not account:
            raise FormatError([(where, ":25: account identification is missing")], source)
        opening = _balance(info, "final_opening_balance") or _balance(info, "intermediate_opening_balance")
        closing = _balance(info, "final_closing_balance") or _balance(info, "intermediate_closing_balance")
        currency = (opening or closing).amount.currency if (opening or closing) else None
        if currency is None and parsed.transactions:
            currency = parsed.transactions[0].data.get("currency")
        if not currency:
            currency = info.get("currency") or (info.get("floor_limit_indicator") or {}).get("currency") \
                if isinstance(info.get("floor_limit_indicator"), dict) else info.get("currency")
        if not currency:
            raise FormatError([(where, "no currency (no :60F:, :62F: or :34F:)")], source)
        lines = []
        for tx in parsed.transactions:
            tdata = tx.data
            amount = tdata.get("amount")
            if amount is None:
                continue
            details = parse_details(tdata.get("transaction_details"))
            booking = _date(tdata.get("entry_date") or tdata.get("guessed_entry_date") or tdata.get("date"))
            bank_ref = tdata.get("bank_reference")
            customer_ref = tdata.get("customer_reference")
            raw = {"mt_type": tdata.get("id"), "status": tdata.get("status"), "bank_reference": bank_ref,
                   "customer_reference": customer_ref, "details_86": tdata.get("transaction_details"),
                   "layout": details["layout"]}
            iban = details.get("account") if details.get("account") and details["account"][:2].isalpha() else None
            lines.append(StatementLineDTO(
                booking_date=booking, value_date=_date(tdata.get("date")),
                amount=Money(Decimal(str(amount.amount)), currency),
                label=(details.get("remittance") or details.get("posting_text") or tdata.get("extra_details")
                       or customer_ref or "/")[:1000],
                counterparty_name=details.get("name"), counterparty_iban=_account(iban) or None,
                counterparty_account=None if iban else details.get("account"), counterparty_bic=details.get("bic"),
                end_to_end_id=details.get("end_to_end_id") or (customer_ref if customer_ref not in (None, "NONREF")
                                                               else None),
                bank_transaction_code=tdata.get("id"), remittance_unstructured=details.get("remittance"),
                raw={k: v for k, v in raw.items() if v}))
        balances = []
        for key, kind, position in (("final_opening_balance", "booked", "opening"),
                                    ("final_closing_balance", "booked", "closing"),
                                    ("available_balance", "available", "closing"),
                                    ("forward_available_balance", "available", "forward")):
            bal = _balance(info, key)
            if bal is not None and bal.amount.currency == currency and bal.date is not None:
                balances.append(BalanceDTO(account=account, kind=kind, position=position, date=_date(bal.date),
                                           amount=Money(Decimal(str(bal.amount.amount)), currency)))
        intraday = ":34F:" in block or (opening is None and closing is None)
        day = _date(closing.date) if closing else (max(x.booking_date for x in lines) if lines else None)
        if day is None:
            raise FormatError([(where, "no date: neither a closing balance nor transactions")], source)
        seq = info.get("statement_number")
        statements.append(StatementDTO(
            account=account, currency=currency, date=day, lines=tuple(lines),
            statement_id=f"{info.get('transaction_reference') or ''}/{seq or index}/{info.get('sequence_number') or 1}",
            sequence=int(seq) if seq and str(seq).isdigit() else None,
            opening_balance=Decimal(str(opening.amount.amount)) if opening else None,
            closing_balance=Decimal(str(closing.amount.amount)) if closing else None,
            balances=tuple(balances), intraday=intraday, raw={"message": "mt942" if intraday else "mt940"}))
    if not statements:
        raise FormatError([("file", "no statement block with a :61: or balance")], source)
    return statements
