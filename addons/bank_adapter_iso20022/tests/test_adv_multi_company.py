"""Multi-company configuration, attacked over JSON-RPC by company B's administrators.

The review found that a Connection Administrator of company B could edit a bank profile shared
with company A and move his connection, with its secrets, into company A. Shared records are
editable only by a user allowed in every company; the company (and the parent connection) of a
connection and of its secrets, settings and accounts never change after creation; journals, bank
profiles and balances must belong to the connection's company.
"""
from odoo.addons.finance_bridge_core.tests import factories
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.tests.common import tagged


@tagged("post_install", "-at_install")
class TestMultiCompanyOverRpc(RpcAttackCase):
    adversarial_class = "multi_company"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shared_profile = cls.env.ref("bank_adapter_iso20022.profile_sepa_generic")
        cls.admin_b = cls.users[("conn_admin", "b")].login
        cls.admin_a = cls.users[("conn_admin", "a")].login
        cls.journal_a = factories.BankJournalFactory(company_id=cls.company_a.id)
        cls.journal_b = factories.BankJournalFactory(company_id=cls.company_b.id)
        Connection = cls.env["finance.bank.connection"]
        cls.conn_a = Connection.create({"name": "A bank", "provider": "json_folder", "company_id": cls.company_a.id})
        cls.conn_b = Connection.create({"name": "B bank", "provider": "json_folder", "company_id": cls.company_b.id})
        cls.secret_b = cls.env["finance.bank.secret"].create(
            {"connection_id": cls.conn_b.id, "key": "api_key", "label": "API key"})
        cls.setting_b = cls.env["finance.bank.connection.setting"].create(
            {"connection_id": cls.conn_b.id, "key": "extra", "label": "Extra"})
        cls.account_b = cls.env["finance.bank.connection.account"].create(
            {"connection_id": cls.conn_b.id, "journal_id": cls.journal_b.id})

    def assertCompany(self, record, company):
        record.invalidate_recordset()
        self.assertEqual(record.company_id, company)

    # ------------------------------------------------------------------ shared records
    def test_company_b_admin_edits_a_shared_bank_profile(self):
        before = self.shared_profile.max_name
        for vals in ({"max_name": 35}, {"charset": "unicode"}, {"company_id": self.company_b.id}):
            self.assertRefused(self.call_kw(self.admin_b, "finance.bank.profile", "write",
                                            [self.shared_profile.ids, vals]))
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.profile", "unlink", [self.shared_profile.ids]))
        self.shared_profile.invalidate_recordset()
        self.assertEqual((self.shared_profile.max_name, self.shared_profile.company_id.id), (before, False))

    def test_company_b_admin_creates_or_shares_a_profile(self):
        vals = {"name": "B dialect", "code": "b_dialect"}
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.profile", "create", [vals]))
        own = self.call_kw(self.admin_b, "finance.bank.profile", "create", [dict(vals, company_id=self.company_b.id)])
        self.assertTrue(own.ok, own)  # a company adapts a profile of its own
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.profile", "write",
                                        [[own.result], {"company_id": False}]))
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.profile", "write",
                                        [[own.result], {"company_id": self.company_a.id}]))

    def test_profile_of_company_a_on_a_company_b_connection(self):
        profile_a = self.env["finance.bank.profile"].create(
            {"name": "A dialect", "code": "a_dialect", "company_id": self.company_a.id})
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.connection", "write",
                                        [self.conn_b.ids, {"bank_profile_id": profile_a.id}]))
        self.conn_b.invalidate_recordset()
        self.assertNotEqual(self.conn_b.bank_profile_id, profile_a)

    # ------------------------------------------------------------------ moving records between companies
    def test_connection_moved_into_company_a(self):
        for login in (self.admin_b, "admin"):
            self.assertRefused(self.call_kw(login, "finance.bank.connection", "write",
                                            [self.conn_b.ids, {"company_id": self.company_a.id}]))
        self.assertCompany(self.conn_b, self.company_b)
        self.assertCompany(self.secret_b, self.company_b)

    def test_secret_moved_to_a_company_a_connection(self):
        for login in (self.admin_b, "admin"):
            for vals in ({"connection_id": self.conn_a.id}, {"company_id": self.company_a.id}):
                self.assertRefused(self.call_kw(login, "finance.bank.secret", "write", [self.secret_b.ids, vals]))
        self.secret_b.invalidate_recordset()
        self.assertEqual(self.secret_b.connection_id, self.conn_b)
        self.assertCompany(self.conn_b, self.company_b)
        self._connection_created_in_company_a_by_company_b_admin()

    def test_setting_and_account_moved_to_a_company_a_connection(self):
        for model, record in (("finance.bank.connection.setting", self.setting_b),
                              ("finance.bank.connection.account", self.account_b)):
            for login in (self.admin_b, "admin"):
                self.assertRefused(self.call_kw(login, model, "write",
                                                [record.ids, {"connection_id": self.conn_a.id}]))
                self.assertRefused(self.call_kw(login, model, "write",
                                                [record.ids, {"company_id": self.company_a.id}]))
            record.invalidate_recordset()
            self.assertEqual(record.connection_id, self.conn_b)
        self._company_a_journal_added_to_a_company_b_connection()

    def _company_a_journal_added_to_a_company_b_connection(self):
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.connection.account", "create",
                                        [{"connection_id": self.conn_b.id, "journal_id": self.journal_a.id}]))
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.connection.account", "write",
                                        [self.account_b.ids, {"journal_id": self.journal_a.id}]))
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.connection", "write", [self.conn_b.ids, {
            "account_ids": [(0, 0, {"journal_id": self.journal_a.id})]}]))
        self.assertNotIn(self.journal_a, self.conn_b.account_ids.journal_id)

    def _connection_created_in_company_a_by_company_b_admin(self):
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.connection", "create", [{
            "name": "Sneaky", "provider": "json_folder", "company_id": self.company_a.id}]))
        self.assertRefused(self.call_kw(self.admin_b, "finance.bank.secret", "create", [{
            "connection_id": self.conn_a.id, "key": "sneaky", "label": "Sneaky"}]))
        self.assertFalse(self.env["finance.bank.connection"].search([("name", "=", "Sneaky")]))

    def test_balance_of_a_company_b_journal_named_after_a_company_a_connection(self):
        treasury_b = self.users[("treasury", "b")].login
        self.assertRefused(self.call_kw(treasury_b, "finance.bank.balance", "create", [{
            "journal_id": self.journal_b.id, "connection_id": self.conn_a.id, "kind": "booked",
            "date": "2026-01-05", "currency_id": self.company_b.currency_id.id, "amount": 10.0}]))
