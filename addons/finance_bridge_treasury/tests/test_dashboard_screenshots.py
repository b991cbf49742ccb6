"""The cash and operations dashboards in headless Chromium, on the demo data; screenshots saved.

Screenshots go to ``$FINANCE_BRIDGE_SCREENSHOTS`` (default ``/tmp/finance_bridge_screenshots``), as
``treasury_cash_dashboard.png``, ``treasury_cash_position.png`` and ``treasury_operations_dashboard.png``.
"""
import base64
import contextlib
import os
import pathlib

from odoo.tests.common import ChromeBrowser, HttpCase, tagged

SHOTS = pathlib.Path(os.environ.get("FINANCE_BRIDGE_SCREENSHOTS", "/tmp/finance_bridge_screenshots"))


@tagged("post_install", "-at_install")
class TestDashboardScreenshots(HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["finance.treasury.demo"]._setup_demo()

    def shoot(self, action_xmlid, ready, name):
        """Open the action as admin, wait until ``ready`` (JS) is true, save a 1440x900 screenshot."""
        action = self.env.ref(action_xmlid)
        browser = ChromeBrowser(self, headless=True)
        with self.allow_requests(browser=browser), contextlib.ExitStack() as stack:
            stack.callback(self._wait_remaining_requests)
            stack.enter_context(browser.cleanup)
            self.authenticate("admin", "admin", browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser._websocket_request("Emulation.setDeviceMetricsOverride", params={
                "width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": False})
            browser.navigate_to(f"{self.base_url()}/odoo/action-{action.id}", wait_stop=False)
            self.assertTrue(browser._wait_ready(ready, timeout=90), f"{name}: the dashboard did not render")
            browser._wait_ready("new Promise(r => setTimeout(() => r(true), 800))")
            shot = browser._websocket_request("Page.captureScreenshot", params={"format": "png"}, timeout=30)
        data = base64.b64decode(shot["data"])
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / f"{name}.png").write_bytes(data)
        self.assertGreater(len(data), 20_000, f"{name}: an empty page?")
        return data

    def test_demo_data_is_there(self):
        accounts = self.env["finance.treasury.cash.account"].search([])
        self.assertGreaterEqual(len(accounts.currency_id), 2, "two currencies")
        self.assertGreaterEqual(len(accounts.bank_id), 2, "two banks")
        self.assertTrue(accounts.filtered("stale"), "one stale account")
        self.assertTrue(self.env["finance.treasury.alert"].search([("state", "=", "open")]), "one open alert")

    def test_cash_dashboard_screenshot(self):
        self.shoot("finance_bridge_treasury.action_cash_dashboard",
                   "document.querySelectorAll('.o_kanban_record .o_treasury_badge').length >= 2", "treasury_cash_dashboard")
        self.shoot("finance_bridge_treasury.action_cash_position",
                   "document.querySelectorAll('.o_kanban_record .o_treasury_horizons').length >= 1", "treasury_cash_position")

    def test_operations_dashboard_screenshot(self):
        self.shoot("finance_bridge_treasury.action_ops_dashboard",
                   "document.querySelectorAll('.o_kanban_record .o_treasury_signal').length >= 5",
                   "treasury_operations_dashboard")
