"""Client certificates and keys held as encrypted secrets, turned into mTLS sessions and signing keys.

The vault gives PEM text (certificate + key, the key optionally encrypted) or a base64 PKCS#12 with
its passphrase. Python's ``ssl`` loads a client certificate from a *path* only; the key never
reaches a file in clear: it is re-encrypted with a one-time random password, written to an
anonymous in-memory file (``memfd_create``, Linux) or — where that does not exist — to a 0600 file
in a private 0700 directory, loaded, and closed/unlinked in the same call.
"""
import base64
import os
import secrets
import shutil
import ssl
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from requests.adapters import HTTPAdapter

from .errors import FinanceBridgeError

DEFAULT_WARNING_DAYS = 14


class TlsMaterialError(FinanceBridgeError):
    """A certificate, key or PKCS#12 bundle that cannot be used; says which and why."""


@dataclass(frozen=True)
class ClientMaterial:
    """A certificate, its private key and the intermediate chain (as loaded objects, never text)."""
    certificate: x509.Certificate
    private_key: object
    chain: tuple = ()

    @property
    def not_valid_after(self):
        """Expiry as an aware UTC datetime."""
        return self.certificate.not_valid_after.replace(tzinfo=timezone.utc)

    @property
    def subject(self):
        return self.certificate.subject.rfc4514_string()

    @property
    def serial_hex(self):
        return f"{self.certificate.serial_number:x}"

    def days_left(self, now=None):
        now = now or datetime.now(timezone.utc)
        return (self.not_valid_after - now).days

    def expires_within(self, days=DEFAULT_WARNING_DAYS, now=None):
        return self.days_left(now) < days


def _as_bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else (value or b"")


def _matching(certificate, private_key, what):
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    if certificate.public_key().public_bytes(serialization.Encoding.DER, pub) != \
            private_key.public_key().public_bytes(serialization.Encoding.DER, pub):
        raise TlsMaterialError(f"{what}: the private key does not belong to the certificate")


def load_pem_material(cert_pem, key_pem, passphrase=None, what="client certificate"):
    """Certificate (first PEM block; further blocks = chain) and private key from PEM text."""
    blocks = [b for b in _as_bytes(cert_pem).split(b"-----END CERTIFICATE-----") if b"-----BEGIN" in b]
    if not blocks:
        raise TlsMaterialError(f"{what}: no PEM certificate (-----BEGIN CERTIFICATE-----) found")
    try:
        certs = [x509.load_pem_x509_certificate(b + b"-----END CERTIFICATE-----\n") for b in blocks]
    except ValueError as exc:
        raise TlsMaterialError(f"{what}: certificate PEM unreadable ({exc})") from None
    try:
        key = serialization.load_pem_private_key(_as_bytes(key_pem), _as_bytes(passphrase) or None)
    except TypeError:
        raise TlsMaterialError(f"{what}: the private key is encrypted; its passphrase is missing or "
                               "was given for an unencrypted key") from None
    except ValueError:
        raise TlsMaterialError(f"{what}: the private key PEM is unreadable or the passphrase is wrong") from None
    _matching(certs[0], key, what)
    return ClientMaterial(certificate=certs[0], private_key=key, chain=tuple(certs[1:]))


def load_pkcs12_material(pkcs12_data, passphrase=None, what="client certificate"):
    """Certificate, key and chain from a PKCS#12 bundle (raw bytes or base64 text)."""
    data = pkcs12_data
    if isinstance(data, str):
        try:
            data = base64.b64decode("".join(data.split()), validate=True)
        except ValueError:
            raise TlsMaterialError(f"{what}: the PKCS#12 secret is not base64") from None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, _as_bytes(passphrase) or None)
    except ValueError:
        raise TlsMaterialError(f"{what}: PKCS#12 unreadable or wrong passphrase") from None
    if cert is None or key is None:
        raise TlsMaterialError(f"{what}: the PKCS#12 bundle holds no certificate with its private key")
    _matching(cert, key, what)
    return ClientMaterial(certificate=cert, private_key=key, chain=tuple(extra or ()))


