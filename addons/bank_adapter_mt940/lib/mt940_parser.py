"""MT940 statements and MT942 interim reports into canonical statements, via the ``mt-940`` library.

A file may hold several statements; it is cut at each ``:20:`` tag and each
block is parsed on its own, so balances stay with their statement.
"""
import logging
import re
from decimal import Decimal

import mt940

from odoo.addons.finance_bridge_core.lib.amounts import amount_problem, currency_problem
from odoo.addons.finance_bridge_core.lib.dto import BalanceDTO, Money, StatementDTO, StatementLineDTO
from odoo.addons.finance_bridge_core.lib.errors import FormatError

from .charset import decode_mt940
from .details_86 import parse_details

MAX_BYTES = 50 * 1024 * 1024
# The library logs every regular expression it tries (INFO) and each miss (ERROR); what matters
# reaches the user as a FormatError naming the statement, so its own chatter is silenced.
logging.getLogger("mt940").setLevel(logging.CRITICAL)
BLOCK_RE = re.compile(r"(?m)^(?=:20:)")
ENVELOPE_RE = re.compile(r"\{[1-3]:[^}]*\}|\{4:|^-\}$|^-$|^\}$", re.M)
# ING closes a statement with an :86: of its own (/SUM/ counts and totals) after :62F:/:64:/:65:; the
# library would append it to the last transaction's details.
STATEMENT_86_RE = re.compile(r"(?ms)^(:6[245][FM]?:[^\n]*\n)(:86:.*?)(?=^:\d{2}[A-Z]?:|\Z)")
# :61: customer references that only say where the reference is (ING: EREF/PREF/MARF = "see :86:").
PLACEHOLDER_REFS = (None, "NONREF", "EREF", "PREF", "MARF")
TAG_RE = re.compile(r"^:(\d{2}[A-Z]?|NS):")    # :NS: = non-SWIFT field of German banks
FREE_TEXT_TAGS = ("86", "NS")     # multi-line by definition: information to account owner, non-SWIFT
# Digits, then an optional decimal comma (banks send leading zeros and omit ",00"; the
# magnitude and decimals are checked on the value). A point or apostrophe is a separator: refused.
SWIFT_AMOUNT_RE = re.compile(r"^\d+(,\d*)?$")
_AMOUNT = r"(?P<amount>[0-9][0-9.,' ]*)"      # what follows (a trailer such as -}) is not ours
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<ccy>[A-Za-z]{3})?" + _AMOUNT)
AMOUNT_LENGTH = {"61": 15, "90D": 15, "90C": 15}     # what the library reads; balances: 16
AMOUNT_FIELDS = {
    **dict.fromkeys(("60F", "60M", "62F", "62M", "64", "65"), _BALANCE),
    "34F": re.compile(r"^(?P<ccy>[A-Za-z]{3})(?P<mark>[CD]?)" + _AMOUNT),
    "90D": re.compile(r"^(?P<count>\d{1,5})(?P<ccy>[A-Za-z]{3})" + _AMOUNT),
    "90C": re.compile(r"^(?P<count>\d{1,5})(?P<ccy>[A-Za-z]{3})" + _AMOUNT),
    # 6!n[4!n]2a[1!a]15d: value date, entry date, mark (RC/RD/C/D/EC/ED), funds code, amount.
    "61": re.compile(r"^\d{6}(\d{4})?(R?[CD]|E[CD])([A-Z](?=\d))?\n?(?P<amount>[0-9.,' ]+)"),
}


def _account(value):
    return re.sub(r"[^A-Za-z0-9]", "", value or "").upper()


