"""Shared set-up of the core's ORM tests."""
import json
import os
import shutil
import tempfile
from datetime import date, timedelta
from decimal import Decimal

from odoo.tests.common import TransactionCase

from ..lib.dto import Money, StatementDTO, StatementLineDTO
from ..lib.json_statement_parser import statement_to_document
from . import factories


def make_statement(iban, day, amounts, currency="USD", opening=None, seq=None, statement_id=None,
                   counterparty_iban=None, unique_ids=None, labels=None):
    lines = []
    for index, amount in enumerate(amounts):
        lines.append(StatementLineDTO(
            booking_date=day, value_date=day, amount=Money(Decimal(amount), currency),
            label=(labels[index] if labels else f"line {index}"), counterparty_name="ACME",
            counterparty_iban=counterparty_iban, unique_id=unique_ids[index] if unique_ids else None))
    total = sum((Decimal(a) for a in amounts), Decimal(0))
    opening = None if opening is None else Decimal(opening)
    return StatementDTO(account=iban, currency=currency, date=day, lines=tuple(lines), sequence=seq,
                        statement_id=statement_id, opening_balance=opening,
                        closing_balance=None if opening is None else opening + total)


class FinanceBridgeCase(TransactionCase):
    """A company currency, a bank journal with an IBAN, and a folder connection serving it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        factories.bind(cls.env)
        cls.company = cls.env.company
        cls.currency = cls.company.currency_id.name
        cls.journal = factories.BankJournalFactory()
        cls.iban = cls.journal.bank_account_id.sanitized_acc_number
        cls.inbox = tempfile.mkdtemp(prefix="fb_inbox_")
        cls.addClassCleanup(shutil.rmtree, cls.inbox, True)
        cls.connection = factories.ConnectionFactory()
        cls.connection.setting_ids.filtered(lambda s: s.key == "inbound_path").value = cls.inbox
        cls.connection.account_ids = [(0, 0, {"journal_id": cls.journal.id})]
        cls.connection.action_activate()
        cls.today = date(2026, 3, 2)

    def setUp(self):
        super().setUp()
        for name in os.listdir(self.inbox):
            os.unlink(os.path.join(self.inbox, name))

    def write_statement(self, statement, name=None):
        name = name or f"{statement.date:%Y%m%d}-{len(os.listdir(self.inbox)):04d}.json"
        path = os.path.join(self.inbox, name)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(statement_to_document(statement), handle)
        return path

    def statement(self, amounts, day=None, **kw):
        return make_statement(self.iban, day or self.today, amounts, currency=self.currency, **kw)

    def lines(self, journal=None):
        return self.env["account.bank.statement.line"].search(
            [("journal_id", "=", (journal or self.journal).id)], order="id")

    def days(self, n):
        return self.today + timedelta(days=n)
