"""Groups, access rules and multi-company isolation."""
from odoo.exceptions import AccessError
from odoo.tests.common import TransactionCase, new_test_user

from . import factories
from .outbox_sources import queue_message


class TestSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.company_a = cls.env.company
        cls.company_b = factories.CompanyFactory()
        cls.conn_a = factories.ConnectionFactory(company_id=cls.company_a.id)
        cls.conn_b = factories.ConnectionFactory(company_id=cls.company_b.id)
        cls.env["finance.audit.event"]._log("test.b", summary="b only", company=cls.company_b)
        queue_message(cls.env, "SEC-B", "payment_batch.submit", {}, company=cls.company_b)
        cls.reader_a = new_test_user(cls.env, "fb_reader_a", groups="finance_bridge_core.group_finance_user",
                                     company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)])
        cls.admin_ab = new_test_user(cls.env, "fb_admin_ab", groups="finance_bridge_core.group_connection_admin",
                                     company_id=cls.company_a.id,
                                     company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)])
        cls.plain = new_test_user(cls.env, "fb_plain", groups="base.group_user")

    def test_reader_sees_only_own_company(self):
        env = self.env(user=self.reader_a)
        names = env["finance.bank.connection"].search([]).mapped("name")
        self.assertIn(self.conn_a.name, names)
        self.assertNotIn(self.conn_b.name, names)
        self.assertFalse(env["finance.outbox.message"].search([("key", "=", "SEC-B")]))
        self.assertFalse(env["finance.audit.event"].search([("event_type", "=", "test.b")]))
        with self.assertRaises(AccessError):
            env["finance.bank.connection"].browse(self.conn_b.id).read(["name"])

    def test_company_switch_needs_allowed_companies(self):
        env = self.env(user=self.admin_ab, context={"allowed_company_ids": [self.company_a.id]})
        self.assertNotIn(self.conn_b, env["finance.bank.connection"].search([]))
        env_both = self.env(user=self.admin_ab,
                            context={"allowed_company_ids": (self.company_a | self.company_b).ids})
        self.assertIn(self.conn_b, env_both["finance.bank.connection"].search([]))

    def test_reader_cannot_change_connections(self):
        with self.assertRaises(AccessError):
            self.conn_a.with_user(self.reader_a).write({"name": "x"})
        with self.assertRaises(AccessError):
            self.env["finance.bank.connection"].with_user(self.reader_a).create(
                {"name": "x", "provider": "json_folder"})

    def test_reader_cannot_see_secrets(self):
        with self.assertRaises(AccessError):
            self.env["finance.bank.secret"].with_user(self.reader_a).search([])

    def test_user_without_group_sees_nothing(self):
        for model in ("finance.bank.connection", "finance.sync.run", "finance.outbox.message",
                      "finance.audit.event", "finance.status.event", "finance.bank.balance"):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.plain).search([])

    def test_admin_can_configure(self):
        conn = self.env["finance.bank.connection"].with_user(self.admin_ab).create(
            {"name": "By admin", "provider": "json_folder"})
        self.assertEqual(conn.company_id, self.company_a)

    def test_payment_roles_are_independent(self):
        preparer = self.env.ref("finance_bridge_core.group_payment_preparer")
        approver = self.env.ref("finance_bridge_core.group_payment_approver")
        releaser = self.env.ref("finance_bridge_core.group_payment_releaser")
        for group in (preparer, approver, releaser):
            implied = group.all_implied_ids
            self.assertFalse(implied & (preparer | approver | releaser) - group, group.name)

    def test_journal_of_other_company_refused(self):
        factories.bind(self.env(context={"allowed_company_ids": self.company_b.ids}))
        self.env["account.chart.template"].try_loading("generic_coa", self.company_b, install_demo=False)
        journal_b = factories.BankJournalFactory(company_id=self.company_b.id)
        factories.bind(self.env)
        from odoo.exceptions import ValidationError
        with self.assertRaisesRegex(ValidationError, "another company"):
            self.conn_a.account_ids = [(0, 0, {"journal_id": journal_b.id})]
