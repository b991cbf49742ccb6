"""Parser of the canonical JSON statement format (``finance_bridge.statement`` v1).

The format is documented in ``readme/FORMAT.md``. Amounts are JSON strings or
integers (numbers with a fraction are read as ``Decimal`` as well, never as
float). Every problem is reported with its JSON path; all problems of a
document are collected before raising, so one run shows the user everything.
"""
import itertools
import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from .amounts import amount_problem, currency_problem
from .dto import BALANCE_KINDS, BALANCE_POSITIONS, BalanceDTO, Money, StatementDTO, StatementLineDTO
from .errors import FormatError

FORMAT_NAME = "finance_bridge.statement"
FORMAT_VERSION = 1
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AMOUNT_RE = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
REFERENCE_KEYS = ("unique_id", "end_to_end_id", "acct_svcr_ref", "ntry_ref", "uetr")
# The format itself nests 5 levels; ``raw`` objects may add some. Deeper documents are refused
# before ``json`` recurses into them (thousands of levels raise RecursionError).
MAX_JSON_DEPTH = 32
_JSON_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS_RE = re.compile(r"[^\[\]{}]+")


class _Collector:
    def __init__(self):
        self.problems = []

    def add(self, path, message):
        self.problems.append((path, message))


class _Constant(str):
    """NaN, Infinity, -Infinity: Python's json accepts them, JSON (RFC 8259) does not."""


def _json_int(text):
    """JSON integers: huge ones and -0 kept as Decimal text (int() refuses 4,300+ digits, loses -0)."""
    return Decimal(text) if len(text) > 20 or text.startswith("-0") else int(text)


def _amount(value, path, errors, currency=None):
    if isinstance(value, bool) or value is None:
        errors.add(path, "amount is required as a decimal string")
        return None
    if isinstance(value, _Constant):
        errors.add(path, f"{value} is not a number (not valid JSON)")
        return None
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, Decimal):
        if not value.is_finite() or abs(value.adjusted()) > 40:
            errors.add(path, f"invalid amount {str(value)[:40]!r} (out of range, |amount| < 10^15)")
            return None
        value = format(value, "f")
    if isinstance(value, Decimal):
        amount = value
    elif not isinstance(value, str) or not AMOUNT_RE.match(value):
        errors.add(path, f"invalid amount {value!r} (expected e.g. \"-12.50\")")
        return None
    else:
        try:
            amount = Decimal(value)
        except InvalidOperation:
            errors.add(path, f"invalid amount {value!r}")
            return None
    if amount.is_zero() and amount.is_signed():
        errors.add(path, f"invalid amount {value!s}: negative zero has no direction")
        return None
    problem = amount_problem(amount, currency)
    if problem:
        errors.add(path, problem)
        return None
    return amount


