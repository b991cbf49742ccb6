"""A throw-away PKI for TLS and signing tests: a CA, server and client certificates (RSA 2048)."""
import datetime as dt
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name, org="FB Test"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class Pki:
    """``ca`` signs ``issue(...)``d certificates; everything lives in memory."""

    def __init__(self, name="FB Test CA"):
        self.ca_key = new_key()
        now = dt.datetime.utcnow()
        self.ca_cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                        .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
                        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
                        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                        .sign(self.ca_key, hashes.SHA256()))

    def issue(self, common_name, server=False, days=365, key=None, not_before_days=-1, hosts=("localhost", "127.0.0.1")):
        key = key or new_key()
        now = dt.datetime.utcnow()
        builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(self.ca_cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now + dt.timedelta(days=not_before_days))
                   .not_valid_after(now + dt.timedelta(days=days)))
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(h)) if h[0].isdigit() else x509.DNSName(h) for h in hosts]),
                critical=False)
        return builder.sign(self.ca_key, hashes.SHA256()), key


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def key_pem(key, passphrase=None):
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             encryption).decode("ascii")


def pkcs12_bytes(cert, key, passphrase, cas=()):
    return pkcs12.serialize_key_and_certificates(b"client", key, cert, list(cas) or None,
                                                 serialization.BestAvailableEncryption(passphrase.encode()))
