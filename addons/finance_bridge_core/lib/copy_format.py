"""Rows in PostgreSQL's COPY text format: the bulk writer's inserts, without a statement per page.

COPY is read by the server as one stream (no per-row parsing of SQL, rows inserted in batches),
and the client does not quote every value through ``mogrify``.
"""
import json
from datetime import date, datetime
from decimal import Decimal

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value):
    """One value as COPY text (``\\N`` for NULL)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value).translate(_ESCAPES)
    adapted = getattr(value, "adapted", None)   # psycopg2's Json wrapper
    if adapted is not None:
        return json.dumps(adapted).translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


# The common types by exact type, without the chain of isinstance checks (millions of values).
_FAST = {
    str: lambda value: value.translate(_ESCAPES),
    int: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    date: date.isoformat,
    datetime: datetime.isoformat,
    type(None): lambda _value: "\\N",
}


def copy_text(rows, columns):
    """The rows (dicts) as COPY text, columns in the given order."""
    fast, slow = _FAST.get, copy_value
    return "".join(["\t".join([fast(type(value), slow)(value) for value in map(row.__getitem__, columns)]) + "\n"
                    for row in rows])