def _is_iban(text):
    """ISO 13616 check digits (mod 97 = 1)."""
    if not re.match(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", text):
        return False
    return int("".join(str(int(c, 36)) for c in text[4:] + text[:4])) % 97 == 1


# IBAN lengths by country (SWIFT IBAN registry), for test and anonymised files whose check digits fail.
IBAN_LENGTHS = {"AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27,
                "GB": 22, "IE": 22, "IT": 27, "LU": 20, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "SE": 24}


def _without_currency(account, currency):
    """ING writes :25: as IBAN + currency (NL..INGB..EUR): the account is the IBAN."""
    rest = account[:-3]
    if currency and account.endswith(currency) and (_is_iban(rest) or len(rest) == IBAN_LENGTHS.get(rest[:2])):
        return rest
    return account


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


def _field_lines(field):
    """The lines of one field with its wrapped continuations joined, then blanks (same line count).

    MT940 fields are one line except :86: (up to 6 lines of free text, joined by details_86), the
    non-SWIFT :NS: (one numbered line per item) and :61: (subfields 1-8 on the first line,
    subfield 9 "supplementary details" on a second). Some
    banks (ING) cut lines at a fixed width, so ``:28C:0000`` / ``0`` is the statement number 00000
    and a third line of a :61: is the rest of its first line. Nothing is inserted at the join.
    """
    tag = TAG_RE.match(field[0]).group(1)
    if tag in FREE_TEXT_TAGS:
        return field
    keep = 2 if tag == "61" and len(field) > 1 else 1
    head = "".join(line.strip() if i else line.rstrip() for i, line in enumerate(field[:len(field) - keep + 1]))
    kept = [head, *field[len(field) - keep + 1:]]
    return kept + [""] * (len(field) - len(kept))


def _join_continuations(text):
    """Every line that does not start a tag continues the field before it (see ``_field_lines``)."""
    out, field = [], None
    for line in text.split("\n"):
        if TAG_RE.match(line):
            if field:
                out.extend(_field_lines(field))
            field = [line]
        elif field is not None and line.strip() and line.strip() != "-":
            field.append(line)
        else:
            if field:
                out.extend(_field_lines(field))
                field = None
            out.append(line)
    if field:
        out.extend(_field_lines(field))
    return "\n".join(out)


def _amount_problem(text, currency):
    """Why a SWIFT amount (15d: digits, one decimal comma) is not one of ``currency``, or None."""
    if not SWIFT_AMOUNT_RE.match(text):
        return f"invalid amount {text!r} (expected digits and a decimal comma, e.g. 1234,56, no separators)"
    return amount_problem(Decimal(text.replace(",", ".")), currency)


def _check_amounts(text, source):
    """Every amount and currency of the file, with its line: the library would accept ``10,12345``
    USD, ``usd`` or ``1.234,56`` (read as 1.234) and this suite must not. Returns the text with
    zero-padded amounts longer than the library reads (it cuts them) shortened to their value."""
    problems, currency, lines = [], None, text.split("\n")
    for number, line in enumerate(lines, start=1):
        tag = TAG_RE.match(line)
        if not tag or tag.group(1) not in AMOUNT_FIELDS:
            currency = None if tag and tag.group(1) == "20" else currency
            continue
        value = line[tag.end():]
        offset = tag.end() + len(value) - len(value.lstrip())
        match = AMOUNT_FIELDS[tag.group(1)].match(value.strip())
        if not match:
            continue    # the library names the malformed field
        code = match.groupdict().get("ccy") or currency
        problem = currency_problem(code) if code else None
        if not problem and tag.group(1) in ("60F", "60M"):
            currency = code
        raw = match["amount"].rstrip(" '")
        problem = problem or _amount_problem(raw, code)
        limit = AMOUNT_LENGTH.get(tag.group(1), 16)
        if not problem and len(raw) > limit:
            short = raw.lstrip("0")
            short = "0" + short if not short or short[0] == "," else short
            if len(short) > limit:
                problem = f"amount {raw!r} is longer than {limit} characters (SWIFT 15d)"
            else:
                at = offset + match.start("amount")
                lines[number - 1] = line[:at] + short + line[at + len(raw):]
        if problem:
            problems.append((f"line {number} (:{tag.group(1)}:)", problem))
    if problems:
        raise FormatError(problems, source)
    return "\n".join(lines)


def _blocks(text, source=None):
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _join_continuations(ENVELOPE_RE.sub("", text))
    text = _check_amounts(text, source)
    blocks = [STATEMENT_86_RE.sub(lambda m: m.group(1) + "\n" * m.group(2).count("\n"), b)
              for b in BLOCK_RE.split(text) if b.strip()]
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
    for index, block in enumerate(_blocks(text, source), start=1):
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
        account = _without_currency(account, currency)
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
                end_to_end_id=details.get("end_to_end_id") or (customer_ref if customer_ref not in PLACEHOLDER_REFS
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
