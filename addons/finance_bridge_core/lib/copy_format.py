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


def copy_text(rows, columns):
    """The rows (dicts) as COPY text, columns in the given order."""
    return "".join("\t".join(copy_value(row[c]) for c in columns) + "\n" for row in rows)
