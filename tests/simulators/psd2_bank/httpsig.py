"""Berlin Group request signatures (draft-cavage HTTP signatures as profiled by NextGenPSD2 v1.3).

`Digest: SHA-256=<base64>` over the raw body; `Signature: keyId="SN=<hex serial>,CA=<issuer>",
algorithm="rsa-sha256", headers="digest x-request-id date", signature="<base64>"`, RSA PKCS#1 v1.5
with SHA-256 over the lines ``<header>: <value>`` joined by newlines; the signing certificate travels
base64 DER in `TPP-Signature-Certificate`. `verify` is the bank's side; `sign_headers` is a small
TPP-side signer used by the simulator's own tests (the adapter has its own).
"""
import base64
import datetime
import email.utils
import hashlib
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

REQUIRED_HEADERS = ("digest", "x-request-id", "date")
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
_PARAM = re.compile(r'(\w+)="([^"]*)"')


class SignatureRefused(Exception):
    """A refusal with the Berlin Group code (SIGNATURE_MISSING/INVALID, CERTIFICATE_INVALID/EXPIRED…)."""

    def __init__(self, code, text):
        super().__init__(text)
        self.code = code
        self.text = text


def digest_header(body):
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body or b"").digest()).decode()


def key_id(cert):
    return f"SN={cert.serial_number:x},CA={cert.issuer.rfc4514_string()}"


def signing_string(headers, names):
    return "\n".join(f"{name}: {headers[name]}" for name in names)


def sign_headers(body, seal_cert_pem, seal_key_pem, request_id, date=None, names=REQUIRED_HEADERS):
    """Headers a TPP adds to a request: X-Request-ID, Date, Digest, Signature, TPP-Signature-Certificate."""
    cert = x509.load_pem_x509_certificate(seal_cert_pem, default_backend())
    key = serialization.load_pem_private_key(seal_key_pem, None, default_backend())
    values = {"x-request-id": request_id, "date": date or email.utils.formatdate(usegmt=True),
              "digest": digest_header(body)}
    sig = key.sign(signing_string(values, names).encode(), padding.PKCS1v15(), hashes.SHA256())
    return {
        "X-Request-ID": values["x-request-id"], "Date": values["date"], "Digest": values["digest"],
        "Signature": f'keyId="{key_id(cert)}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
                     f'signature="{base64.b64encode(sig).decode()}"',
        "TPP-Signature-Certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(),
    }


def verify(headers, body, ca_cert, now=None):
    """Check a request's Digest and Signature; returns the signing certificate or raises SignatureRefused.

    `headers` maps lower-case names to values. The certificate must be issued by `ca_cert`, valid now,
    and named by keyId; the signed headers must include digest, x-request-id and date.
    """
    now = now or datetime.datetime.utcnow()
    if "signature" not in headers:
        raise SignatureRefused("SIGNATURE_MISSING", "The Signature header is missing.")
    if "digest" not in headers:
        raise SignatureRefused("SIGNATURE_INVALID", "The Digest header is missing.")
    if headers["digest"] != digest_header(body):
        raise SignatureRefused("SIGNATURE_INVALID", "The Digest does not match the body.")
    raw_cert = headers.get("tpp-signature-certificate")
    if not raw_cert:
        raise SignatureRefused("CERTIFICATE_MISSING", "TPP-Signature-Certificate is missing.")
    try:
        der = base64.b64decode(raw_cert, validate=True)
        cert = x509.load_der_x509_certificate(der, default_backend())
    except ValueError:
        raise SignatureRefused("CERTIFICATE_INVALID", "TPP-Signature-Certificate is not base64 DER.")
    try:
        ca_cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                                    cert.signature_hash_algorithm)
        if cert.issuer != ca_cert.subject:
            raise InvalidSignature()
    except InvalidSignature:
        raise SignatureRefused("CERTIFICATE_INVALID", "The signing certificate is not issued by a trusted CA.")
    if not cert.not_valid_before <= now <= cert.not_valid_after:
        raise SignatureRefused("CERTIFICATE_EXPIRED", "The signing certificate is not valid at this time.")
    params = dict(_PARAM.findall(headers["signature"]))
    names = params.get("headers", "").lower().split()
    if params.get("algorithm", "").lower() != "rsa-sha256":
        raise SignatureRefused("SIGNATURE_INVALID", "Only algorithm rsa-sha256 is accepted.")
    if not set(REQUIRED_HEADERS) <= set(names):
        raise SignatureRefused("SIGNATURE_INVALID", "The signature must cover digest, x-request-id and date.")
    if params.get("keyId") != key_id(cert):
        raise SignatureRefused("SIGNATURE_INVALID", "keyId does not name the signing certificate.")
    missing = [name for name in names if name not in headers]
    if missing:
        raise SignatureRefused("SIGNATURE_INVALID", f"Signed header(s) absent: {', '.join(missing)}.")
    try:
        signature = base64.b64decode(params.get("signature", ""), validate=True)
        cert.public_key().verify(signature, signing_string(headers, names).encode(), padding.PKCS1v15(),
                                 hashes.SHA256())
    except (ValueError, InvalidSignature):
        raise SignatureRefused("SIGNATURE_INVALID", "The signature does not verify.")
    try:
        sent = email.utils.parsedate_to_datetime(headers["date"]).astimezone(datetime.timezone.utc)
    except (TypeError, ValueError):
        raise SignatureRefused("FORMAT_ERROR", "The Date header is not an HTTP date.")
    if abs(sent.replace(tzinfo=None) - datetime.datetime.utcnow()) > MAX_CLOCK_SKEW:
        raise SignatureRefused("SIGNATURE_INVALID", "The Date header is more than 5 minutes off.")
    return cert
