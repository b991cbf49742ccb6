"""What a payment initiation answer asks of the account holder (Berlin Group SCA approaches).

The TPP prefers the redirect approach (``TPP-Redirect-Preferred: true``): the bank answers with
``_links.scaRedirect`` (its page where the payment is authorised), or — a bank that authorises in
its own app — with the authorisation's ``scaStatus`` link and no page (decoupled); a bank that
ignores the preference offers ``scaOAuth``. No SCA link: nothing is asked (exempted or done).
The core hands ``sca_redirect`` / ``sca_approach`` of the submission result to the batch's releaser.
"""

REDIRECT_PATH = "/odoo"  # where the browser comes back to after the bank's page: the Odoo web client


def redirect_headers(base_url):
    """Headers that ask for the redirect approach; none without a web base URL to come back to."""
    base = (base_url or "").rstrip("/")
    if not base.startswith(("https://", "http://")):
        return {}
    return {"TPP-Redirect-Preferred": "true", "TPP-Redirect-URI": base + REDIRECT_PATH}


def approach(answer):
    """("redirect", link) | ("decoupled", None) | ("oauth", None) | (None, None) of one answer."""
    links = (answer or {}).get("_links") or {}
    href = (links.get("scaRedirect") or {}).get("href") if isinstance(links.get("scaRedirect"), dict) else None
    if isinstance(href, str) and href:
        return "redirect", href
    if "scaOAuth" in links:
        return "oauth", None
    if "scaStatus" in links or str(answer.get("scaApproach") or "").upper() == "DECOUPLED":
        return "decoupled", None
    return None, None


def submission_details(approaches):
    """The SCA keys of ``SubmissionResult.raw`` for the answers of one batch (one per payment sent).

    One link is handed on (the first): the releaser's activity carries one page; further payments
    of a single-transfer batch are listed under ``sca_redirects`` for the record.
    """
    links = [link for kind, link in approaches if kind == "redirect"]
    if links:
        return {"sca_redirect": links[0], **({"sca_redirects": links} if len(links) > 1 else {})}
    if any(kind == "decoupled" for kind, _link in approaches):
        return {"sca_approach": "decoupled"}
    return {}
