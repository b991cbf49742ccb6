"""Registers MT940/MT942 in the core's file format registry."""
import re

from odoo.addons.finance_bridge_core.lib.file_formats import ParsedFile, register_file_format

from .mt940_parser import decode_file, parse_mt940

SNIFF_RE = re.compile(rb"(^|\n|\{4:\s*)(:20:|:25:|:28C:|:60F:|:61:)")


def parse_file(data, filename, charset=None):
    """Decoded first (warnings about the charset are kept on the import record), then parsed;
    ``charset`` is the connection's declared charset for lines that are not UTF-8."""
    text, warnings = decode_file(data, filename, charset)
    return ParsedFile(format="mt940", statements=tuple(parse_mt940(text, filename)), notes=tuple(warnings))


register_file_format("mt940", lambda head: bool(SNIFF_RE.search(head)) and b"<" not in head[:5], parse_file,
                     "SWIFT MT940/MT942", priority=30, charset_aware=True)
