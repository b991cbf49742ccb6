"""Decoding of MT940 files, whose charset no field declares.

Deliberate, per line: a line that is valid UTF-8 is UTF-8 (a file may mix UTF-8 lines with
lines of an 8-bit charset when a bank concatenates sources); any other line is read in the
charset declared for the bank (profile or connection) or, without one, as Windows-1252 (then
Latin-1 for the five bytes cp1252 leaves undefined) and a warning naming the lines is returned
for the import record. Never silently mojibake, never a crash.
"""
import codecs

from odoo.addons.finance_bridge_core.lib.errors import FormatError

FALLBACK_CHARSET = "cp1252"


def _legacy(line, charset):
    try:
        return line.decode(charset)
    except UnicodeDecodeError:
        return line.decode("latin-1")


def decode_mt940(data, source="mt940", declared=None):
    """``(text, warnings)`` of MT940 bytes; ``declared`` is the bank's charset when one is configured."""
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            raise FormatError([("file", f"unknown charset {declared!r} configured for this bank")], source) from None
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    charset = declared or FALLBACK_CHARSET
    lines, legacy, utf8_non_ascii = [], [], 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8")
            utf8_non_ascii += not line.isascii()
        except UnicodeDecodeError:
            text = _legacy(line, charset)
            legacy.append(number)
        lines.append(text)
    text = "\n".join(lines)
    if text.startswith("\ufeff"):
        text = text[1:]
    if declared and not utf8_non_ascii:
        return text, []
    shown = ", ".join(str(n) for n in legacy[:10]) + (" …" if len(legacy) > 10 else "")
    mixed = " (the file mixes UTF-8 and 8-bit lines)" if utf8_non_ascii else ""
    return text, [f"{source}: not UTF-8{mixed}: line(s) {shown} read as {charset}; check names and texts"]
