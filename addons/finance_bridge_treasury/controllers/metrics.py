"""GET /finance_bridge/metrics: Prometheus text, bearer token, disabled by default, per database."""
from odoo import http
from odoo.http import request


class FinanceBridgeMetrics(http.Controller):

    @http.route("/finance_bridge/metrics", type="http", auth="none", methods=["GET"], csrf=False, save_session=False)
    def metrics(self, **_kw):
        if not request.db:
            return request.make_response("no database selected\n", status=404,
                                         headers=[("Content-Type", "text/plain")])
        header = request.httprequest.headers.get("Authorization", "")
        presented = header[7:].strip() if header[:7].lower() == "bearer " else ""
        env = request.env(su=True)
        config = env["finance.treasury.metrics.config"]._authorise(presented)
        if config is None:
            return request.make_response("metrics endpoint disabled\n", status=404,
                                         headers=[("Content-Type", "text/plain")])
        if config is False:
            return request.make_response("bearer token required\n", status=401, headers=[
                ("Content-Type", "text/plain"), ("WWW-Authenticate", 'Bearer realm="finance_bridge"')])
        return request.make_response(config._render(), headers=[
            ("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")])
