"""The default in-transit source: Odoo's own posted bank payments not yet matched to a statement line.

The hook itself (``finance.treasury.transit``) is a core model, so payment addons add their sources
without depending on this addon (docs/EXTENDING.md).
"""
from odoo import api, models

from ..lib.position_sql import default_transit_sql


class FinanceTreasuryTransit(models.AbstractModel):
    _inherit = "finance.treasury.transit"

    @api.model
    def _treasury_in_transit_sources(self):
        return [*super()._treasury_in_transit_sources(), default_transit_sql()]
