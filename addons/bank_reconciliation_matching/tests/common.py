"""Set-up shared by the ORM tests: a bank journal, customers with IBANs, invoices, bank lines."""
from odoo import Command
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.tests.common import TransactionCase


class ReconcileCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.company = cls.env.company
        cls.eur = cls.company.currency_id
        cls.journal = cls.env["account.journal"].create({"name": "Recon Bank", "code": "RBNK", "type": "bank"})
        cls.customer = cls.env["res.partner"].create({"name": "Customer One", "is_company": True})
        cls.other = cls.env["res.partner"].create({"name": "Customer Two", "is_company": True})
        cls.customer_iban = iban_de(7_100_001)
        cls.env["res.partner.bank"].create({"partner_id": cls.customer.id, "acc_number": cls.customer_iban})
        Account = cls.env["account.account"]
        cls.income = Account.search([("account_type", "=", "income"), ("company_ids", "in", cls.company.id)], limit=1)
        cls.expense = Account.search([("account_type", "=", "expense"), ("company_ids", "in", cls.company.id)],
                                     limit=1)
        cls.writeoff_account = Account.create({"name": "Payment differences", "code": "RW001",
                                               "account_type": "expense"})
        cls.charges_account = Account.create({"name": "Bank charges", "code": "RW002", "account_type": "expense"})
        cls.company.write({"finance_writeoff_account_id": cls.writeoff_account.id, "finance_writeoff_tolerance": 0.5,
                           "finance_charges_account_id": cls.charges_account.id, "finance_match_threshold": 95})
        cls.Matcher = cls.env["finance.reconcile.matcher"]

    def invoice(self, amount, partner=None, reference=None, move_type="out_invoice", currency=None, date="2026-03-01"):
        move = self.env["account.move"].create({
            "move_type": move_type, "partner_id": (partner or self.customer).id, "invoice_date": date,
            "date": date, "currency_id": (currency or self.eur).id,
            "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": amount,
                                                 "account_id": (self.income if move_type == "out_invoice"
                                                                else self.expense).id, "tax_ids": []})],
        })
        move.action_post()
        if reference is not None:
            move.payment_reference = reference
        return move

    def bank_line(self, amount, label="/", partner=None, details=None, iban=None, journal=None, **extra):
        vals = {"journal_id": (journal or self.journal).id, "date": "2026-03-05", "payment_ref": label,
                "amount": amount, "partner_id": partner.id if partner else False,
                "account_number": iban or False, "transaction_details": details or {}}
        vals.update(extra)
        return self.env["account.bank.statement.line"].create(vals)

    def receivable(self, move):
        return move.line_ids.filtered(lambda line: line.account_id.account_type in ("asset_receivable",
                                                                                     "liability_payable"))

    def best(self, line):
        return line.finance_suggestion_ids.filtered(lambda s: s.state == "suggested")[:1]
