"""Demo: open vendor bills to trusted IBANs and a batch waiting for approval, prepared by the demo preparer."""
import logging
from datetime import timedelta

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

# (vendor, IBAN, BIC, [(reference, amount, days until due)])
DEMO_VENDORS = (
    ("Acme Supplies GmbH", "DE75512108001245126199", "", (("ACME-2026-0141", 1840.00, 3),
                                                           ("ACME-2026-0157", 615.50, 10))),
    ("Blue Harbor Logistics BV", "NL91ABNA0417164300", "ABNANL2A", (("BHL-88213", 2975.00, 5),)),
    ("Nordic Paper AB", "SE4550000000058398257466", "", (("NP-55120", 432.80, 1),
                                                          ("NP-55187", 1210.00, 20))),
)


class FinancePaymentDemo(models.AbstractModel):
    _name = "finance.payment.demo"
    _description = "Payment release workflow demo data"

    @api.model
    def _setup_demo(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        bills = self.env["account.move"]
        for vendor, iban, bic, invoices in DEMO_VENDORS:
            bank = self.env["res.partner.bank"].search([("sanitized_acc_number", "=", iban)], limit=1)
            if not bank:
                partner = self.env["res.partner"].create({"name": vendor, "is_company": True})
                bank = self.env["res.partner.bank"].create({"acc_number": iban, "partner_id": partner.id})
            if bic:
                bank.bank_id = self.env["res.bank"].search([("bic", "=", bic)], limit=1) or \
                    self.env["res.bank"].create({"name": vendor.split()[0] + " Bank", "bic": bic})
            # Odoo's own "trusted" flag (a person checked this account); demo loading may set it.
            bank.with_context(install_mode=True).allow_out_payment = True
            for ref, amount, due in invoices:
                bill = self.env["account.move"].create({
                    "move_type": "in_invoice", "partner_id": bank.partner_id.id, "partner_bank_id": bank.id,
                    "ref": ref, "payment_reference": ref, "invoice_date": today - timedelta(days=20),
                    "invoice_date_due": today + timedelta(days=due), "company_id": company.id,
                    "invoice_line_ids": [fields.Command.create({"name": f"{vendor}: {ref}", "quantity": 1,
                                                                "price_unit": amount, "tax_ids": []})],
                })
                bill.action_post()
                bills |= bill
        preparer = self.env.ref("finance_bridge_core.demo_user_preparer", raise_if_not_found=False)
        batch_model = self.env["finance.payment.batch"]
        connection = batch_model._payment_connections(company)[:1] or self._demo_connection(company)
        first = bills.filtered(lambda b: b.invoice_date_due <= today + timedelta(days=5))
        batch = batch_model.with_user(preparer or self.env.user).with_company(company)._new_for_bills(
            first, connection_id=connection.id)
        batch.write({"line_ids": [fields.Command.create({"move_id": bill.id}) for bill in first]})
        if batch.connection_id and batch.journal_id:
            batch.action_submit()
        else:
            _logger.warning("demo payment batch %s left in draft: no bank journal or payments connection", batch.name)
        return batch

    @api.model
    def _demo_connection(self, company):
        """A watched-folder ISO 20022 connection (left in draft) when that adapter is installed."""
        providers = dict(self.env["finance.bank.connection"]._selection_provider())
        if "iso20022_folder" not in providers:
            return self.env["finance.bank.connection"]
        return self.env["finance.bank.connection"].create({
            "name": "Demo Bank payments (watched folder)", "provider": "iso20022_folder", "company_id": company.id})
