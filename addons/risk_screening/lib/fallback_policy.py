"""What to do with a payment when the external screening service cannot answer."""
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.dto import ScreeningHold

POLICIES = ("block", "allow_below", "review")


def fallback_holds(policy, amount, threshold, error):
    """Holds for one payment screened while the service is down or slow.

    ``review`` holds too: the difference is that it creates a review task
    instead of refusing, so a reviewer can release the payment.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown fallback policy {policy!r}")
    if policy == "allow_below" and amount is not None and Decimal(amount) < Decimal(threshold):
        return []
    code = {"block": "screening.unavailable.block", "allow_below": "screening.unavailable.amount",
            "review": "screening.unavailable.review"}[policy]
    reason = {"block": "external screening unavailable: everything is held",
              "allow_below": f"external screening unavailable and amount ≥ {threshold}",
              "review": "external screening unavailable: manual review required"}[policy]
    return [ScreeningHold(code=code, reason=f"{reason} ({error})", blocking=True,
                          source="risk_screening", details={"policy": policy})]
