"""The in-transit hook: where payments released but not yet on a statement come from."""
from odoo import api, models

from ..lib.position_sql import default_transit_sql


class FinanceTreasuryTransit(models.AbstractModel):
    _name = "finance.treasury.transit"
    _description = "Cash position: payments in transit (hook)"

    @api.model
    def _treasury_in_transit_sources(self):
        """SQL SELECTs of the amounts in transit, each yielding the columns
        ``source, company_id, journal_id, currency_id, amount, due_date`` (amount signed: inbound > 0).

        An item must leave its SELECT the moment its statement line is matched, and must not also be
        returned by another source (see docs/EXTENDING.md). The default source is Odoo's own posted,
        unmatched bank payments.
        """
        return [default_transit_sql()]
