"""A consent authorisation in flight: between pressing Connect and the bank's callback.

It binds the OAuth ``state`` (stored as its SHA-256 only) to the connection, the user who pressed
Connect and the PKCE verifier, for 15 minutes and one use. Nobody reads or writes it but the server:
no access rights for any group.
"""
import hashlib
from datetime import timedelta

from odoo import api, fields, models

LIFETIME = timedelta(minutes=15)


def state_hash(value):
    return hashlib.sha256((value or "").encode()).hexdigest()


class FinancePsd2Authorisation(models.Model):
    _name = "finance.psd2.authorisation"
    _description = "PSD2 consent authorisation in progress"
    _finance_guarded_records = True

    connection_id = fields.Many2one("finance.bank.connection", required=True, ondelete="cascade", fixed=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, fixed=True)
    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", fixed=True)
    state_hash = fields.Char(required=True, index=True, fixed=True)
    verifier = fields.Char(required=True, fixed=True)
    redirect_uri = fields.Char(required=True, fixed=True)
    expires_at = fields.Datetime(required=True, fixed=True)

    _state_hash_unique = models.Constraint("UNIQUE (state_hash)", "An authorisation state is used once.")

    @api.model
    def _gc(self):
        """Forget authorisations nobody completed."""
        self.sudo().search([("expires_at", "<", fields.Datetime.now())]).unlink()
