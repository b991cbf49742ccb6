"""Registry of bank file formats: adapters register a sniffer and a parser.

The upload wizard, the watched folder and SFTP channels hand every file to
``detect``; no channel knows a format by name.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import FormatError


@dataclass(frozen=True)
class ParsedFile:
    format: str
    statements: tuple = ()
    status_events: tuple = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatementChunk:
    """Part of a statement read incrementally: its header (``lines`` empty) and the next lines."""
    statement: object          # StatementDTO without lines
    lines: tuple = ()
    first: bool = True         # the statement's first chunk
    last: bool = True          # no more lines follow for this statement


@dataclass(frozen=True)
class FileFormat:
    name: str
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes, str], ParsedFile]
    label: str = ""
    priority: int = 10
    module: str = field(default="")
    # Optional incremental reader for large files: returns an iterable of StatementChunk with
    # ``format``, ``notes``, ``status_events`` (complete once exhausted), ``position`` and ``size``.
    stream: Callable | None = None
    # The parser takes ``charset=`` (bytes in no declared encoding, e.g. MT940): the connection's
    # "files_charset" setting is handed to it.
    charset_aware: bool = False


def chunks_of(parsed):
    """A parsed file as chunks: one per statement."""
    for statement in parsed.statements:
        yield StatementChunk(statement=statement, lines=statement.lines)


_FORMATS = {}


def register_file_format(name, sniff, parse, label="", priority=10, stream=None, charset_aware=False):
    _FORMATS[name] = FileFormat(name, sniff, parse, label or name, priority, parse.__module__, stream,
                                charset_aware)


def file_formats():
    return sorted(_FORMATS.values(), key=lambda f: (f.priority, f.name))


# Byte order marks and NUL patterns of 16/32-bit encodings: every reader expects UTF-8 or an 8-bit
# charset, so such a file is refused by name instead of "format not recognised".
WIDE_ENCODINGS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                  (b"\xfe\xff", "UTF-16"), (b"<\x00?\x00", "UTF-16"), (b"\x00<\x00?", "UTF-16"))


def detect(data, filename, is_installed=lambda fmt: True):
    head = data[:4096]
    for mark, encoding in WIDE_ENCODINGS:
        if head.startswith(mark):
            raise FormatError([("file", f"{encoding} encoded: not supported, the bank must send UTF-8 "
                                        f"(or an 8-bit charset)")], filename)
    if not data:
        raise FormatError([("file", "empty file (0 bytes): format not recognised")], filename)
    for fmt in file_formats():
        if is_installed(fmt) and fmt.sniff(head):
            return fmt
    raise FormatError([("file", "format not recognised (supported: "
                       + ", ".join(f.label for f in file_formats() if is_installed(f)) + ")")], filename)
