"""SFTP channel (paramiko): pinned host key, key or password auth from the connection's secrets.

Downloads new files from the inbound directory (a file already imported by
name is never downloaded again), uploads pain.001 to a temporary name and
renames it when complete.
"""
import base64
import io
import posixpath
import stat

import paramiko

from odoo.addons.finance_bridge_core.lib.errors import ProviderError
from odoo.addons.finance_bridge_core.lib.provider_registry import (
    Capability,
    ConfigField,
    Provider,
    SecretField,
    register_provider,
)

from .file_channel import OutboundPainMixin

TIMEOUT = 20.0


class _PinnedKey(paramiko.MissingHostKeyPolicy):
    """Unknown or changed host key = refused; the pinned key is compared by the transport."""

    def missing_host_key(self, client, hostname, key):
        raise paramiko.SSHException(f"host key of {hostname} is not the pinned one "
                                    f"({key.get_name()} {key.get_base64()[:16]}…): refused")


def _load_private_key(text, passphrase):
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text), password=passphrase or None)
        except (paramiko.SSHException, ValueError):
            continue
    raise ProviderError("the SFTP private key cannot be read (format or passphrase)", retryable=False)


@register_provider
class SftpChannel(OutboundPainMixin, Provider):
    key = "iso20022_sftp"
    label = "Bank files: SFTP (camt, pain, MT940)"
    channel = "sftp"
    capabilities = frozenset({Capability.FILES, Capability.STATEMENTS, Capability.STATUS, Capability.PAYMENTS})
    config_schema = (
        ConfigField("host", "Host", "char", required=True, binding=True),
        ConfigField("port", "Port", "int", default=22, binding=True),
        ConfigField("username", "User", "char", required=True, binding=True),
        ConfigField("host_key", "Pinned host key", "char", required=True, binding=True,
                    help="The server's public key, as in known_hosts: 'ssh-ed25519 AAAA…'. Unknown or changed "
                         "keys are refused."),
        ConfigField("inbound_dir", "Inbound directory", "char", default="/outbox"),
        ConfigField("outbound_dir", "Outbound directory", "char", default="/inbox"),
        ConfigField("processed_dir", "Move downloaded files to", "char",
                    help="Optional; without it files stay on the server and are skipped by name."),
        ConfigField("files_charset", "Charset of 8-bit files",
                    help="MT940 files declare no charset: lines that are not UTF-8 are read in this one "
                         "(e.g. cp1252, iso-8859-2). Empty: cp1252, with a warning on the import."),
    )
    secret_schema = (SecretField("password", "Password"), SecretField("private_key", "Private key (PEM/OpenSSH)"),
                     SecretField("passphrase", "Private key passphrase"))

    def __init__(self, context):
        super().__init__(context)
        self._client = None

    def _pinned(self):
        parts = (self.config.get("host_key") or "").split()
        if len(parts) < 2:
            raise ProviderError("the pinned host key must be 'type base64'", retryable=False)
        try:
            return paramiko.PKey.from_type_string(parts[0], base64.b64decode(parts[1]))
        except Exception:  # noqa: BLE001 - any malformed key
            raise ProviderError("the pinned host key cannot be read", retryable=False) from None

    def _sftp(self):
        if self._client is not None:
            return self._client.open_sftp()
        client = paramiko.SSHClient()
        host, port = self.config["host"], int(self.config.get("port") or 22)
        pinned = self._pinned()
        name = host if port == 22 else f"[{host}]:{port}"
        client.get_host_keys().add(name, pinned.get_name(), pinned)
        client.set_missing_host_key_policy(_PinnedKey())
        key_text = self.context.secrets("private_key")
        kwargs = {"username": self.config["username"], "timeout": TIMEOUT, "banner_timeout": TIMEOUT,
                  "auth_timeout": TIMEOUT, "allow_agent": False, "look_for_keys": False}
        if key_text:
            kwargs["pkey"] = _load_private_key(key_text, self.context.secrets("passphrase"))
        else:
            kwargs["password"] = self.context.secrets("password")
        try:
            client.connect(host, port=port, **kwargs)
        except paramiko.BadHostKeyException:
            raise ProviderError(f"host key of {host} changed: refused (expected the pinned key)",
                                retryable=False) from None
        except paramiko.AuthenticationException:
            raise ProviderError(f"SFTP login to {host} refused", retryable=False) from None
        except (paramiko.SSHException, OSError) as exc:
            raise ProviderError(f"SFTP {host}:{port}: {exc}", retryable=True) from None
        self._client = client
        return client.open_sftp()

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None

    def test_connection(self):
        with self._sftp() as sftp:
            count = len(sftp.listdir(self.config.get("inbound_dir") or "."))
        return f"SFTP login works; {count} entr(y/ies) in the inbound directory"

    def list_inbound(self):
        inbound = self.config.get("inbound_dir") or "."
        with self._sftp() as sftp:
            entries = sftp.listdir_attr(inbound)
        return sorted(e.filename for e in entries if stat.S_ISREG(e.st_mode) and not e.filename.startswith("."))

    def read_inbound(self, name):
        path = posixpath.join(self.config.get("inbound_dir") or ".", posixpath.basename(name))
        buffer = io.BytesIO()
        with self._sftp() as sftp:
            sftp.getfo(path, buffer)
        return buffer.getvalue()

    def inbound_size(self, name):
        with self._sftp() as sftp:
            return sftp.stat(posixpath.join(self.config.get("inbound_dir") or ".", posixpath.basename(name))).st_size

    def acknowledge(self, name, ok):
        processed = self.config.get("processed_dir")
        if not processed or not ok:
            return
        inbound = self.config.get("inbound_dir") or "."
        with self._sftp() as sftp:
            sftp.posix_rename(posixpath.join(inbound, name), posixpath.join(processed, name))

    def _deliver(self, name, xml, digest):
        outbound = self.config.get("outbound_dir") or "."
        final, temp = posixpath.join(outbound, name), posixpath.join(outbound, f".{name}.part")
        with self._sftp() as sftp:
            try:
                existing = sftp.stat(final)
            except OSError:
                existing = None
            if existing is not None:
                buffer = io.BytesIO()
                sftp.getfo(final, buffer)
                if buffer.getvalue() == xml:
                    return name
                raise ProviderError(f"{name} exists on the server with other content", retryable=False)
            sftp.putfo(io.BytesIO(xml), temp, confirm=True)
            sftp.posix_rename(temp, final)
        return name
