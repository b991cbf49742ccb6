"""The simulated bank's own test PKI: a CA, the server certificate and TPP certificates it issues.

A real bank trusts QWACs (mutual TLS) and QSealCs (request signatures) from qualified trust service
providers; the simulator plays that role with one CA of its own, so a test can get a valid TPP
identity, one from a foreign CA, or an expired one, as PEM bytes.
"""
import dataclasses
import datetime
import threading

from cryptography import x509
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# ETSI organisation identifier of a PSD2 TPP: "PSD" + country + "-" + authority + "-" + id.
ORG_ID_OID = x509.ObjectIdentifier("2.5.4.97")


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048, backend=default_backend())


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclasses.dataclass(frozen=True)
class TppIdentity:
    """What a TPP holds: a QWAC-like TLS certificate and a QSealC-like signing certificate, with keys."""

    client_id: str
    tls_cert_pem: bytes
    tls_key_pem: bytes
    seal_cert_pem: bytes
    seal_key_pem: bytes
    ca_pem: bytes

    @property
    def seal_cert(self):
        return x509.load_pem_x509_certificate(self.seal_cert_pem, default_backend())


class TestCA:
    """One certificate authority; `issue_*` return PEM bytes. Thread-safe, keys are 2048-bit RSA."""

    __test__ = False  # not a pytest class

    def __init__(self, name="PSD2 Simulator Test CA"):
        self._lock = threading.Lock()
        self.key = _key()
        now = datetime.datetime.utcnow()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "finance_bridge test bank")])
        self.cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256(), default_backend())
        )
        self.ca_pem = _pem_cert(self.cert)
        self._cache = {}

    @classmethod
    def load_or_create(cls, folder):
        """The CA kept in ``folder`` (ca.pem, ca_key.pem), created there the first time: a simulator
        restarted with the same folder keeps trusting the TPP certificates it issued before."""
        import os
        import pathlib
        folder = pathlib.Path(folder)
        cert_path, key_path = folder / "ca.pem", folder / "ca_key.pem"
        if cert_path.exists() and key_path.exists():
            ca = cls.__new__(cls)
            ca._lock = threading.Lock()
            ca.key = serialization.load_pem_private_key(key_path.read_bytes(), None, default_backend())
            ca.cert = x509.load_pem_x509_certificate(cert_path.read_bytes(), default_backend())
            ca.ca_pem = _pem_cert(ca.cert)
            ca._cache = {}
            return ca
        ca = cls()
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_pem_key(ca.key))
        cert_path.write_bytes(ca.ca_pem)
        return ca

    def _issue(self, common_name, *, server=False, org_id=None, days=365, not_after=None, usage="tls"):
        key = _key()
        now = datetime.datetime.utcnow()
        attrs = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if org_id:
            attrs.append(x509.NameAttribute(ORG_ID_OID, org_id))
        end = not_after or now + datetime.timedelta(days=days)
        builder = (
            x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(self.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(min(now - datetime.timedelta(days=2), end - datetime.timedelta(days=1)))
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                             x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        elif usage == "tls":
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        with self._lock:
            cert = builder.sign(self.key, hashes.SHA256(), default_backend())
        return _pem_cert(cert), _pem_key(key)

    def issue_server(self):
        """The bank's TLS certificate for 127.0.0.1 and localhost (one per CA)."""
        if "server" not in self._cache:
            self._cache["server"] = self._issue("localhost", server=True, days=825)
        return self._cache["server"]

    def issue_tpp(self, client_id, *, days=365, not_after=None):
        """A TPP identity (TLS + seal certificates, both naming `client_id`); the default ones are cached."""
        cacheable = days == 365 and not_after is None
        if cacheable and ("tpp", client_id) in self._cache:
            return self._cache[("tpp", client_id)]
        org_id = f"PSDXX-SIM-{client_id}"
        tls_cert, tls_key = self._issue(client_id, org_id=org_id, days=days, not_after=not_after, usage="tls")
        seal_cert, seal_key = self._issue(client_id, org_id=org_id, days=days, not_after=not_after, usage="seal")
        identity = TppIdentity(client_id, tls_cert, tls_key, seal_cert, seal_key, self.ca_pem)
        if cacheable:
            self._cache[("tpp", client_id)] = identity
        return identity


_default = {}
_default_lock = threading.Lock()


def default_ca():
    """One CA per process, so a test session pays for its key generation once."""
    with _default_lock:
        if "ca" not in _default:
            _default["ca"] = TestCA()
        return _default["ca"]


def foreign_ca():
    """A second CA the bank does not trust (for the refusal tests)."""
    with _default_lock:
        if "foreign" not in _default:
            _default["foreign"] = TestCA("Untrusted Test CA")
        return _default["foreign"]
