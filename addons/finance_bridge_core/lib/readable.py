"""Structured data (bank details, audit payloads, list aliases) as small HTML tables a person reads.

Pure: takes plain dicts/lists, returns ``markupsafe.Markup`` (every value escaped).
"""
import json

from markupsafe import Markup, escape


def _cell(value):
    if isinstance(value, dict | list):
        return Markup("<pre class='mb-0 small'>%s</pre>") % json.dumps(value, indent=2, ensure_ascii=False,
                                                                       sort_keys=True, default=str)
    return escape("" if value is None else str(value))


def key_value_table(mapping, labels=None):
    """One row per key: its label (``labels`` or the key made readable) and its value; False when empty."""
    if not mapping:
        return False
    labels = labels or {}
    rows = Markup("").join(
        Markup("<tr><th class='text-nowrap pe-3 align-top'>%s</th><td class='text-break'>%s</td></tr>")
        % (labels.get(key) or str(key).replace("_", " ").capitalize(), _cell(value))
        for key, value in mapping.items())
    return Markup("<table class='table table-sm mb-0'><tbody>%s</tbody></table>") % rows


def rows_table(headers, rows):
    """A header row and one row per item (sequence of cells); False when there are no rows."""
    if not rows:
        return False
    head = Markup("").join(Markup("<th>%s</th>") % h for h in headers)
    body = Markup("").join(Markup("<tr>%s</tr>") % Markup("").join(Markup("<td>%s</td>") % _cell(c) for c in row)
                           for row in rows)
    return Markup("<table class='table table-sm mb-0'><thead><tr>%s</tr></thead><tbody>%s</tbody></table>") % (
        head, body)


def parse_json(text):
    """A JSON text as data, or the text itself when it is not JSON."""
    try:
        return json.loads(text) if text else None
    except (TypeError, ValueError):
        return text
