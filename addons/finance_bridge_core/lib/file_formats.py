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
class FileFormat:
    name: str
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes, str], ParsedFile]
    label: str = ""
    priority: int = 10
    module: str = field(default="")


_FORMATS = {}


def register_file_format(name, sniff, parse, label="", priority=10):
    _FORMATS[name] = FileFormat(name, sniff, parse, label or name, priority, parse.__module__)


def file_formats():
    return sorted(_FORMATS.values(), key=lambda f: (f.priority, f.name))


def detect(data, filename, is_installed=lambda fmt: True):
    head = data[:4096]
    for fmt in file_formats():
        if is_installed(fmt) and fmt.sniff(head):
            return fmt
    raise FormatError([("file", "format not recognised (supported: "
                       + ", ".join(f.label for f in file_formats() if is_installed(f)) + ")")], filename)
