"""Shared set-up of the amount attacks: bank journals in USD, JPY and KWD, the real import path, and
one assertion saying "refused: nothing posted, a failed record naming file, element/line and reason"."""
from odoo.tests.common import TransactionCase

from . import factories


class AmountAttackCase(TransactionCase):
    adversarial_class = "untrusted_files"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.Import = cls.env["finance.file.import"]
        cls.journals = {}
        for code, number in (("USD", 901), ("JPY", 902), ("KWD", 903)):
            currency = cls.env.ref(f"base.{code}")
            currency.active = True
            journal = factories.BankJournalFactory(
                code=f"FA{number}", currency_id=False if currency == cls.env.company.currency_id else currency.id)
            cls.journals[code] = journal
        cls.journal = cls.journals["USD"]
        cls.iban = cls.journal.bank_account_id.sanitized_acc_number

    def iban_of(self, code):
        return self.journals[code].bank_account_id.sanitized_acc_number

    def posted(self):
        """Statement lines and journal entries of the test journals (everything an import could post)."""
        journals = [j.id for j in self.journals.values()]
        return (self.env["account.bank.statement.line"].search_count([("journal_id", "in", journals)]),
                self.env["account.move"].search_count([("journal_id", "in", journals)]))

    def import_file(self, data, name):
        return self.Import._import_payload(data, name)

    def assertRefused(self, data, name, where, reason):
        """The file is refused as a whole: one failed record whose error names it, ``where`` and ``reason``."""
        before = self.posted()
        record = self.import_file(data, name)
        self.assertEqual(record.mapped("state"), ["failed"], f"{name}: {record.mapped('error')}")
        self.assertTrue(record.error.startswith(name), f"the error names the file: {record.error}")
        self.assertRegex(record.error, where, "the error names the element, path or line")
        self.assertRegex(record.error, reason, "the error says why")
        self.assertNotIn("Traceback", record.error)
        self.assertEqual(self.posted(), before, "nothing posted")
        self.assertEqual(record.attachment_id.raw, data, "the original is kept with the failed record")
        return record
