"""The scheduler's side of frequencyPerDay: scheduled runs of a PSD2 connection are paced."""
from odoo import api, models

from ..providers.psd2 import Psd2Provider


class FinanceSyncEngine(models.AbstractModel):
    _inherit = "finance.sync.engine"

    @api.model
    def _check_quota(self, connection, provider, trigger):
        """Besides the day's budget (core), a scheduled PSD2 run waits for its slot of the bank day:
        the k-th unattended call of a day comes no earlier than k × 24 h / frequencyPerDay."""
        super()._check_quota(connection, provider, trigger)
        if trigger == "cron" and isinstance(provider, Psd2Provider):
            provider.check_pace()