def _date(value, path, errors, required=True):
    if value is None:
        if required:
            errors.add(path, "date is required (YYYY-MM-DD)")
        return None
    if not isinstance(value, str):
        errors.add(path, f"date must be a string YYYY-MM-DD, got {type(value).__name__}")
        return None
    try:
        if not DATE_RE.match(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        errors.add(path, f"invalid date {value!r} (expected YYYY-MM-DD)")
        return None


def _text(obj, key, path, errors, max_len=1024):
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.add(f"{path}.{key}", f"must be a string, got {type(value).__name__}")
        return None
    if len(value) > max_len:
        errors.add(f"{path}.{key}", f"longer than {max_len} characters")
        return None
    return value.strip() or None


def _object(value, path, errors, required=True):
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        errors.add(path, "must be an object")
        return None
    return value


def _currency(value, path, errors):
    problem = currency_problem(value)
    if problem:
        errors.add(path, f"invalid {problem}")
        return None
    return value


def _parse_line(raw, path, currency, errors):
    obj = _object(raw, path, errors)
    if obj is None:
        return None
    before = len(errors.problems)
    booking = _date(obj.get("booking_date"), f"{path}.booking_date", errors)
    value_date = _date(obj.get("value_date"), f"{path}.value_date", errors, required=False)
    amount = _amount(obj.get("amount"), f"{path}.amount", errors, currency)
    if "currency" in obj and obj["currency"] != currency:
        errors.add(f"{path}.currency",
                   f"currency {obj['currency']!r} differs from the account currency {currency!r}")
    cp = _object(obj.get("counterparty"), f"{path}.counterparty", errors, required=False) or {}
    refs = _object(obj.get("references"), f"{path}.references", errors, required=False) or {}
    for key in refs:
        if key not in REFERENCE_KEYS:
            errors.add(f"{path}.references.{key}", f"unknown reference (allowed: {', '.join(REFERENCE_KEYS)})")
    rem = _object(obj.get("remittance"), f"{path}.remittance", errors, required=False) or {}
    foreign = None
    if obj.get("foreign_amount") is not None:
        fobj = _object(obj["foreign_amount"], f"{path}.foreign_amount", errors)
        if fobj is not None:
            fcur = _currency(fobj.get("currency"), f"{path}.foreign_amount.currency", errors)
            famount = _amount(fobj.get("amount"), f"{path}.foreign_amount.amount", errors, fcur)
            if famount is not None and fcur:
                foreign = Money(famount, fcur)
    raw_details = obj.get("raw", {})
    if not isinstance(raw_details, dict):
        errors.add(f"{path}.raw", "must be an object")
    label = _text(obj, "label", path, errors) or ""
    texts = {key: _text(cp, key, f"{path}.counterparty", errors)
             for key in ("name", "iban", "account", "bic")}
    references = {key: _text(refs, key, f"{path}.references", errors, 140) for key in REFERENCE_KEYS}
    remittance = {key: _text(rem, key, f"{path}.remittance", errors)
                  for key in ("unstructured", "structured")}
    code = _text(obj, "bank_transaction_code", path, errors, 64)
    if len(errors.problems) > before:
        return None
    return StatementLineDTO(
        booking_date=booking, value_date=value_date, amount=Money(amount, currency),
        label=label or remittance["unstructured"] or "",
        counterparty_name=texts["name"],
        counterparty_iban=texts["iban"].replace(" ", "").upper() if texts["iban"] else None,
        counterparty_account=texts["account"], counterparty_bic=texts["bic"],
        bank_transaction_code=code,
        remittance_unstructured=remittance["unstructured"],
        remittance_structured=remittance["structured"],
        foreign_amount=foreign, raw=raw_details if isinstance(raw_details, dict) else {},
        **references,
    )


def _parse_balance(raw, path, account, currency, errors):
    obj = _object(raw, path, errors)
    if obj is None:
        return None
    before = len(errors.problems)
    kind, position = obj.get("kind"), obj.get("position", "closing")
    if kind not in BALANCE_KINDS:
        errors.add(f"{path}.kind", f"must be one of {', '.join(BALANCE_KINDS)}")
    if position not in BALANCE_POSITIONS:
        errors.add(f"{path}.position", f"must be one of {', '.join(BALANCE_POSITIONS)}")
    day = _date(obj.get("date"), f"{path}.date", errors)
    amount = _amount(obj.get("amount"), f"{path}.amount", errors, currency)
    if len(errors.problems) > before:
        return None
    return BalanceDTO(account=account, kind=kind, position=position, date=day,
                      amount=Money(amount, currency))


def parse_statement_document(document, source=None):
    """Validate a decoded JSON document and return a ``StatementDTO``."""
    errors = _Collector()
    root = _object(document, "$", errors)
    if root is None:
        raise FormatError(errors.problems, source)
    if root.get("format") != FORMAT_NAME:
        errors.add("$.format", f"must be {FORMAT_NAME!r}, got {root.get('format')!r}")
    if root.get("version") != FORMAT_VERSION:
        errors.add("$.version", f"unsupported version {root.get('version')!r} (supported: {FORMAT_VERSION})")
    stmt = _object(root.get("statement"), "$.statement", errors)
    if stmt is None:
        raise FormatError(errors.problems, source)
    account_obj = _object(stmt.get("account"), "$.statement.account", errors) or {}
    account = _text(account_obj, "iban", "$.statement.account", errors, 64) or \
        _text(account_obj, "number", "$.statement.account", errors, 64)
    if not account:
        errors.add("$.statement.account", "an iban or number is required")
    else:
        account = account.replace(" ", "").upper()
    currency = _currency(account_obj.get("currency"), "$.statement.account.currency", errors)
    day = _date(stmt.get("date"), "$.statement.date", errors)
    sequence = stmt.get("sequence")
    if sequence is not None and (not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0):
        errors.add("$.statement.sequence", "must be a non-negative integer")
        sequence = None
    opening = closing = None
    if stmt.get("opening_balance") is not None:
        opening = _amount(stmt["opening_balance"], "$.statement.opening_balance", errors, currency)
    if stmt.get("closing_balance") is not None:
        closing = _amount(stmt["closing_balance"], "$.statement.closing_balance", errors, currency)
    raw_lines = stmt.get("lines", [])
    if not isinstance(raw_lines, list):
        errors.add("$.statement.lines", "must be an array")
        raw_lines = []
    lines, balances = [], []
    if currency and account:
        for index, raw in enumerate(raw_lines):
            line = _parse_line(raw, f"$.statement.lines[{index}]", currency, errors)
            if line is not None:
                lines.append(line)
        raw_balances = stmt.get("balances", [])
        if not isinstance(raw_balances, list):
            errors.add("$.statement.balances", "must be an array")
            raw_balances = []
        for index, raw in enumerate(raw_balances):
            bal = _parse_balance(raw, f"$.statement.balances[{index}]", account, currency, errors)
            if bal is not None:
                balances.append(bal)
    # Balance arithmetic (opening + lines = closing) is checked at ingestion, per company setting.
    if errors.problems:
        raise FormatError(errors.problems, source)
    return StatementDTO(
        account=account, currency=currency, date=day, lines=tuple(lines),
        statement_id=_text(stmt, "id", "$.statement", errors, 140), sequence=sequence,
        opening_balance=opening, closing_balance=closing, balances=tuple(balances),
        intraday=bool(stmt.get("intraday", False)),
    )


def _check_depth(text, source):
    """Refuse a document nested deeper than MAX_JSON_DEPTH (strings removed, brackets counted in C)."""
    brackets = _NOT_BRACKETS_RE.sub("", _JSON_STRING_RE.sub("", text))
    if len(brackets) <= MAX_JSON_DEPTH:
        return
    steps = (1 if c in "[{" else -1 for c in brackets)
    depth = max(itertools.accumulate(steps), default=0)
    if depth > MAX_JSON_DEPTH:
        raise FormatError([("$", f"nested {depth} levels deep, at most {MAX_JSON_DEPTH} allowed")], source)


def parse_statement_json(data, source=None):
    """Parse bytes or text of a canonical JSON statement."""
    if isinstance(data, bytes):
        if len(data) > MAX_DOCUMENT_BYTES:
            raise FormatError([("$", f"document larger than {MAX_DOCUMENT_BYTES} bytes")], source)
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError([("$", f"not UTF-8 (byte {exc.start})")], source) from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise FormatError([("$", f"document larger than {MAX_DOCUMENT_BYTES} bytes")], source)
    _check_depth(data, source)
    try:
        document = json.loads(data, parse_float=Decimal, parse_int=_json_int, parse_constant=_Constant)
    except json.JSONDecodeError as exc:
        raise FormatError([(f"line {exc.lineno} column {exc.colno}", exc.msg)], source) from None
    except RecursionError:
        raise FormatError([("$", f"nested too deep (at most {MAX_JSON_DEPTH} levels)")], source) from None
    return parse_statement_document(document, source)


def statement_to_document(statement):
    """Inverse of the parser: used by the demo and by tests to write fixtures."""
    def money(value):
        return None if value is None else format(value, "f")

    lines = []
    for line in statement.lines:
        item = {"booking_date": line.booking_date.isoformat(), "amount": money(line.amount.amount),
                "label": line.label}
        if line.value_date:
            item["value_date"] = line.value_date.isoformat()
        cp = {k: v for k, v in (("name", line.counterparty_name), ("iban", line.counterparty_iban),
                                ("account", line.counterparty_account), ("bic", line.counterparty_bic)) if v}
        if cp:
            item["counterparty"] = cp
        refs = {k: getattr(line, k) for k in REFERENCE_KEYS if getattr(line, k)}
        if refs:
            item["references"] = refs
        rem = {k: v for k, v in (("unstructured", line.remittance_unstructured),
                                 ("structured", line.remittance_structured)) if v}
        if rem:
            item["remittance"] = rem
        if line.bank_transaction_code:
            item["bank_transaction_code"] = line.bank_transaction_code
        if line.foreign_amount:
            item["foreign_amount"] = {"amount": money(line.foreign_amount.amount),
                                      "currency": line.foreign_amount.currency}
        if line.raw:
            item["raw"] = dict(line.raw)
        lines.append(item)
    stmt = {"account": {"iban": statement.account, "currency": statement.currency},
            "date": statement.date.isoformat(), "lines": lines}
    if statement.statement_id:
        stmt["id"] = statement.statement_id
    if statement.sequence is not None:
        stmt["sequence"] = statement.sequence
    if statement.opening_balance is not None:
        stmt["opening_balance"] = money(statement.opening_balance)
    if statement.closing_balance is not None:
        stmt["closing_balance"] = money(statement.closing_balance)
    if statement.balances:
        stmt["balances"] = [{"kind": b.kind, "position": b.position, "date": b.date.isoformat(),
                             "amount": money(b.amount.amount)} for b in statement.balances]
    if statement.intraday:
        stmt["intraday"] = True
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "statement": stmt}


def _sniff(head):
    return head.lstrip()[:1] == b"{" and FORMAT_NAME.encode() in head


def _parse_file(data, filename):
    from .file_formats import ParsedFile
    return ParsedFile(format=FORMAT_NAME, statements=(parse_statement_json(data, source=filename),))


def _register():
    from .file_formats import register_file_format
    register_file_format(FORMAT_NAME, _sniff, _parse_file, "Finance Bridge JSON statement", priority=90)


_register()
