"""PSD2 on the bank connection: the consent read back from the bank or ended, the accounts the
consent is asked for (pending transactions are the core's pending lines) and the web base URL a
payment's SCA page redirects back to.

Connect / Renew consent is the core's OAuth **Connect** (the provider's ``oauth_begin`` asks the
bank for the consent first); certificates, circuit breaker and exchange evidence are the core's too.
"""
from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.errors import FinanceBridgeError
from odoo.addons.finance_bridge_core.models.button_access import check_button, user_error
from odoo.exceptions import UserError

from ..providers.psd2 import Psd2Provider

ADMIN_GROUP = "finance_bridge_core.group_connection_admin"


class FinanceBankConnection(models.Model):
    _inherit = "finance.bank.connection"

    is_psd2 = fields.Boolean(compute="_compute_is_psd2")

    @api.depends("provider")
    def _compute_is_psd2(self):
        for conn in self:
            conn.is_psd2 = conn.provider == Psd2Provider.key

    def _config(self):
        """A PSD2 consent is asked for the IBANs of the connection's journals."""
        config = super()._config()
        if self.is_psd2:
            config = dict(config, accounts=tuple(link.account_number for link in self.account_ids
                                                 if link.account_number),
                          # where the bank's SCA page sends the releaser back (TPP-Redirect-URI)
                          web_base_url=self.env["ir.config_parameter"].sudo().get_param("web.base.url") or "")
        return config

    def _psd2_check(self):
        self.ensure_one()
        if not self.is_psd2:
            raise UserError(_("%s is not a PSD2 connection.", self.name))

    def action_psd2_refresh_consent(self):
        """Read the consent's status and validity back from the bank."""
        check_button(self, ADMIN_GROUP)
        self._psd2_check()
        conn = self._technical()
        try:
            with conn._rest_capture():
                status = conn._make_provider().consent_status()
        except FinanceBridgeError as exc:
            raise user_error(exc, _("Consent of %s not read", self.name)) from None
        return self._notify(_("Consent"), _("The bank reports the consent as %s.", status), "info")

    def action_psd2_end_consent(self):
        """Tell the bank to end the consent (DELETE); the connection stops until Connect again."""
        check_button(self, ADMIN_GROUP)
        self._psd2_check()
        conn = self._technical()
        try:
            with conn._rest_capture():
                conn._make_provider().end_consent()
        except FinanceBridgeError as exc:
            raise user_error(exc, _("Consent of %s not ended", self.name)) from None
        return True
