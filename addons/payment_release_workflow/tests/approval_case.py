"""Shared set-up for the approval tests: bills, a beneficiary account, users holding two roles."""
import uuid

from odoo import fields
from odoo.addons.finance_bridge_core.tests import factories
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.tests.common import new_test_user

G = "finance_bridge_core.group_"
# Extra users of company A (password = login): the SoD rules only matter for people holding two roles.
EXTRA_USERS = {
    "adv_approver2_a": f"{G}payment_approver",
    "adv_senior_a": f"{G}payment_approver,{G}treasury_manager",
    "adv_treasury2_a": f"{G}treasury_manager",
    "adv_prepapp_a": f"{G}payment_preparer,{G}payment_approver",
    "adv_apprel_a": f"{G}payment_approver,{G}payment_releaser",
    "adv_preprel_a": f"{G}payment_preparer,{G}payment_releaser",
    "adv_bankapp_a": f"{G}payment_approver,base.group_partner_manager",
}
RISK_RULES = ("risk_rule_bank_changed", "risk_rule_new_account", "risk_rule_anomaly", "risk_rule_duplicate")


class ApprovalCase(RpcAttackCase):
    """Company A with bills to pay and one approval rule per test as needed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        for login, groups in EXTRA_USERS.items():
            cls.users[(login, "x")] = new_test_user(
                env, login, password=login, groups=f"base.group_user,{groups}",
                company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)])
        # Preparers work on bills (as the demo users do): they need the invoicing rights.
        invoicing = env.ref("account.group_account_invoice")
        for login in ("adv_preparer_a", "adv_prepapp_a", "adv_preprel_a"):
            env["res.users"].search([("login", "=", login)]).group_ids = [(4, invoicing.id)]
        # Screening rules of risk_screening (when installed) off: these tests choose their holds.
        cls.company_a.write({name: False for name in RISK_RULES if name in cls.company_a._fields})
        cls.journal = factories.BankJournalFactory(company_id=cls.company_a.id)
        cls.journal2 = factories.BankJournalFactory(company_id=cls.company_a.id)
        cls.connection = factories.ConnectionFactory(provider="iso20022_folder", company_id=cls.company_a.id)
        cls.connection2 = factories.ConnectionFactory(provider="iso20022_folder", company_id=cls.company_a.id)
        cls.vendor = env["res.partner"].create({"name": "Approval Test Vendor GmbH", "is_company": True})
        cls.bank = cls._bank(91)
        cls.bank2 = cls._bank(92)
        cls.bills = [cls._bill(cls.vendor, 1000 + 100 * n) for n in range(4)]

    @classmethod
    def _bank(cls, n, partner=None):
        return cls.env["res.partner.bank"].create({
            "acc_number": iban_de(8_100_000 + n), "partner_id": (partner or cls.vendor).id,
            "allow_out_payment": True, "company_id": cls.company_a.id})

    @classmethod
    def _bill(cls, partner, amount):
        move = cls.env["account.move"].with_company(cls.company_a).create({
            "move_type": "in_invoice", "partner_id": partner.id, "company_id": cls.company_a.id,
            "invoice_date": fields.Date.today(), "ref": f"INV-{partner.id}-{amount}",
            "invoice_line_ids": [(0, 0, {"name": "Services", "quantity": 1, "price_unit": amount, "tax_ids": []})]})
        move.action_post()
        return move

    def user(self, login):
        return self.env["res.users"].search([("login", "=", login)])

    def line_vals(self, bill, amount=None, bank=None):
        return {"move_id": bill.id, "partner_id": bill.partner_id.id, "partner_bank_id": (bank or self.bank).id,
                "amount": amount or bill.amount_residual, "currency_id": bill.currency_id.id,
                "remittance": bill.ref, "end_to_end_id": f"E2E{uuid.uuid4().hex[:24].upper()}"}

    def make_batch(self, preparer="adv_preparer_a", bills=None, amounts=None, journal=None):
        """A draft batch created through the ORM as ``preparer``."""
        bills = bills or self.bills[:1]
        amounts = amounts or [None] * len(bills)
        return self.env["finance.payment.batch"].with_user(self.user(preparer)).create({
            "company_id": self.company_a.id, "journal_id": (journal or self.journal).id,
            "connection_id": self.connection.id,
            "currency_id": self.company_a.currency_id.id,
            "line_ids": [(0, 0, self.line_vals(b, a)) for b, a in zip(bills, amounts, strict=True)]})

    def submitted(self, preparer="adv_preparer_a", **kwargs):
        batch = self.make_batch(preparer, **kwargs)
        batch.with_user(self.user(preparer)).action_submit()
        self.assertEqual(batch.state, "to_approve")
        return batch

    def approve(self, batch, login):
        batch.with_user(self.user(login)).action_approve()

    def set_rule(self, **vals):
        """An approval rule for company A, straight through the ORM as superuser (set-up only)."""
        approver = self.env.ref(f"{G}payment_approver")
        return self.env["finance.payment.policy.rule"].create(dict({
            "company_id": self.company_a.id, "required_approvals": 1,
            "approver_group_ids": [(6, 0, approver.ids)]}, **vals))

    def two_approvals_rule(self, senior=0):
        return self.set_rule(required_approvals=2, senior_approvals=senior,
                             senior_group_ids=[(6, 0, self.env.ref(f"{G}treasury_manager").ids)] if senior else [])

    def fresh(self, record):
        self.env.invalidate_all()
        return record

    def audit_types(self, batch):
        return self.env["finance.audit.event"].search([("model", "=", batch._name), ("res_id", "=", batch.id)]
                                                      ).mapped("event_type")

    def assertRefusedFor(self, answer, words):
        """Refused, and for the reason expected (not for some other check)."""
        self.assertRefused(answer)
        self.assertIn(words, answer.message)

    def release_with_password(self, login, batch, password=None):
        """Release over JSON-RPC as the web client does: the button, then Odoo's identity check wizard."""
        answer = self.call_button(login, "finance.payment.batch", "action_release", [batch.id])
        if not answer.ok or not isinstance(answer.result, dict) or answer.result.get(
                "res_model") != "res.users.identitycheck":
            return answer, None
        wizard = answer.result["res_id"]
        second = self.call_button(login, "res.users.identitycheck", "run_check", [wizard],
                                  {"context": {"password": password or login}})
        return answer, second
