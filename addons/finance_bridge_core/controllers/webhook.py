"""``POST /finance_bridge/webhook/<token>``: banks push events here.

Public (``auth='none'``, no CSRF token, no session): the caller is authenticated by the HMAC
signature over the raw body (see ``lib/webhook_verify``), not by Odoo. The controller only hands
the raw request to the inbox, which verifies, counts refusals and stores the events; applying
them is the worker's job, so the bank gets its answer fast. Answers are short JSON, never internals.
"""
from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..lib.webhook_verify import HARD_MAX_BODY_BYTES


class FinanceBridgeWebhook(http.Controller):
    @http.route("/finance_bridge/webhook/<string:token>", type="http", auth="none", methods=["POST"],
                csrf=False, save_session=False, max_content_length=HARD_MAX_BODY_BYTES)
    def receive(self, token, **_params):
        if not request.db:
            return request.make_json_response({"error": "unknown_token"}, status=404)
        httprequest = request.httprequest
        headers = {key.lower(): value for key, value in httprequest.headers.items()}
        env = request.env(user=SUPERUSER_ID, su=True)
        # The body is read only after the announced length passed the limit; cached, so that a
        # request retried by Odoo after a serialisation conflict verifies the very same bytes.
        status, answer = env["finance.webhook.inbox"]._receive(
            token, headers, httprequest.content_length, lambda limit: httprequest.get_data(cache=True),
            remote_addr=httprequest.remote_addr)
        return request.make_json_response(answer, status=status)
