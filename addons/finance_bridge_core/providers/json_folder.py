"""Watched-folder provider for the canonical JSON statement format.

Reads ``*.json`` files from an inbound folder. The cursor is the name of the
last file taken (files are processed in name order, which banks and the demo
make sortable by date). Nothing is moved here: the cursor advances in the
same transaction as the ingested lines, so a crash re-reads the same files.
"""
import os

from ..lib.dto import FetchResult
from ..lib.errors import FormatError, ProviderError
from ..lib.json_statement_parser import MAX_DOCUMENT_BYTES, parse_statement_json
from ..lib.provider_registry import Capability, ConfigField, Provider, register_provider

MAX_FILES_PER_SYNC = 200


@register_provider
class JsonFolderProvider(Provider):
    key = "json_folder"
    label = "Watched folder (canonical JSON statements)"
    capabilities = frozenset({Capability.STATEMENTS, Capability.BALANCES})
    config_schema = (
        ConfigField("inbound_path", "Inbound folder", "path", required=True,
                    help="Folder on the Odoo server where statement files arrive."),
        ConfigField("pattern_suffix", "File suffix", "char", default=".json",
                    help="Only files ending with this suffix are read."),
        ConfigField("max_files", "Files per sync", "int", default=MAX_FILES_PER_SYNC),
    )

    def _folder(self):
        path = self.config.get("inbound_path")
        if not path or not os.path.isdir(path):
            raise ProviderError(f"inbound folder {path!r} does not exist or is not a folder", retryable=True)
        if not os.access(path, os.R_OK):
            raise ProviderError(f"inbound folder {path!r} is not readable", retryable=True)
        return path

    def test_connection(self):
        folder = self._folder()
        count = len(self._pending(folder, None))
        return f"Folder {folder} is readable; {count} statement file(s) waiting."

    def _pending(self, folder, cursor):
        suffix = self.config.get("pattern_suffix") or ".json"
        names = sorted(n for n in os.listdir(folder)
                       if n.endswith(suffix) and os.path.isfile(os.path.join(folder, n)))
        return [n for n in names if cursor is None or n > cursor]

    def fetch_statements(self, account, cursor):
        folder = self._folder()
        pending = self._pending(folder, cursor)
        limit = int(self.config.get("max_files") or MAX_FILES_PER_SYNC)
        statements, last = [], cursor
        for name in pending[:limit]:
            path = os.path.join(folder, name)
            size = os.path.getsize(path)
            if size > MAX_DOCUMENT_BYTES:  # refused by its size, before it is read into memory
                raise FormatError([("file", f"{size} bytes exceeds {MAX_DOCUMENT_BYTES}: not read")], name)
            with open(path, "rb") as handle:
                data = handle.read()
            statement = parse_statement_json(data, source=name)
            last = name
            if statement.account == account:
                statements.append(statement)
        return FetchResult(statements=tuple(statements),
                           balances=tuple(b for s in statements for b in s.balances),
                           next_cursor=last, has_more=len(pending) > limit)
