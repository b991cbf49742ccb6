"""GET /finance_bridge/metrics over real HTTP: disabled by default, refused without the token, same figures."""
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import HttpCase, new_test_user, tagged

from ..lib.prometheus import parse

TOKEN = "metrics-token-0123456789abcdef"


@tagged("post_install", "-at_install")
class TestMetricsEndpoint(HttpCase):
    adversarial_class = "operations"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.config = cls.env.ref("finance_bridge_treasury.metrics_config")
        cls.journal = factories.BankJournalFactory()
        cls.env["finance.bank.balance"].create({
            "journal_id": cls.journal.id, "kind": "booked", "position": "closing", "date": "2026-01-05",
            "currency_id": cls.env.company.currency_id.id, "amount": 1234.5})

    def get(self, token=None, scheme="Bearer"):
        headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
        return self.url_open("/finance_bridge/metrics", headers=headers)

    def enable(self):
        self.config.write({"enabled": True, "token": TOKEN})

    def test_disabled_by_default(self):
        self.assertFalse(self.config.enabled)
        self.assertEqual(self.get(TOKEN).status_code, 404)

    def test_refused_without_or_with_a_wrong_token(self):
        self.enable()
        self.assertEqual(self.get().status_code, 401)
        self.assertEqual(self.get("").status_code, 401)
        self.assertEqual(self.get(TOKEN + "x").status_code, 401)
        self.assertEqual(self.get(TOKEN, scheme="Basic").status_code, 401)
        self.assertIn("Bearer", self.get().headers.get("WWW-Authenticate", ""))

    def test_a_session_is_not_a_token(self):
        self.enable()
        self.authenticate("admin", "admin")
        self.assertEqual(self.get().status_code, 401)

    def test_token_is_sealed_and_never_read(self):
        self.enable()
        self.env.cr.execute("SELECT ciphertext FROM finance_treasury_metrics_config WHERE id = %s", (self.config.id,))
        sealed = self.env.cr.fetchone()[0]
        self.assertTrue(sealed)
        self.assertNotIn(TOKEN, sealed)
        self.config.invalidate_recordset(["token"])
        self.assertFalse(self.config.token)
        admin_b = new_test_user(self.env, "tr_metrics_treasury", groups="base.group_user,"
                                "finance_bridge_core.group_treasury_manager")
        with self.assertRaises(Exception):
            self.config.with_user(admin_b).write({"token": "x" * 30})

    def test_values_equal_the_dashboard(self):
        self.enable()
        response = self.get(TOKEN)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("text/plain"))
        values = parse(response.text)
        company = self.env.company
        ops = self.env["finance.treasury.ops.company"].search([("company_id", "=", company.id)])
        for field in ("dead_letters", "outbox_queued", "exceptions_backlog", "technical_failures",
                      "business_failures", "statements_missing"):
            self.assertEqual(values[(f"finance_bridge_{field}", frozenset({("company", company.name)}))],
                             ops[field], field)
        account = self.env["finance.treasury.cash.account"].search([("journal_id", "=", self.journal.id)])
        labels = frozenset({("company", company.name), ("account", self.journal.name),
                            ("currency", account.currency_id.name)})
        self.assertEqual(values[("finance_bridge_account_balance", labels)], account.balance)
        self.assertEqual(values[("finance_bridge_account_balance", labels)], 1234.5)
        position = self.env["finance.treasury.position"].search([("company_id", "=", company.id)])
        for horizon in (0, 7, 30, 90):
            key = ("finance_bridge_cash_position", frozenset({("company", company.name),
                                                              ("horizon_days", str(horizon)),
                                                              ("currency", company.currency_id.name)}))
            self.assertAlmostEqual(values[key], position[f"position_{horizon}_company"], places=2)

    def test_webhook_refusals_and_inbox_are_exported(self):
        conn = self.env["finance.bank.connection"].create({"name": "Metrics webhook", "provider": "json_folder"})
        refusals = self.env["finance.webhook.refusal"].sudo()
        for reason in ("unsigned", "unsigned", "stale"):
            refusals._append(reason, 401, conn, "127.0.0.1")
        refusals._append("unknown_token", 404)
        self.enable()
        values = parse(self.get(TOKEN).text)
        company = self.env.company.name
        name = "finance_bridge_webhook_refused_total"
        self.assertEqual(values[(name, frozenset({("company", company), ("connection", conn.name),
                                                  ("reason", "unsigned")}))], 2)
        self.assertEqual(values[(name, frozenset({("company", company), ("connection", conn.name),
                                                  ("reason", "stale")}))], 1)
        unknown = [v for (metric, labels), v in values.items()
                   if metric == name and ("reason", "unknown_token") in labels]
        self.assertEqual(len(unknown), 1)
        self.assertGreaterEqual(unknown[0], 1)
