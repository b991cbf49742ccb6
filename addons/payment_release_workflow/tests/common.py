"""Shared set-up of the payment batch tests: a bank journal, a payments connection, vendors and bills."""
from datetime import date, timedelta

from odoo import fields
from odoo.addons.finance_bridge_core.tests import factories
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.tests.common import TransactionCase, new_test_user

PAYMENTS_PROVIDER = "iso20022_folder"


class PaymentBatchCase(TransactionCase):
    """Company, bank journal, an ISO 20022 folder connection (payments capability), vendors with trusted IBANs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        factories.bind(cls.env)
        cls.company = cls.env.company
        cls.company.partner_id.tz = "Europe/Berlin"
        cls.company.write({f: False for f in ("risk_rule_bank_changed", "risk_rule_new_account") if f in cls.company._fields})
        cls.currency = cls.company.currency_id
        cls.journal = factories.BankJournalFactory()
        providers = dict(cls.env["finance.bank.connection"]._selection_provider())
        if PAYMENTS_PROVIDER not in providers:
            cls.skipTest(cls, "no provider with the payments capability installed (bank_adapter_iso20022)")
        cls.connection = cls.env["finance.bank.connection"].create({
            "name": "Payments test bank", "provider": PAYMENTS_PROVIDER, "company_id": cls.company.id,
            "payment_cutoff_time": 15.0})
        cls.preparer = new_test_user(cls.env, "pb_preparer", groups=(
            "base.group_user,finance_bridge_core.group_payment_preparer,account.group_account_invoice"))
        cls.vendor_a, cls.bank_a = cls.vendor("PB Vendor A", iban_de(7_000_001))
        cls.vendor_b, cls.bank_b = cls.vendor("PB Vendor B", iban_de(7_000_002))

    @classmethod
    def vendor(cls, name, iban, trusted=True):
        partner = cls.env["res.partner"].create({"name": name, "is_company": True})
        bank = cls.env["res.partner.bank"].create({"acc_number": iban, "partner_id": partner.id,
                                                   "allow_out_payment": trusted})
        return partner, bank

    @classmethod
    def bill(cls, partner, amount, ref=None, due=None, bank=None, post=True):
        move = cls.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": partner.id, "ref": ref, "payment_reference": ref,
            "partner_bank_id": (bank or partner.bank_ids[:1]).id,
            "invoice_date": date.today() - timedelta(days=10),
            "invoice_date_due": due or date.today() + timedelta(days=5),
            "invoice_line_ids": [fields.Command.create({"name": ref or "goods", "quantity": 1,
                                                        "price_unit": amount, "tax_ids": []})],
        })
        if post:
            move.action_post()
        return move

    def batch(self, bills, **values):
        vals = {"journal_id": self.journal.id, "connection_id": self.connection.id,
                "line_ids": [fields.Command.create({"move_id": bill.id}) for bill in bills]}
        vals.update(values)
        return self.env["finance.payment.batch"].create(vals)

    def pay_elsewhere(self, bill, amount=None):
        """Register a payment outside the workflow with Odoo's own wizard."""
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids).create(
            {"journal_id": self.journal.id, **({"amount": amount} if amount else {})})
        return wizard._create_payments()
