"""Where the bank sends the user back after Connect: verify the state, exchange the code, store the token."""
from markupsafe import escape

from odoo import http
from odoo.http import request

from ..models.bank_connection_rest import CALLBACK_PATH
from ..models.oauth_state import OAuthStateRefused


class FinanceOAuthController(http.Controller):
    @http.route(CALLBACK_PATH, type="http", auth="user", methods=["GET"], readonly=False)
    def oauth_callback(self, state=None, code=None, error=None, error_description=None, **_ignored):
        """The state is checked against the session's user (bound, single use, short-lived) before
        anything else; a refusal is audited and answered with a page, never a traceback."""
        connections = request.env["finance.bank.connection"]
        try:
            connection, message = connections._oauth_callback(state, code, error, error_description)
        except OAuthStateRefused as exc:
            return self._page(403 if "another user" in exc.reason or "administrators" in exc.reason else 400,
                              "Bank authorisation refused", exc.reason)
        del message  # shown by the form: "Connected on" is set
        return request.redirect(f"/odoo/finance.bank.connection/{connection.id}", code=303, local=True)

    @staticmethod
    def _page(status, title, text):
        body = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
                f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p>"
                "<p><a href='/odoo/action-finance_bridge_core.action_finance_bank_connection'>Bank connections</a>"
                "</p></body></html>")
        return request.make_response(body, headers=[("Content-Type", "text/html; charset=utf-8"),
                                                    ("Cache-Control", "no-store")], status=status)
