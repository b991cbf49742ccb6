"""HTTP message signing as Berlin Group NextGenPSD2 (XS2A 1.3.x, "Signing Messages") requires.

A TPP signs every request with its QSeal key:

* ``Digest: SHA-256=<base64 of SHA-256 of the body>`` (an empty body has a digest too);
* ``Signature: keyId="SN=<serial hex>,CA=<issuer DN>",algorithm="rsa-sha256",
  headers="digest x-request-id date",signature="<base64>"`` where the signature is RSA-SHA256
  (PKCS#1 v1.5) over the *signing string*: one ``name: value`` line per listed header, lower-case
  names, joined by ``\\n`` (draft-cavage-http-signatures);
* ``TPP-Signature-Certificate: <base64 DER of the certificate>``.

The optional PSD2 headers ``psu-id``, ``psu-corporate-id`` and ``tpp-redirect-uri`` are signed
too when the request carries them. ``verify_request`` is the bank's side: the simulator and the
tests use it, and its error codes are the spec's (``SIGNATURE_INVALID``, ``CERTIFICATE_INVALID``…).
"""
import base64
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from requests.auth import AuthBase

from .errors import FinanceBridgeError

ALGORITHM = "rsa-sha256"
REQUIRED_HEADERS = ("digest", "x-request-id", "date")
OPTIONAL_SIGNED_HEADERS = ("psu-id", "psu-corporate-id", "tpp-redirect-uri")
_PARAM_RE = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


class SignatureError(FinanceBridgeError):
    """A signed request that does not verify. ``code`` is the Berlin Group message code."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.text = message


def digest_header(body):
    """``SHA-256=<base64>`` of the body bytes (``None`` and ``""`` digest as empty)."""
    data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
    return "SHA-256=" + base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def http_date(moment=None):
    """RFC 7231 IMF-fixdate, e.g. ``Mon, 30 Nov 2026 14:00:00 GMT``."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return format_datetime(moment, usegmt=True)


def key_id(certificate):
    """``SN=<serial in hex>,CA=<issuer distinguished name>`` of a certificate."""
    return f"SN={certificate.serial_number:x},CA={certificate.issuer.rfc4514_string()}"


def certificate_header(certificate):
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")


def _lower(headers):
    return {str(k).lower(): str(v) for k, v in headers.items()}


def signing_string(headers, names):
    """The lines that are signed: ``name: value`` per listed header, in the listed order."""
    lowered = _lower(headers)
    missing = [n for n in names if n not in lowered]
    if missing:
        raise SignatureError("FORMAT_ERROR", f"signed header(s) missing from the request: {', '.join(missing)}")
    return "\n".join(f"{name}: {lowered[name]}" for name in names)


def sign_headers(headers, body, private_key, certificate, request_id=None, date=None):
    """Headers to add to a request so that a NextGenPSD2 bank accepts its signature.

    ``headers`` are the request's own (an ``X-Request-ID`` or ``Date`` already present is kept, so
    a resend with the same request id signs the same id); returns only the headers to set.
    """
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise SignatureError("FORMAT_ERROR", "the signing key must be an RSA private key")
    lowered = _lower(headers)
    added = {
        "Digest": digest_header(body),
        "X-Request-ID": lowered.get("x-request-id") or request_id or str(uuid.uuid4()),
        "Date": lowered.get("date") or http_date(date),
    }
    merged = dict(lowered, **_lower(added))
    names = REQUIRED_HEADERS + tuple(n for n in OPTIONAL_SIGNED_HEADERS if n in merged)
    raw = private_key.sign(signing_string(merged, names).encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    added["Signature"] = (f'keyId="{key_id(certificate)}",algorithm="{ALGORITHM}",'
                          f'headers="{" ".join(names)}",signature="{base64.b64encode(raw).decode("ascii")}"')
    added["TPP-Signature-Certificate"] = certificate_header(certificate)
    return added


def parse_signature(value):
    """The parameters of a ``Signature`` header as a dict; quote-aware (keyId holds commas)."""
    params, pos = {}, 0
    value = (value or "").strip()
    while pos < len(value):
        match = _PARAM_RE.match(value, pos)
        if not match:
            raise SignatureError("FORMAT_ERROR", f"Signature header unreadable at character {pos}")
        params[match.group(1)] = match.group(2)
        pos = match.end()
    for required in ("keyId", "algorithm", "headers", "signature"):
        if required not in params:
            raise SignatureError("FORMAT_ERROR", f"Signature header has no {required}")
    return params


@dataclass(frozen=True)
class VerifiedSignature:
    certificate: x509.Certificate
    key_id: str
    headers: tuple
    request_id: str


def _load_certificate(headers, certificate):
    if certificate is not None:
        return certificate
    encoded = _lower(headers).get("tpp-signature-certificate")
    if not encoded:
        raise SignatureError("CERTIFICATE_MISSING", "no TPP-Signature-Certificate header")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(encoded, validate=True))
    except ValueError:
        raise SignatureError("CERTIFICATE_INVALID", "TPP-Signature-Certificate is not a base64 DER certificate") \
            from None


