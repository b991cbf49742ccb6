"""Watched folders on the Odoo server: inbound statements and statuses, outbound pain.001.

Inbound files are acknowledged after the import committed: moved to
``processed/`` or ``failed/`` with an atomic rename. Outbound files are
written under a temporary name and renamed, so the bank's pick-up never sees
half a file; a file whose content is already in the folder is not written again.
Both folders must lie under the server's folder roots; every operation goes
through an open folder descriptor and never follows a symbolic link.
"""
from odoo.addons.finance_bridge_core.lib.errors import ProviderError
from odoo.addons.finance_bridge_core.lib.path_confinement import ConfinedDir
from odoo.addons.finance_bridge_core.lib.provider_registry import Capability, ConfigField, Provider, register_provider

from .file_channel import OutboundPainMixin

MAX_FILES = 500


@register_provider
class FolderChannel(OutboundPainMixin, Provider):
    key = "iso20022_folder"
    label = "Bank files: watched folder (camt, pain, MT940)"
    channel = "folder"
    capabilities = frozenset({Capability.FILES, Capability.STATEMENTS, Capability.STATUS, Capability.PAYMENTS})
    config_schema = (
        ConfigField("inbound_path", "Inbound folder", "path", required=True,
                    help="Where the bank's files arrive; processed/ and failed/ subfolders are created."),
        ConfigField("outbound_path", "Outbound folder", "path",
                    help="Where pain.001 payment files are written for the bank to collect."),
        ConfigField("files_charset", "Charset of 8-bit files",
                    help="MT940 files declare no charset: lines that are not UTF-8 are read in this one "
                         "(e.g. cp1252, iso-8859-2). Empty: cp1252, with a warning on the import."),
    )

    def _dir(self, key):
        return ConfinedDir.open(self.config.get(key), self.context.folder_roots, key.replace("_", " "))

    def test_connection(self):
        with self._dir("inbound_path") as inbound:
            return f"{inbound.path} readable, {len(self.list_inbound())} file(s) waiting"

    def list_inbound(self):
        with self._dir("inbound_path") as inbound:
            return inbound.files()[:MAX_FILES]

    def read_inbound(self, name):
        with self._dir("inbound_path") as inbound:
            return inbound.read(name)

    def inbound_size(self, name):
        with self._dir("inbound_path") as inbound:
            info = inbound.lstat(name)
        return info.st_size if info is not None else None

    def acknowledge(self, name, ok):
        with self._dir("inbound_path") as inbound, inbound.subdir("processed" if ok else "failed") as target:
            inbound.move(name, target)

    def _deliver(self, name, xml, digest):
        with self._dir("outbound_path") as outbound:
            if outbound.lstat(name) is not None:
                if outbound.read(name) == xml:
                    return name  # already delivered: the same file is never written twice
                raise ProviderError(f"{name} exists with other content: a MsgId is never sent twice",
                                    retryable=False)
            outbound.write_atomic(name, xml)
        return name
