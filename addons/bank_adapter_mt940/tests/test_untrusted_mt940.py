"""Adversarial: MT940 files in mixed or undeclared charsets (issue #13, class 6).

Refused as expected = no mojibake reaches a statement line: valid UTF-8 lines are read as
UTF-8, other lines as the bank's charset (cp1252 when none is declared) and the import
record carries a warning naming the lines.
"""
import unittest

from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import TransactionCase

from ..lib.charset import decode_mt940
from .test_mt940 import MT940

UTF8_NAME = "Müller Bäckerei"
CP1252_NAME = "Jörg Weiß"


def statement(account):
    """The sample statement with one counterparty in each line of :86:."""
    return MT940.format(account=account).replace("?32ACME GmbH", "?32{name1}").replace(
        "//NAME/Jan Jansen//", "//NAME/{name2}//")


def mixed(account):
    """First :86: in UTF-8, second in cp1252: as when a bank concatenates two sources."""
    utf8_part, rest = statement(account).split(":61:2603020302C100,00", 1)
    return utf8_part.format(name1=UTF8_NAME).encode("utf-8") + \
        (":61:2603020302C100,00" + rest.format(name2=CP1252_NAME)).encode("cp1252")


class TestMt940Charsets(unittest.TestCase):
    """The decoder itself, without a database."""

    def test_mixed_lines_each_decoded(self):
        text, warnings = decode_mt940(mixed("X1"), "mix.sta")
        self.assertIn(UTF8_NAME, text)
        self.assertIn(CP1252_NAME, text)
        self.assertNotIn("Ã", text)
        self.assertIn("mixes UTF-8 and 8-bit lines", warnings[0])

    def test_cp1252_undefined_byte_falls_back_to_latin1(self):
        text, warnings = decode_mt940(b":86:ABC\x81DEF\xe4\n", "odd.sta")
        self.assertEqual(text, ":86:ABC\x81DEFä\n")
        self.assertIn("line(s) 1", warnings[0])

    def test_declared_charset_used_without_warning(self):
        text, warnings = decode_mt940("Łódź".encode("iso-8859-2"), "pl.sta", declared="iso-8859-2")
        self.assertEqual((text, warnings), ("Łódź", []))

    def test_unknown_declared_charset_refused(self):
        with self.assertRaisesRegex(FormatError, "unknown charset 'klingon'"):
            decode_mt940(b"\xe4", "x.sta", declared="klingon")


class Mt940ImportCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.env.ref("base.EUR").active = True
        cls.journal = factories.BankJournalFactory(currency_id=cls.env.ref("base.EUR").id)
        cls.account = cls.journal.bank_account_id.acc_number

    def lines(self):
        return self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)],
                                                              order="amount")


class TestMt940CharsetImport(Mt940ImportCase):
    adversarial_class = "untrusted_files"

    def test_mixed_encoding_file_has_no_mojibake(self):
        record = self.env["finance.file.import"]._import_file(mixed(self.account), "mixed.sta")
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(self.lines().mapped("partner_name"), [UTF8_NAME, CP1252_NAME])
        self.assertIn("mixes UTF-8 and 8-bit lines", record.notes)

    def test_latin1_file_decoded_with_warning(self):
        data = statement(self.account).format(name1=CP1252_NAME, name2=UTF8_NAME).encode("cp1252")
        record = self.env["finance.file.import"]._import_file(data, "latin.sta")
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(self.lines().mapped("partner_name"), [CP1252_NAME, UTF8_NAME])
        self.assertIn("latin.sta: not UTF-8: line(s) ", record.notes)
        self.assertIn("read as cp1252", record.notes)

    def test_cp1252_undefined_byte_warned(self):
        data = statement(self.account).format(name1="Caf\x81 Noir", name2=CP1252_NAME).encode("latin-1")
        record = self.env["finance.file.import"]._import_file(data, "undefined.sta")
        self.assertEqual(record.state, "done", record.error)
        self.assertIn("undefined.sta: not UTF-8", record.notes)


    def test_connection_declared_charset(self):
        """A bank known to send ISO-8859-2: its connection declares it, Polish names arrive intact."""
        if "iso20022_folder" not in self.env["finance.bank.connection"]._fields["provider"].get_values(self.env):
            self.skipTest("no file channel installed")
        conn = self.env["finance.bank.connection"].create({"name": "PL bank", "provider": "iso20022_folder"})
        conn.setting_ids.filtered(lambda s: s.key == "files_charset").value = "iso-8859-2"
        conn.account_ids = [(0, 0, {"journal_id": self.journal.id})]
        data = statement(self.account).format(name1="Łódź Sp. z o.o.", name2="Wrocław").encode("iso-8859-2")
        record = self.env["finance.file.import"]._import_file(data, "pl.sta", "folder", conn)
        self.assertEqual(record.state, "done", record.error)
        self.assertEqual(self.lines().mapped("partner_name"), ["Łódź Sp. z o.o.", "Wrocław"])
        self.assertFalse(record.notes)


class TestMt940Utf8Import(Mt940ImportCase):

    def test_utf8_file_without_warning(self):
        data = statement(self.account).format(name1=UTF8_NAME, name2=CP1252_NAME).encode("utf-8")
        record = self.env["finance.file.import"]._import_file(data, "utf8.sta")
        self.assertEqual(self.lines().mapped("partner_name"), [UTF8_NAME, CP1252_NAME])
        self.assertFalse(record.notes)

    def test_utf8_bom_file(self):
        data = b"\xef\xbb\xbf" + statement(self.account).format(name1=UTF8_NAME, name2=CP1252_NAME).encode("utf-8")
        record = self.env["finance.file.import"]._import_file(data, "bom.sta")
        self.assertEqual((record.state, record.lines_created), ("done", 2), record.error)
        self.assertEqual(self.lines().mapped("partner_name"), [UTF8_NAME, CP1252_NAME])
