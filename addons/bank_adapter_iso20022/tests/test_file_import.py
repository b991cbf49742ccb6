"""The real import path: upload wizard, format detection, zips, duplicates, failures, status files."""
import base64
import io
import zipfile

from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import TransactionCase

from . import samples as s


class FileImportCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.journal = factories.BankJournalFactory(currency_id=cls.eur.id)
        cls.iban = cls.journal.bank_account_id.sanitized_acc_number
        cls.Import = cls.env["finance.file.import"]

    def camt(self, entries=None, **kw):
        return s.camt053(iban=self.iban, entries=entries if entries is not None else s.entry(txs=s.tx()), **kw)

    def lines(self):
        return self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)])


class TestFileImport(FileImportCase):
    def test_camt_imported_into_native_statement(self):
        record = self.Import._import_file(self.camt(entries=s.entry(txs=s.tx()) + s.entry(
            amount="0.00", ref="ACSR-2", ind="CRDT", txs=s.tx(ind="CRDT", e2e="E2"))), "stmt.xml")
        self.assertEqual((record.state, record.file_format, record.lines_created), ("done", "ISO 20022 camt.052/053/054", 2))
        statement = self.lines().statement_id
        self.assertEqual((statement.name, statement.balance_start, statement.finance_sequence), ("STMT-7", 100.0, 7))
        self.assertEqual(self.lines()[0].finance_import_key[:4], "ref:")
        balances = self.env["finance.bank.balance"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual(len(balances), 3)
        self.assertTrue(record.attachment_id.raw.startswith(b"<?xml"))

    def test_same_file_twice_is_duplicate(self):
        data = self.camt()
        self.Import._import_file(data, "a.xml")
        again = self.Import._import_file(data, "b.xml")
        self.assertEqual(again.state, "duplicate")
        self.assertEqual(len(self.lines()), 1)

    def test_same_lines_other_file_create_nothing(self):
        self.Import._import_file(self.camt(), "a.xml")
        second = self.Import._import_file(self.camt().replace(b"STMT-MSG-1", b"STMT-MSG-2"), "b.xml")
        self.assertEqual((second.state, second.lines_created, second.lines_skipped), ("done", 0, 1))

    def test_transactions_button_shows_only_the_lines_of_that_file(self):
        """Two files adding to one statement: each file's *Transactions* are the lines it created."""
        # (the ORM path writes the link too: test_statement_line_writer compares both paths' rows)
        iban = self.iban
        first = self.Import._import_file(s.camt053(iban=iban, entries=s.entry(txs=s.tx())), "first.xml")
        second = self.Import._import_file(s.camt053(iban=iban, entries=s.entry(txs=s.tx()) + s.entry(
            ref="ACSR-3", txs=s.tx(e2e="E3"))).replace(b"STMT-MSG-1", b"STMT-MSG-2"), "second.xml")
        self.assertEqual((first.lines_created, second.lines_created, second.lines_skipped), (1, 1, 1),
                         (first.state, first.error, second.state, second.error))
        self.assertEqual(first.statement_ids, second.statement_ids, "both files touched one statement")
        Line = self.env["account.bank.statement.line"]
        of_first = Line.search(first.action_view_lines()["domain"])
        of_second = Line.search(second.action_view_lines()["domain"])
        self.assertEqual((len(of_first), len(of_second)), (1, 1))
        self.assertEqual(of_first | of_second, first.statement_ids.line_ids)
        self.assertEqual(of_first.finance_file_import_id, first)
        self.assertEqual(of_second.finance_file_import_id, second)
        self.assertIn("E3", str(of_second.transaction_details))

    def test_intraday_052_superseded_by_053(self):
        report = self.camt().replace(b"camt.053", b"camt.052").replace(b"BkToCstmrStmt", b"BkToCstmrAcctRpt").replace(
            b"<Stmt>", b"<Rpt>").replace(b"</Stmt>", b"</Rpt>").replace(b"STMT-7", b"RPT-7")
        self.Import._import_file(report, "intraday.xml")
        final = self.Import._import_file(self.camt(entries=s.entry(txs=s.tx()) + s.entry(ref="ACSR-3", txs=s.tx(e2e="E3"))),
                                         "eod.xml")
        self.assertEqual((final.lines_created, final.lines_skipped), (1, 1))
        self.assertEqual(len(self.lines()), 2)

    def test_unknown_account_fails_and_writes_nothing(self):
        record = self.Import._import_file(s.camt053(iban="DE02120300000000202051", entries=s.entry(txs=s.tx())), "x.xml")
        self.assertEqual(record.state, "failed")
        self.assertIn("no bank journal", record.error)
        self.assertNotIn("0000202051", record.error.replace("••", ""), "account masked in the error")
        self.assertEqual(len(self.lines()), 0)
        self.assertTrue(record.attachment_id)

    def test_currency_mismatch_fails(self):
        record = self.Import._import_file(self.camt(ccy="USD").replace(b'Ccy="EUR"', b'Ccy="USD"'), "usd.xml")
        self.assertEqual(record.state, "failed")
        self.assertIn("USD does not match journal", record.error)

    def test_pain002_gives_status_events(self):
        record = self.Import._import_file(s.pain002(), "status.xml")
        self.assertEqual((record.state, record.status_events), ("done", 4))
        event = self.env["finance.status.event"].search([("end_to_end_id", "=", "E2E-2")])
        self.assertEqual((event.status, event.reason_code), ("RJCT", "AC04"))

    def test_camt054_lines_only_when_configured(self):
        notification = self.camt().replace(b"camt.053", b"camt.054").replace(b"BkToCstmrStmt", b"BkToCstmrDbtCdtNtfctn").replace(
            b"<Stmt>", b"<Ntfctn>").replace(b"</Stmt>", b"</Ntfctn>")
        record = self.Import._import_file(notification, "n1.xml")
        self.assertEqual((record.lines_created, record.status_events), (0, 1))
        self.env.company.finance_notification_lines = True
        record = self.Import._import_file(notification.replace(b"STMT-MSG-1", b"NTF-2"), "n2.xml")
        self.assertEqual(record.lines_created, 1)

    def test_upload_wizard_zip_and_summary(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("one.xml", self.camt())
            archive.writestr("status.xml", s.pain002())
            archive.writestr("junk.txt", b"hello")
        attachment = self.env["ir.attachment"].create({"name": "bank.zip", "datas": base64.b64encode(buffer.getvalue())})
        wizard = self.env["finance.file.upload"].create({"attachment_ids": [(6, 0, attachment.ids)]})
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(sorted(wizard.import_ids.mapped("state")), ["done", "done", "failed"])
        self.assertIn("2 file(s) imported, 0 already imported, 1 failed", wizard.summary)
        self.assertIn("format not recognised", wizard.import_ids.filtered(lambda r: r.state == "failed").error)

    def test_json_canonical_format_via_upload_path(self):
        import json

        from odoo.addons.finance_bridge_core.lib.json_statement_parser import statement_to_document
        from odoo.addons.finance_bridge_core.tests.common import make_statement
        stmt = make_statement(self.iban, s_date(), ["1.00"], currency="EUR")
        record = self.Import._import_file(json.dumps(statement_to_document(stmt)).encode(), "s.json")
        self.assertEqual((record.state, record.lines_created), ("done", 1))


def s_date():
    from datetime import date
    return date(2026, 3, 2)
