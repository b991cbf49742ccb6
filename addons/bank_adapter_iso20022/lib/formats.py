"""Registers the ISO 20022 readers in the core's file format registry."""
import re

from odoo.addons.finance_bridge_core.lib.file_formats import ParsedFile, register_file_format

from .camt_parser import parse_camt, stream_camt
from .pain002_parser import parse_pain002

CAMT_RE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.001\.\d\d")
PAIN002_RE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.\d\d")


def parse_camt_file(data, filename):
    result = parse_camt(data, filename)
    return ParsedFile(format=result.message, statements=result.statements, status_events=result.status_events,
                      notes=result.notes)


def parse_pain002_file(data, filename):
    return ParsedFile(format="pain.002", status_events=tuple(parse_pain002(data, filename)))


# Lines handed to the ingestion at a time when a camt file is read incrementally.
CHUNK_LINES = 2000


def stream_camt_file(data, filename):
    reader = stream_camt(data, filename, CHUNK_LINES)
    reader.format = "camt"
    return reader


register_file_format("camt", lambda head: bool(CAMT_RE.search(head)), parse_camt_file,
                     "ISO 20022 camt.052/053/054", priority=20, stream=stream_camt_file)
register_file_format("pain.002", lambda head: bool(PAIN002_RE.search(head)), parse_pain002_file,
                     "ISO 20022 pain.002", priority=20)
