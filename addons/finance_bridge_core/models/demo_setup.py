"""Demo: bank journals with IBANs, counterparties, and a folder connection that really syncs."""
import json
import logging
import os
from datetime import date, timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import config

from ..lib.dto import Money, StatementDTO, StatementLineDTO
from ..lib.json_statement_parser import statement_to_document
from ..lib.path_confinement import PathConfinementError, confine
from .folder_roots import configured_folder_roots

_logger = logging.getLogger(__name__)

DEMO_ACCOUNTS = (("FBDE1", "Demo Current Account", "DE89370400440532013000"),
                 ("FBDE2", "Demo Savings", "DE02120300000000202051"))
DEMO_PARTNERS = (("Acme Supplies GmbH", "DE75512108001245126199"),
                 ("Blue Harbor Logistics BV", "NL91ABNA0417164300"),
                 ("Nordic Paper AB", "SE4550000000058398257466"))


def demo_inbox(dbname):
    return os.path.join(config["data_dir"], "finance_bridge_demo", dbname, "inbox")


def demo_statements(iban, currency, start, days=3, opening=Decimal("10000.00")):
    """A few consecutive daily statements with balances that chain."""
    statements, balance = [], opening
    for day in range(days):
        booking = start + timedelta(days=day)
        lines = []
        for index, (name, cp_iban) in enumerate(DEMO_PARTNERS):
            amount = Decimal(-1) * Decimal(120 + 35 * index + 7 * day).quantize(Decimal("0.01")) \
                if index % 2 == 0 else Decimal(250 + 11 * day).quantize(Decimal("0.01"))
            lines.append(StatementLineDTO(
                booking_date=booking, value_date=booking, amount=Money(amount, currency),
                label=f"Invoice {booking:%Y%m}-{index + 1:03d}", counterparty_name=name,
                counterparty_iban=cp_iban, end_to_end_id=f"E2E-{booking:%Y%m%d}-{index}",
                acct_svcr_ref=f"BANK-{iban[-4:]}-{booking:%Y%m%d}-{index}",
                unique_id=f"BANK-{iban[-4:]}-{booking:%Y%m%d}-{index}", bank_transaction_code="PMNT-ICDT-ESCT"))
        closing = balance + sum((line.amount.amount for line in lines), Decimal(0))
        statements.append(StatementDTO(account=iban, currency=currency, date=booking, lines=tuple(lines),
                                       statement_id=f"{iban[-4:]}-{booking:%Y%m%d}", sequence=day + 1,
                                       opening_balance=balance, closing_balance=closing))
        balance = closing
    return statements


class FinanceBridgeDemo(models.AbstractModel):
    _name = "finance.bridge.demo"
    _description = "Finance Bridge demo data"

    @api.model
    def _setup_demo(self, connection=None, inbox=None):
        """Create the demo journals and partners, fill the inbox, wire ``connection`` to it."""
        company = self.env.company
        journals = self.env["account.journal"]
        for code, name, iban in DEMO_ACCOUNTS:
            journal = journals.search([("code", "=", code), ("company_id", "=", company.id)], limit=1)
            if not journal:
                bank = self.env["res.partner.bank"].create({"acc_number": iban, "partner_id": company.partner_id.id})
                journal = journals.create({"name": name, "code": code, "type": "bank",
                                           "bank_account_id": bank.id, "company_id": company.id})
            journals |= journal
        for name, iban in DEMO_PARTNERS:
            if not self.env["res.partner.bank"].search([("sanitized_acc_number", "=", iban)], limit=1):
                partner = self.env["res.partner"].create({"name": name, "is_company": True})
                self.env["res.partner.bank"].create({"acc_number": iban, "partner_id": partner.id})
        inbox = inbox or demo_inbox(self.env.cr.dbname)
        try:
            confine(inbox, configured_folder_roots(), "demo inbox")
        except PathConfinementError as exc:
            # the demo never writes outside the allowed roots; `make run` allows its inbox
            _logger.warning("demo bank connection left unconfigured: %s", exc)
            return journals
        os.makedirs(inbox, exist_ok=True)
        currency = company.currency_id.name
        start = date.today() - timedelta(days=7)
        for journal in journals:
            iban = journal.bank_account_id.sanitized_acc_number
            for stmt in demo_statements(iban, currency, start):
                path = os.path.join(inbox, f"{stmt.date:%Y%m%d}-{iban[-4:]}.json")
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump(statement_to_document(stmt), handle, indent=2)
        connection = connection or self.env.ref("finance_bridge_core.demo_connection_folder",
                                                raise_if_not_found=False)
        if connection:
            connection.setting_ids.filtered(lambda s: s.key == "inbound_path").value = inbox
            connection.account_ids = [(0, 0, {"journal_id": j.id}) for j in journals
                                      if j not in connection.account_ids.journal_id]
            connection.action_activate()
            # The scheduler's first run comes one interval later, so the newcomer's Sync now is the
            # press that imports the 18 demo lines (the README says so); the cron takes over after.
            connection.next_run = fields.Datetime.now() + connection._interval()
        return journals
