"""Webhook inbox and buttons over JSON-RPC: evidence nobody writes, buttons for their group only."""
from odoo.tests.common import tagged

from ..lib.webhook_protocol import WebhookEvent
from .rpc_case import RpcAttackCase
from .webhook_case import remove_folder, webhook_connection

ROLES = ("user", "treasury", "conn_admin", "accountant")


@tagged("post_install", "-at_install")
class TestWebhookRpc(RpcAttackCase):
    adversarial_class = "operations"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.conn, _journal, cls.iban, folder = webhook_connection(cls.env, "rpc", 63_000_123)
        cls.addClassCleanup(remove_folder, folder)
        ids, _corr = cls.env["finance.webhook.inbox"].sudo()._store(
            cls.conn, [WebhookEvent(event_id="rpc-1", kind="status", payload={"status": "ACSC", "msg_id": "M"})],
            b'{"id": "rpc-1"}', "127.0.0.1")
        cls.event = cls.env["finance.webhook.inbox"].browse(ids)
        cls.env.cr.execute("UPDATE finance_webhook_inbox SET state = 'failed' WHERE id = %s", (ids[0],))
        cls.event.invalidate_recordset()

    def test_nobody_writes_creates_or_deletes_inbox_events(self):
        for role in ROLES:
            login = f"adv_{role}_a"
            self.assertRefused(self.call_kw_as(login, "finance.webhook.inbox", "write",
                                               [self.event.ids, {"state": "applied"}]), f"{login} write")
            self.assertRefused(self.call_kw_as(login, "finance.webhook.inbox", "create", [{
                "connection_id": self.conn.id, "company_id": self.conn.company_id.id, "event_id": "forged",
                "kind": "status"}]), f"{login} create")
            self.assertRefused(self.call_kw_as(login, "finance.webhook.inbox", "unlink", [self.event.ids]),
                               f"{login} unlink")
        self.assertRefused(self.call_kw_as("admin", "finance.webhook.inbox", "write",
                                           [self.event.ids, {"error": "forged"}]))
        self.event.invalidate_recordset()
        self.assertEqual(self.event.state, "failed")
        self.assertEqual(self.env["finance.webhook.inbox"].search_count([("event_id", "=", "forged")]), 0)

    def test_private_receive_and_apply_are_not_callable(self):
        for method, args in (("_receive", ["x", {}, 1, None]), ("_apply_claimed", [self.event.ids]),
                             ("_store", [self.conn.id, [], "", ""])):
            self.assertRefused(self.call_kw_as("adv_conn_admin_a", "finance.webhook.inbox", method, args))

    def test_refusals_are_read_only_evidence(self):
        self.env["finance.webhook.refusal"].sudo()._append("unsigned", 401, self.conn, "127.0.0.1", "fixture")
        refusal = self.env["finance.webhook.refusal"].search([("connection_id", "=", self.conn.id)], limit=1)
        for role in ("conn_admin", "treasury"):
            login = f"adv_{role}_a"
            self.assertRefused(self.call_kw_as(login, "finance.webhook.refusal", "unlink", [refusal.ids]))
            self.assertRefused(self.call_kw_as(login, "finance.webhook.refusal", "create", [{"reason": "stale"}]))

    def test_token_and_secret_guarded_and_rotation_reserved_to_admins(self):
        token = self.conn.webhook_token
        for role in ("user", "treasury", "accountant"):
            login = f"adv_{role}_a"
            for method in ("action_webhook_rotate_token", "action_webhook_rotate_secret"):
                self.assertRefused(self.call_button(login, "finance.bank.connection", method, [self.conn.id]))
            answer = self.call_kw_as(login, "finance.bank.connection", "read", [self.conn.ids, ["webhook_token"]])
            self.assertRefused(answer, f"{login} reads the webhook token")
        # company B's administrator: not on company A's connection
        self.assertRefused(self.call_button("adv_conn_admin_b", "finance.bank.connection",
                                            "action_webhook_rotate_token", [self.conn.id]))
        # the administrator of the company may not write the token directly either
        self.assertRefused(self.call_kw_as("adv_conn_admin_a", "finance.bank.connection", "write",
                                           [self.conn.ids, {"webhook_token": "chosen-by-attacker"}]))
        self.conn.invalidate_recordset()
        self.assertEqual(self.conn.webhook_token, token)
        answer = self.call_button("adv_conn_admin_a", "finance.bank.connection", "action_webhook_rotate_token",
                                  [self.conn.id])
        self.assertTrue(answer.ok, answer)
        self.conn.invalidate_recordset()
        self.assertNotEqual(self.conn.webhook_token, token)
        answer = self.call_button("adv_conn_admin_a", "finance.bank.connection", "action_webhook_rotate_secret",
                                  [self.conn.id])
        self.assertTrue(answer.ok, answer)
        self.assertIn("not shown again", answer.result["params"]["message"])

    def test_retry_failed_event_for_treasury_only(self):
        self.assertRefused(self.call_button("adv_user_a", "finance.webhook.inbox", "action_retry", self.event.ids))
        self.assertRefused(self.call_button("adv_treasury_b", "finance.webhook.inbox", "action_retry",
                                            self.event.ids))
        answer = self.call_button("adv_treasury_a", "finance.webhook.inbox", "action_retry", self.event.ids)
        self.assertTrue(answer.ok, answer)
        self.event.invalidate_recordset()
        self.assertEqual((self.event.state, self.event.attempts), ("queued", 0))