def load_material(cert_pem=None, key_pem=None, pkcs12_data=None, passphrase=None, what="client certificate"):
    """PEM pair or PKCS#12 — whichever the connection holds."""
    if pkcs12_data:
        return load_pkcs12_material(pkcs12_data, passphrase, what)
    if cert_pem and key_pem:
        return load_pem_material(cert_pem, key_pem, passphrase, what)
    raise TlsMaterialError(f"{what}: set either the certificate and key (PEM) or a PKCS#12 bundle")


@contextmanager
def _private_path(data):
    """A path that reads ``data`` for the duration of the block: an in-memory file when possible."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("fb-tls", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    folder = tempfile.mkdtemp(prefix="fb-tls-")  # 0700
    path = os.path.join(folder, "chain.pem")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def ssl_context(material, ca_pem=None, verify=True):
    """A client ``SSLContext`` presenting ``material``; ``ca_pem`` = the bank's CA (else the system's)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # urllib3 1.26 matches the host name itself after the handshake (and sends no SNI for an IP
    # address, which ssl's own check refuses): the certificate chain is still verified here.
    context.check_hostname = False
    if ca_pem:
        context.load_verify_locations(cadata=_as_bytes(ca_pem).decode("ascii"))
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    once = secrets.token_bytes(32)
    key_pem = material.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(once))
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (material.certificate, *material.chain))
    with _private_path(chain + key_pem) as path:
        try:
            context.load_cert_chain(path, password=once)
        except ssl.SSLError as exc:
            raise TlsMaterialError(f"client certificate not usable for TLS: {exc.reason or exc}") from None
    return context


class ClientCertAdapter(HTTPAdapter):
    """A requests adapter whose connections present a client certificate from an ``SSLContext``."""

    def __init__(self, context, **kwargs):
        self._context = context
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["ssl_context"] = self._context
        return super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args, **kwargs):
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(*args, **kwargs)


def mount_client_certificate(session, material, ca_pem=None, prefix="https://"):
    """Make ``session`` present ``material`` on HTTPS, keeping its retry policy; returns the session.

    ``ca_pem`` pins the bank's CA for this session (the CA certificate is public: it may be a setting).
    """
    context = ssl_context(material, ca_pem=ca_pem)
    current = session.get_adapter(prefix) if session.adapters else None
    retries = getattr(current, "max_retries", 0)
    session.mount(prefix, ClientCertAdapter(context, max_retries=retries))
    return session


@dataclass(frozen=True)
class MaterialSecrets:
    """Names of the secrets that hold one certificate: a PEM pair, or a PKCS#12 bundle (base64).

    A provider declares e.g. ``tls_material = MaterialSecrets("tls_cert", "tls_key", "tls_p12",
    "tls_passphrase")`` and ``signing_material = ...``; the core reads their expiry for the warning.
    """
    certificate: str | None = None
    private_key: str | None = None
    pkcs12: str | None = None
    passphrase: str | None = None
    label: str = "client certificate"

    def names(self):
        return tuple(n for n in (self.certificate, self.private_key, self.pkcs12, self.passphrase) if n)

    def load(self, secret):
        """``ClientMaterial`` from ``secret(name) -> str | None`` (None when nothing is set)."""
        def get(name):
            return secret(name) if name else None

        cert, key, p12 = get(self.certificate), get(self.private_key), get(self.pkcs12)
        passphrase = get(self.passphrase)
        if not (p12 or cert or key):
            return None
        return load_material(cert, key, p12, passphrase, what=self.label)


def provider_materials(provider_cls):
    """The ``MaterialSecrets`` a provider class declares (``tls_material``, ``signing_material``)."""
    found = []
    for attr in ("tls_material", "signing_material"):
        spec = getattr(provider_cls, attr, None)
        if isinstance(spec, MaterialSecrets):
            found.append(spec)
    return tuple(found)
