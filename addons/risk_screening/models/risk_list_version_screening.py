"""One row per counterparty re-screened for a list version: the proof of "exactly once".

Written by the re-screening job in the same transaction as the screening results and the
version's cursor; the unique key makes a second screening of the same partner for the same
version impossible rather than merely unlikely.
"""
from odoo import fields, models


class RiskListVersionScreening(models.Model):
    _name = "risk.list.version.screening"
    _description = "Counterparty re-screened for a list version"
    _order = "version_id, partner_id"
    _log_access = False

    version_id = fields.Many2one("risk.list.version", required=True, readonly=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", required=True, readonly=True, ondelete="cascade", index=True)
    screened_at = fields.Datetime(required=True, readonly=True)

    _version_partner_unique = models.Constraint(
        "UNIQUE (version_id, partner_id)", "A counterparty is re-screened once per list version.")
