"""Watched-folder provider for the canonical JSON statement format.

A file channel like the bank-file folders: every ``*.json`` file it reads goes
through ``finance.file.import`` (Imported Files: the original kept, its result,
its statements and sync run), in name order (banks and the demo make names
sortable by date). Files are never moved: the engine skips the names this
connection already imported, and reads at most *Files per sync* new ones a run.
The folder must lie under the server's folder roots; symbolic links are never
followed (see ``lib/path_confinement``).
"""
from ..lib.json_statement_parser import MAX_DOCUMENT_BYTES
from ..lib.path_confinement import ConfinedDir
from ..lib.provider_registry import Capability, ConfigField, Provider, register_provider

MAX_FILES_PER_SYNC = 200


@register_provider
class JsonFolderProvider(Provider):
    key = "json_folder"
    label = "Watched folder (canonical JSON statements)"
    channel = "folder"
    # A file channel: balances come inside the statement files (no BALANCES query).
    capabilities = frozenset({Capability.FILES, Capability.STATEMENTS})
    # A document larger than the parser's bound is refused unread (Imported Files says so).
    max_file_bytes = MAX_DOCUMENT_BYTES
    config_schema = (
        ConfigField("inbound_path", "Inbound folder", "path", required=True,
                    help="Folder on the Odoo server where statement files arrive."),
        ConfigField("pattern_suffix", "File suffix", "char", default=".json",
                    help="Only files ending with this suffix are read."),
        ConfigField("max_files", "Files per sync", "int", default=MAX_FILES_PER_SYNC,
                    help="New files read by one synchronisation at most; the next one goes on."),
    )

    def _folder(self):
        return ConfinedDir.open(self.config.get("inbound_path"), self.context.folder_roots, "inbound folder")

    def test_connection(self):
        with self._folder() as folder:
            count = len(self.list_inbound())
        return f"Folder {folder.path} is readable; it holds {count} statement file(s)."

    def waiting_files(self, imported):
        """Files are never moved here: those this connection has not imported yet are waiting."""
        return f"{len([n for n in self.list_inbound() if n not in imported])} not imported yet."

    def files_per_sync(self):
        return int(self.config.get("max_files") or MAX_FILES_PER_SYNC)

    def list_inbound(self):
        with self._folder() as folder:
            return folder.files(suffix=self.config.get("pattern_suffix") or ".json", hidden=True)

    def read_inbound(self, name):
        with self._folder() as folder:
            return folder.read(name)

    def inbound_size(self, name):
        with self._folder() as folder:
            info = folder.lstat(name)
        return info.st_size if info is not None else None

    def acknowledge(self, name, ok):
        """Files stay where they are: the folder is the bank's, Imported Files records what was read."""
