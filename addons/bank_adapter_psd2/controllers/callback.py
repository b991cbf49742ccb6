"""The bank sends the browser back here after the consent (OAuth2 redirect URI)."""
from odoo import http
from odoo.http import request


class Psd2Callback(http.Controller):
    @http.route("/finance_bridge/psd2/callback", type="http", auth="user", methods=["GET"], csrf=False)
    def callback(self, state=None, code=None, error=None, error_description=None, **_ignored):
        """GET from the bank's redirect: no CSRF token can exist here; the one-time ``state`` bound to the
        user who pressed Connect (and the PKCE verifier only the server holds) play that role."""
        connection, _message = request.env["finance.bank.connection"]._psd2_callback(
            state, code=code, error=error, error_description=error_description)
        target = f"/odoo/action-finance_bridge_core.action_finance_bank_connection/{connection.id}" \
            if connection else "/odoo"
        return request.redirect(target, local=True)
