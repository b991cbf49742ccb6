"""The cash position's in-transit hook: a core model so that payment addons answer it without
depending on the treasury addon, and the treasury addon reads it without importing them.

See docs/EXTENDING.md, "Cash position: payments in transit".
"""
from odoo import api, models


class FinanceTreasuryTransit(models.AbstractModel):
    _name = "finance.treasury.transit"
    _description = "Cash position: payments in transit (hook)"

    @api.model
    def _treasury_in_transit_sources(self):
        """SQL SELECTs of the amounts in transit, each yielding the columns
        ``source, company_id, journal_id, currency_id, amount, due_date`` (amount signed: inbound > 0).

        An item must leave its SELECT the moment its statement line is matched, and must not also be
        returned by another source. Extensions return ``super()``'s list plus theirs.
        """
        return []
