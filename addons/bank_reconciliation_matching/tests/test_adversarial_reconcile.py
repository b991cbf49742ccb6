"""Adversarial: reconciliation decisions over real JSON-RPC, as users of both companies."""
from odoo import Command
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.tests.common import tagged

RF = "RF18 5390 0754 7034"


class ReconcileAttackBase(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.journal = env["account.journal"].create({"name": "Adv Recon", "code": "ADVR", "type": "bank",
                                                     "company_id": cls.company_a.id})
        cls.partner = env["res.partner"].create({"name": "Adv Customer", "company_id": cls.company_a.id})
        income = env["account.account"].search([("account_type", "=", "income"),
                                                ("company_ids", "in", cls.company_a.id)], limit=1)
        cls.invoices = env["account.move"]
        for amount in (100.0, 200.0):
            inv = env["account.move"].create({
                "move_type": "out_invoice", "partner_id": cls.partner.id, "invoice_date": "2026-03-01",
                "company_id": cls.company_a.id,
                "invoice_line_ids": [Command.create({"name": "x", "quantity": 1, "price_unit": amount,
                                                     "account_id": income.id, "tax_ids": []})]})
            inv.action_post()
            cls.invoices |= inv
        cls.invoices[0].payment_reference = RF
        cls.line = env["account.bank.statement.line"].create({
            "journal_id": cls.journal.id, "date": "2026-03-05", "payment_ref": f"pay {RF}", "amount": 100.0})
        env["finance.reconcile.matcher"]._match(cls.line)
        cls.suggestion = cls.line.finance_suggestion_ids[:1]

    def assertUnchanged(self):
        self.env.invalidate_all()
        self.assertFalse(self.line.is_reconciled)
        self.assertEqual(self.invoices.mapped("payment_state"), ["not_paid", "not_paid"])
        self.assertEqual(self.suggestion.state, "suggested")


@tagged("post_install", "-at_install")
class TestReconcileSegregation(ReconcileAttackBase):
    adversarial_class = "segregation_of_duties"

    def test_finance_user_cannot_accept(self):
        self.assertRefused(self.call_button("adv_user_a", "finance.reconcile.suggestion", "action_accept",
                                            self.suggestion.ids))
        self.assertUnchanged()

    def test_preparer_cannot_accept_best_on_the_line(self):
        self.assertRefused(self.call_button("adv_preparer_a", "account.bank.statement.line",
                                            "action_finance_accept_best", self.line.ids))
        self.assertUnchanged()

    def test_accountant_cannot_redirect_a_suggestion(self):
        other = self.invoices[1].line_ids.filtered(lambda aml: aml.account_id.account_type == "asset_receivable")
        self.assertRefused(self.call_kw("adv_accountant_a", "finance.reconcile.suggestion", "write",
                                        [self.suggestion.ids, {"allocations": [[other.id, "100.00"]],
                                                               "move_line_ids": [(6, 0, other.ids)]}]))
        self.assertRefused(self.call_kw("adv_accountant_a", "finance.reconcile.suggestion", "create",
                                        [{"statement_line_id": self.line.id, "rule": "manual", "score": 100,
                                          "allocations": [[other.id, "100.00"]]}]))
        self.assertUnchanged()
        self.assertEqual(self.suggestion.allocations[0][0], self.suggestion.move_line_ids.id)

    def test_private_reconcile_methods_are_not_callable(self):
        for model, method, args in (
                ("finance.reconcile.suggestion", "_reconcile_line", [[], self.line.id, [], ""]),
                ("finance.reconcile.writer", "_reconcile", [self.line.id, []]),
                ("finance.reconcile.matcher", "_match", [self.line.ids])):
            self.assertRefused(self.call_kw("adv_accountant_a", model, method, args))
        self.assertUnchanged()

    def test_finance_user_cannot_write_rules(self):
        account = self.env["account.account"].search([("account_type", "=", "expense")], limit=1)
        self.assertRefused(self.call_kw("adv_user_a", "finance.reconcile.rule", "create",
                                        [{"name": "steal", "label_contains": "x", "account_id": account.id}]))

    def test_accountant_accepts_then_resets(self):
        """The intended path works: the accountant accepts; a plain user cannot reset it."""
        answer = self.call_button("adv_accountant_a", "finance.reconcile.suggestion", "action_accept",
                                  self.suggestion.ids)
        self.assertTrue(answer.ok, answer)
        self.env.invalidate_all()
        self.assertTrue(self.line.is_reconciled)
        self.assertRefused(self.call_button("adv_user_a", "account.bank.statement.line", "action_finance_reset",
                                            self.line.ids))
        self.env.invalidate_all()
        self.assertTrue(self.line.is_reconciled)


@tagged("post_install", "-at_install")
class TestReconcileMultiCompany(ReconcileAttackBase):
    adversarial_class = "multi_company"

    def test_other_company_cannot_accept(self):
        self.assertRefused(self.call_button("adv_accountant_b", "finance.reconcile.suggestion", "action_accept",
                                            self.suggestion.ids))
        self.assertUnchanged()

    def test_other_company_cannot_read_suggestions(self):
        answer = self.call_kw("adv_accountant_b", "finance.reconcile.suggestion", "search_read",
                              [[("id", "=", self.suggestion.id)], ["explanation"]])
        self.assertTrue(answer.refused or answer.result == [], answer)

    def test_other_company_manual_wizard_on_our_line(self):
        answer = self.call_kw("adv_accountant_b", "finance.reconcile.manual", "create",
                              [{"statement_line_id": self.line.id}])
        if answer.ok:
            receivable = self.invoices[0].line_ids.filtered(
                lambda aml: aml.account_id.account_type == "asset_receivable")
            answer = self.call_button("adv_accountant_b", "finance.reconcile.manual", "action_reconcile",
                                      [answer.result], )
            self.assertRefused(answer)
            self.assertTrue(receivable)
        self.assertUnchanged()

    def test_other_company_split_wizard_on_our_line(self):
        receivable = self.invoices[0].line_ids.filtered(lambda aml: aml.account_id.account_type == "asset_receivable")
        answer = self.call_kw("adv_accountant_b", "finance.reconcile.split", "create",
                              [{"statement_line_id": self.line.id,
                                "part_ids": [(0, 0, {"amount": self.line.amount, "move_line_id": receivable.id})]}])
        if answer.ok:
            self.assertRefused(self.call_button("adv_accountant_b", "finance.reconcile.split", "action_split",
                                                [answer.result]))
        self.assertUnchanged()

    def test_other_company_cannot_match_or_reset_our_journal(self):
        self.assertRefused(self.call_button("adv_accountant_b", "account.journal", "action_finance_match",
                                            self.journal.ids))
        self.assertRefused(self.call_button("adv_accountant_b", "account.bank.statement.line",
                                            "action_finance_reset", self.line.ids))
        self.assertUnchanged()

    def test_rule_for_another_company_refused(self):
        account = self.env["account.account"].search([("account_type", "=", "expense")], limit=1)
        answer = self.call_kw("adv_accountant_a", "finance.reconcile.rule", "create",
                              [{"name": "cross", "label_contains": "x", "account_id": account.id,
                                "company_id": self.company_b.id}])
        self.assertRefused(answer)
