"""The webhook inbox backlog and the connections' certificate expiry on the operations dashboard and in
the metrics — when the core has them (webhook inbox, REST toolkit); skipped on a core without them."""
import importlib
from datetime import timedelta
from unittest import SkipTest

from odoo import fields
from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import tagged

from .common import TreasuryCase


@tagged("post_install", "-at_install")
class TestWebhookCertificateSignals(TreasuryCase):

    def read_ops(self, model, res_id):
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env[model].browse(res_id)

    def test_webhook_backlog_and_failures(self):
        if "finance.webhook.inbox" not in self.env:
            raise SkipTest("the core has no webhook inbox")
        event_class = importlib.import_module("odoo.addons.finance_bridge_core.lib.webhook_protocol").WebhookEvent
        connection = factories.ConnectionFactory()
        before = self.read_ops("finance.treasury.ops.company", self.company.id)
        backlog, failed, technical = before.webhook_backlog, before.webhook_failed, before.technical_failures
        ids, _corr = self.env["finance.webhook.inbox"].sudo()._store(
            connection, [event_class(event_id=f"ops-{n}", kind="sync_account", account="DE00") for n in range(3)],
            b'{"id": "ops"}', "127.0.0.1")
        self.env.cr.execute("UPDATE finance_webhook_inbox SET state = 'failed', "
                            "received_at = received_at - interval '40 minutes' WHERE id = %s", (ids[0],))
        self.env.cr.execute("UPDATE finance_webhook_inbox SET received_at = received_at - interval '25 minutes' "
                            "WHERE id = %s", (ids[1],))
        row = self.read_ops("finance.treasury.ops.company", self.company.id)
        self.assertEqual((row.webhook_backlog, row.webhook_failed), (backlog + 2, failed + 1))
        self.assertGreaterEqual(row.webhook_oldest_minutes, 25)
        self.assertEqual(row.technical_failures - technical, 1, "a failed event is a technical failure")
        action = row.with_context(figure="webhook_backlog").action_open_figure()
        self.assertEqual(self.env[action["res_model"]].search_count(action["domain"]), backlog + 2)
        text = self.env["finance.treasury.metrics.config"]._render()
        self.assertIn(f'finance_bridge_webhook_backlog{{company="{self.company.name}"}} {backlog + 2}', text)

    def test_certificate_expiry(self):
        if "certificate_expires_on" not in self.env["finance.bank.connection"]._fields:
            raise SkipTest("the core's connections carry no certificate expiry")
        connection = factories.ConnectionFactory()
        row = self.read_ops("finance.treasury.ops.connection", connection.id)
        self.assertFalse(row.certificate_expires_on)
        with decision_scope("test"):
            connection.sudo().write({"certificate_expires_on": fields.Date.today() + timedelta(days=12)})
        row = self.read_ops("finance.treasury.ops.connection", connection.id)
        self.assertEqual(row.certificate_days_left, 12)
        text = self.env["finance.treasury.metrics.config"]._render()
        self.assertIn(f'finance_bridge_connection_certificate_days_left{{company="{self.company.name}",'
                      f'connection="{connection.name}"}} 12', text)
