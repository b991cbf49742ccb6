"""Watched-folder provider for the canonical JSON statement format.

Reads ``*.json`` files from an inbound folder. The cursor is the name of the
last file taken (files are processed in name order, which banks and the demo
make sortable by date). Nothing is moved here: the cursor advances in the
same transaction as the ingested lines, so a crash re-reads the same files.
The folder must lie under the server's folder roots; symbolic links are never
followed (see ``lib/path_confinement``).
"""
from ..lib.dto import FetchResult
from ..lib.errors import FormatError
from ..lib.json_statement_parser import MAX_DOCUMENT_BYTES, parse_statement_json
from ..lib.path_confinement import ConfinedDir
from ..lib.provider_registry import Capability, ConfigField, Provider, register_provider

MAX_FILES_PER_SYNC = 200


@register_provider
class JsonFolderProvider(Provider):
    key = "json_folder"
    label = "Watched folder (canonical JSON statements)"
    # The balances of a statement file come with it (FetchResult.balances): no BALANCES query.
    capabilities = frozenset({Capability.STATEMENTS})
    config_schema = (
        ConfigField("inbound_path", "Inbound folder", "path", required=True,
                    help="Folder on the Odoo server where statement files arrive."),
        ConfigField("pattern_suffix", "File suffix", "char", default=".json",
                    help="Only files ending with this suffix are read."),
        ConfigField("max_files", "Files per sync", "int", default=MAX_FILES_PER_SYNC),
    )

    def _folder(self):
        return ConfinedDir.open(self.config.get("inbound_path"), self.context.folder_roots, "inbound folder")

    def test_connection(self):
        with self._folder() as folder:
            count = len(self._pending(folder, None))
        return f"Folder {folder.path} is readable; it holds {count} statement file(s)."

    def waiting_files(self, cursors):
        """Files are never moved here: only those after an account's cursor are still to be read."""
        oldest = min(cursors) if cursors and all(cursors) else None
        with self._folder() as folder:
            return f"{len(self._pending(folder, oldest))} not read yet."

    def _pending(self, folder, cursor):
        names = folder.files(suffix=self.config.get("pattern_suffix") or ".json", hidden=True)
        return [n for n in names if cursor is None or n > cursor]

    def fetch_statements(self, account, cursor):
        with self._folder() as folder:
            return self._fetch(folder, account, cursor)

    def _fetch(self, folder, account, cursor):
        pending = self._pending(folder, cursor)
        limit = int(self.config.get("max_files") or MAX_FILES_PER_SYNC)
        statements, last = [], cursor
        for name in pending[:limit]:
            info = folder.lstat(name)
            if info is not None and info.st_size > MAX_DOCUMENT_BYTES:  # refused by its size, before it is read
                raise FormatError([("file", f"{info.st_size} bytes exceeds {MAX_DOCUMENT_BYTES}: not read")], name)
            data = folder.read(name)
            statement = parse_statement_json(data, source=name)
            last = name
            if statement.account == account:
                statements.append(statement)
        return FetchResult(statements=tuple(statements),
                           balances=tuple(b for s in statements for b in s.balances),
                           next_cursor=last, has_more=len(pending) > limit)
