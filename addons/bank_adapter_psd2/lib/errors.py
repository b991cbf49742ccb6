"""How an XS2A answer that is not a success becomes an exception the core understands.

* 429 and 503 with ``Retry-After`` → the core's retry-after error (the engine comes back no sooner);
* other 5xx, and timeouts → retryable ``ProviderError`` (same cursor next time);
* 401 ``CONSENT_EXPIRED`` / ``CONSENT_INVALID`` → ``ConsentProblem`` (not retryable: the PSU must act);
* 401 ``TOKEN_EXPIRED``/``TOKEN_INVALID`` → ``TokenProblem`` (refresh, then one more try);
* signature and certificate codes → not retryable, the configuration is wrong;
* anything else 4xx → not retryable.
"""
from odoo.addons.finance_bridge_core.lib.errors import ProviderError

from .xs2a import error_codes, error_text

CONSENT_CODES = ("CONSENT_EXPIRED", "CONSENT_INVALID", "CONSENT_UNKNOWN")
TOKEN_CODES = ("TOKEN_EXPIRED", "TOKEN_INVALID", "TOKEN_UNKNOWN")
CERTIFICATE_CODES = ("CERTIFICATE_INVALID", "CERTIFICATE_EXPIRED", "CERTIFICATE_MISSING", "CERTIFICATE_BLOCKED",
                     "SIGNATURE_INVALID", "SIGNATURE_MISSING")


class ConsentProblem(ProviderError):
    def __init__(self, code, message):
        super().__init__(message, retryable=False)
        self.code = code


class TokenProblem(ProviderError):
    def __init__(self, code, message):
        super().__init__(message, retryable=True)
        self.code = code


def retry_after_seconds(value, default=60):
    try:
        return max(1, int(float(value)))
    except (TypeError, ValueError):
        return default


def classify(status, document, retry_after=None, what="the bank", retry_after_error=None):
    """The exception for a non-2xx answer (``document`` is its JSON body, or {})."""
    codes = error_codes(document)
    text = error_text(document) or f"HTTP {status}"
    message = f"{what} answered {status}: {text}"
    if status == 429 or (status == 503 and retry_after):
        seconds = retry_after_seconds(retry_after)
        if retry_after_error:
            return retry_after_error(seconds, message)
        error = ProviderError(message, retryable=True)
        error.retry_after = seconds
        return error
    if status >= 500:
        return ProviderError(message, retryable=True)
    consent = next((c for c in codes if c in CONSENT_CODES), None)
    if consent:
        return ConsentProblem(consent, message)
    token = next((c for c in codes if c in TOKEN_CODES), None)
    if token:
        return TokenProblem(token, message)
    return ProviderError(message, retryable=False)
