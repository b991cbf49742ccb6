"""Watched folders on the Odoo server: inbound statements and statuses, outbound pain.001.

Inbound files are acknowledged after the import committed: moved to
``processed/`` or ``failed/`` with an atomic rename. Outbound files are
written under a temporary name and renamed, so the bank's pick-up never sees
half a file; a file whose content is already in the folder is not written again.
"""
import os

from odoo.addons.finance_bridge_core.lib.errors import ProviderError
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
        path = self.config.get(key)
        if not path or not os.path.isdir(path):
            raise ProviderError(f"{key.replace('_', ' ')} {path!r} does not exist", retryable=True)
        return path

    def test_connection(self):
        inbound = self._dir("inbound_path")
        return f"{inbound} readable, {len(self.list_inbound())} file(s) waiting"

    def list_inbound(self):
        inbound = self._dir("inbound_path")
        names = sorted(n for n in os.listdir(inbound)
                       if not n.startswith(".") and os.path.isfile(os.path.join(inbound, n)))
        return names[:MAX_FILES]

    def read_inbound(self, name):
        with open(os.path.join(self._dir("inbound_path"), os.path.basename(name)), "rb") as handle:
            return handle.read()

    def inbound_size(self, name):
        return os.path.getsize(os.path.join(self._dir("inbound_path"), os.path.basename(name)))

    def acknowledge(self, name, ok):
        inbound = self._dir("inbound_path")
        target_dir = os.path.join(inbound, "processed" if ok else "failed")
        os.makedirs(target_dir, exist_ok=True)
        source = os.path.join(inbound, os.path.basename(name))
        if os.path.exists(source):
            os.replace(source, os.path.join(target_dir, os.path.basename(name)))

    def _deliver(self, name, xml, digest):
        outbound = self._dir("outbound_path")
        final = os.path.join(outbound, name)
        if os.path.exists(final):
            with open(final, "rb") as handle:
                if handle.read() == xml:
                    return name  # already delivered: the same file is never written twice
            raise ProviderError(f"{name} exists with other content: a MsgId is never sent twice", retryable=False)
        temp = os.path.join(outbound, f".{name}.part")
        with open(temp, "wb") as handle:
            handle.write(xml)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
        return name
