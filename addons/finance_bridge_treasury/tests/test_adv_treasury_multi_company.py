"""Two treasurers of different companies over JSON-RPC: each sees exactly their companies' cash."""
from odoo.addons.finance_bridge_core.tests import factories
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.tests.common import new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTreasuryMultiCompany(RpcAttackCase):
    adversarial_class = "multi_company"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.journal_a = factories.BankJournalFactory(company_id=cls.company_a.id)
        cls.journal_b = env["account.journal"].create({"name": "B bank", "code": "TRB1", "type": "bank",
                                                      "company_id": cls.company_b.id})
        for journal, amount in ((cls.journal_a, 111), (cls.journal_b, 222)):
            env["finance.bank.balance"].create({
                "journal_id": journal.id, "kind": "booked", "position": "closing", "date": "2026-01-05",
                "currency_id": journal.company_id.currency_id.id, "amount": amount})
        cls.group_treasurer = new_test_user(
            env, "tr_group_treasurer", password="tr_group_treasurer",
            groups="base.group_user,finance_bridge_core.group_treasury_manager",
            company_id=cls.company_a.id, company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)])

    def journals_seen(self, login, model="finance.treasury.cash.account", companies=None):
        kwargs = {"fields": ["journal_id", "company_id"]}
        if companies:
            kwargs["context"] = {"allowed_company_ids": companies.ids}
        answer = self.call_kw(login, model, "search_read", [[]], kwargs)
        self.assertTrue(answer.ok, answer)
        return {row["journal_id"][0] for row in answer.result if row["journal_id"]}, \
            {row["company_id"][0] for row in answer.result}

    def test_treasurer_a_sees_only_company_a(self):
        journals, companies = self.journals_seen("adv_treasury_a")
        self.assertIn(self.journal_a.id, journals)
        self.assertNotIn(self.journal_b.id, journals)
        self.assertEqual(companies, {self.company_a.id})

    def test_treasurer_b_sees_only_company_b(self):
        journals, companies = self.journals_seen("adv_treasury_b")
        self.assertEqual(journals, {self.journal_b.id})
        self.assertEqual(companies, {self.company_b.id})

    def test_treasurer_a_cannot_widen_to_company_b(self):
        answer = self.call_kw("adv_treasury_a", "finance.treasury.cash.account", "search_read", [[]],
                              {"fields": ["journal_id"], "context": {"allowed_company_ids": [self.company_b.id]}})
        self.assertRefused(answer)

    def test_treasurer_a_cannot_read_b_row_by_id(self):
        answer = self.call_kw("adv_treasury_a", "finance.treasury.cash.account", "read",
                              [[self.journal_b.id], ["balance"]])
        self.assertRefused(answer)

    def test_position_and_lines_confined(self):
        for model in ("finance.treasury.position", "finance.treasury.position.line", "finance.treasury.ops.company"):
            answer = self.call_kw("adv_treasury_b", model, "search_read", [[]], {"fields": ["company_id"]})
            self.assertTrue(answer.ok, answer)
            self.assertEqual({row["company_id"][0] for row in answer.result}, {self.company_b.id}, model)

    def test_read_group_confined(self):
        answer = self.call_kw("adv_treasury_a", "finance.treasury.position.line", "formatted_read_group",
                              [[], ["company_id"], ["amount_company:sum"]])
        self.assertTrue(answer.ok, answer)
        self.assertEqual({row["company_id"][0] for row in answer.result}, {self.company_a.id})

    def test_group_treasurer_sees_both_companies(self):
        journals, companies = self.journals_seen("tr_group_treasurer",
                                                 companies=self.company_a | self.company_b)
        self.assertTrue({self.journal_a.id, self.journal_b.id} <= journals)
        self.assertEqual(companies, {self.company_a.id, self.company_b.id})

    def test_plain_user_cannot_write_alert_rules_or_metrics(self):
        self.assertRefused(self.call_kw("adv_user_a", "finance.treasury.alert.rule", "create",
                                        [{"name": "x", "condition": "outbox_dead"}]))
        config = self.env.ref("finance_bridge_treasury.metrics_config")
        self.assertRefused(self.call_kw("adv_treasury_a", "finance.treasury.metrics.config", "write",
                                        [[config.id], {"enabled": True}]))
        self.assertRefused(self.call_kw("adv_conn_admin_a", "finance.treasury.metrics.config", "write",
                                        [[config.id], {"enabled": True}]))

    def test_treasurer_cannot_create_rule_for_other_or_all_companies(self):
        self.assertRefused(self.call_kw("adv_treasury_a", "finance.treasury.alert.rule", "create",
                                        [{"name": "x", "condition": "outbox_dead", "company_id": self.company_b.id}]))
        self.assertRefused(self.call_kw("adv_treasury_a", "finance.treasury.alert.rule", "create",
                                        [{"name": "x", "condition": "outbox_dead", "company_id": False}]))

    def test_alerts_cannot_be_forged_or_closed_by_rpc(self):
        rule = self.env["finance.treasury.alert.rule"].create(
            {"name": "b", "condition": "outbox_dead", "company_id": self.company_a.id})
        self.assertRefused(self.call_kw("adv_treasury_a", "finance.treasury.alert", "create", [{
            "rule_id": rule.id, "company_id": self.company_a.id, "subject_key": "x", "state": "open"}]))
        alert = self.env["finance.treasury.alert"]._open(rule, "company:x", self.company_a, self.company_a, 1, "t")
        self.assertRefused(self.call_kw("adv_treasury_a", "finance.treasury.alert", "write",
                                        [[alert.id], {"state": "closed"}]))
        self.assertRefused(self.call_kw("adv_treasury_a", "finance.treasury.alert", "unlink", [[alert.id]]))

    def test_trace_does_not_cross_companies(self):
        run = self.env["finance.sync.run"].create({
            "connection_id": factories.ConnectionFactory(company_id=self.company_b.id).id,
            "correlation_id": "corr-company-b"})
        self.assertTrue(run)
        created = self.call_kw("adv_user_a", "finance.trace", "create", [{"query": "corr-company-b"}])
        self.assertTrue(created.ok, created)
        traced = self.call_kw("adv_user_a", "finance.trace", "action_trace", [[created.result]])
        self.assertTrue(traced.ok, traced)
        lines = self.call_kw("adv_user_a", "finance.trace.line", "search_read",
                             [[("trace_id", "=", created.result)]], {"fields": ["res_model", "res_id"]})
        self.assertTrue(lines.ok, lines)
        self.assertNotIn(("finance.sync.run", run.id), {(r["res_model"], r["res_id"]) for r in lines.result})
