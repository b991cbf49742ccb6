"""What a bank's acceptance of a payment asks of the account holder: nothing, a redirect, or decoupled SCA.

Read from the outbox result of ``payment_batch.submit`` (``details`` = the provider's
``SubmissionResult.raw``): ``sca_redirect`` is the bank page where the releaser authorises the
payment, ``sca_approach == "decoupled"`` means the bank asks in its own app. Only an absolute
http(s) URL becomes a link: anything else (``javascript:``, relative, over-long) is not followed.
"""
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_LINK = 2048


@dataclass(frozen=True, slots=True)
class ScaRequest:
    approach: str            # "redirect" or "decoupled"
    link: str | None = None  # the bank's authorisation page (redirect)
    host: str | None = None  # its host, for the audit trail (the link may carry tokens)


def safe_link(value):
    """``value`` when it is an absolute http(s) URL with a host, else None."""
    if not isinstance(value, str) or not value or len(value) > MAX_LINK or any(c.isspace() for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("https", "http") and parts.hostname else None


def sca_request(result):
    """The SCA the bank asks for in an outbox ``result``, or None when it asks for none."""
    details = (result or {}).get("details") or {}
    if not isinstance(details, dict):
        return None
    link = safe_link(details.get("sca_redirect"))
    if link:
        return ScaRequest("redirect", link, urlsplit(link).hostname)
    if str(details.get("sca_approach") or "").lower() == "decoupled":
        return ScaRequest("decoupled")
    return None