def _check_issued_by(certificate, issuer):
    try:
        issuer.public_key().verify(certificate.signature, certificate.tbs_certificate_bytes,
                                   padding.PKCS1v15(), certificate.signature_hash_algorithm)
    except (InvalidSignature, TypeError, ValueError):
        raise SignatureError("CERTIFICATE_INVALID", "the signing certificate is not issued by a trusted CA") from None
    if certificate.issuer != issuer.subject:
        raise SignatureError("CERTIFICATE_INVALID", "the certificate's issuer is not the trusted CA")


def verify_request(headers, body, certificate=None, trusted_issuers=(), now=None,
                   max_clock_skew=timedelta(minutes=5)):
    """Check a signed request as a strict bank does; return ``VerifiedSignature`` or raise ``SignatureError``.

    ``certificate`` pins the expected certificate; otherwise the request's
    ``TPP-Signature-Certificate`` is used and, when ``trusted_issuers`` is given, must be issued by one.
    """
    lowered = _lower(headers)
    if "signature" not in lowered:
        raise SignatureError("SIGNATURE_MISSING", "the request carries no Signature header")
    params = parse_signature(lowered["signature"])
    if params["algorithm"].lower() != ALGORITHM:
        raise SignatureError("SIGNATURE_INVALID", f"algorithm {params['algorithm']!r} is not {ALGORITHM}")
    names = tuple(params["headers"].lower().split())
    unsigned = [n for n in REQUIRED_HEADERS + OPTIONAL_SIGNED_HEADERS
                if (n in REQUIRED_HEADERS or n in lowered) and n not in names]
    if unsigned:
        raise SignatureError("SIGNATURE_INVALID", f"header(s) not covered by the signature: {', '.join(unsigned)}")
    if not hmac.compare_digest(lowered.get("digest", ""), digest_header(body)):
        raise SignatureError("SIGNATURE_INVALID", "the Digest header does not match the body")
    cert = _load_certificate(headers, certificate)
    now = now or datetime.now(timezone.utc)
    not_before = cert.not_valid_before.replace(tzinfo=timezone.utc)
    not_after = cert.not_valid_after.replace(tzinfo=timezone.utc)
    if not not_before <= now <= not_after:
        raise SignatureError("CERTIFICATE_EXPIRED", f"the certificate is valid from {not_before} to {not_after}")
    if trusted_issuers and certificate is None:
        issuer = next((ca for ca in trusted_issuers if ca.subject == cert.issuer), None)
        if issuer is None:
            raise SignatureError("CERTIFICATE_INVALID", "the certificate's issuer is not trusted")
        _check_issued_by(cert, issuer)
    if params["keyId"] != key_id(cert):
        raise SignatureError("SIGNATURE_INVALID", "keyId does not name the certificate (serial and issuer)")
    if max_clock_skew is not None:
        try:
            sent = parsedate_to_datetime(lowered.get("date", ""))
        except (TypeError, ValueError):
            raise SignatureError("FORMAT_ERROR", "the Date header is not an HTTP date") from None
        if sent.tzinfo is None or abs(now - sent) > max_clock_skew:
            raise SignatureError("SIGNATURE_INVALID", "the Date header is outside the accepted clock skew")
    try:
        raw = base64.b64decode(params["signature"], validate=True)
        cert.public_key().verify(raw, signing_string(headers, names).encode("utf-8"),
                                 padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise SignatureError("SIGNATURE_INVALID", "the signature does not verify with the certificate's key") \
            from None
    return VerifiedSignature(certificate=cert, key_id=params["keyId"], headers=names,
                             request_id=lowered.get("x-request-id", ""))


class SigningAuth(AuthBase):
    """``session.auth = SigningAuth(key, cert)``: every request the session sends is signed.

    The signature is computed on the prepared request (final body bytes), so what is signed is
    exactly what is sent; urllib3 retries resend the same bytes and headers.
    """

    def __init__(self, private_key, certificate):
        self.private_key = private_key
        self.certificate = certificate

    def __call__(self, request):
        request.headers.update(sign_headers(request.headers, request.body, self.private_key, self.certificate))
        return request


def berlin_group_error(code, text):
    """The spec's error body (``tppMessages``) for a refused request; used by the simulator."""
    return {"tppMessages": [{"category": "ERROR", "code": code, "text": text}]}

