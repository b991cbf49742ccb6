"""Large camt files: read entry by entry, ingested in chunks, progress visible to other sessions."""
import time
from unittest.mock import patch

from odoo.addons.finance_bridge_core.lib.import_keys import line_import_keys
from odoo.addons.finance_bridge_core.models import file_import, job_progress
from odoo.addons.finance_bridge_core.tests import factories
from odoo.addons.finance_bridge_core.tests.committed_case import CommittedCase
from odoo.modules import module as odoo_module
from odoo.tests.common import new_test_user

from ..lib import formats
from ..lib.camt_parser import parse_camt, stream_camt
from . import samples as s
from .test_file_import import FileImportCase


def entries(count, with_refs=True, repeat_every=None):
    """``count`` entries; without bank references, every ``repeat_every``-th repeats the one before."""
    xml = []
    for i in range(count):
        n = i - 1 if repeat_every and i and i % repeat_every == 0 else i
        xml.append(s.entry(amount=f"{n + 1}.25", ind="CRDT" if n % 2 else "DBIT", ref=f"R-{i}" if with_refs else "",
                           txs=s.tx(ind="CRDT" if n % 2 else "DBIT", e2e=f"E-{n}", ustrd=f"Invoice {n}"),
                           date=f"2026-03-{1 + n % 28:02d}"))
    return "".join(xml)


class TestCamtStream(FileImportCase):
    def test_chunks_follow_the_document(self):
        data = self.camt(entries=entries(25))
        reader = stream_camt(data, "big.xml", chunk_size=10)
        chunks = list(reader)
        self.assertEqual([len(c.lines) for c in chunks], [10, 10, 5])
        self.assertEqual([(c.first, c.last) for c in chunks], [(True, False), (False, False), (False, True)])
        self.assertEqual(reader.position, reader.size)
        whole = parse_camt(data, "big.xml").statements[0]
        self.assertEqual(tuple(line for c in chunks for line in c.lines), whole.lines)
        self.assertEqual(chunks[0].statement.closing_balance, whole.closing_balance)
        self.assertEqual(chunks[0].statement.lines, ())

    def test_chunked_import_gives_the_same_lines_and_keys(self):
        data = self.camt(entries=entries(23, with_refs=False, repeat_every=4))
        with patch.object(formats, "CHUNK_LINES", 3):
            record = self.Import._import_file(data, "chunked.xml")
        self.assertEqual((record.state, record.lines_created, record.statements_created), ("done", 23, 1))
        lines = self.lines().sorted("sequence")
        whole = parse_camt(data, "x").statements[0]
        self.assertEqual(lines.mapped("finance_import_key"), line_import_keys(whole.account, whole.lines),
                         "repeated lines keep their occurrence index across chunks")
        self.assertEqual(lines.mapped("sequence"), list(range(1, 24)))
        self.assertEqual(lines.mapped("payment_ref"), [line.label for line in whole.lines])
        self.assertEqual(len(lines.statement_id), 1)
        with patch.object(formats, "CHUNK_LINES", 5):
            again = self.Import._import_file(data + b"\n", "chunked-again.xml")
        self.assertEqual((again.state, again.lines_created, again.lines_skipped), ("done", 0, 23))

    def test_broken_end_of_a_large_file_writes_nothing(self):
        data = self.camt(entries=entries(30))
        truncated = data[:int(len(data) * 0.8)]
        with patch.object(formats, "CHUNK_LINES", 3), patch.object(file_import, "PROGRESS_MIN_BYTES", 0):
            record = self.Import._import_file(truncated, "truncated.xml")
        self.assertEqual(record.state, "failed")
        self.assertRegex(record.error, r"truncated\.xml: line \d+: ")
        self.assertFalse(self.lines(), "lines of the chunks read before the error are rolled back")
        self.assertFalse(self.env["account.bank.statement"].search([("journal_id", "=", self.journal.id)]))
        self.assertEqual(record.attachment_id.raw, truncated)
        job = self.env["finance.job.progress"].search([("name", "=", "truncated.xml")])
        self.assertEqual(job.state, "failed")
        self.assertIn("line", job.message)

    def test_progress_record_of_a_large_file(self):
        data = self.camt(entries=entries(12))
        with patch.object(formats, "CHUNK_LINES", 5), patch.object(file_import, "PROGRESS_MIN_BYTES", 0), \
                patch.object(job_progress.ProgressReporter, "interval", 0):
            record = self.Import._import_file(data, "progress.xml")
        job = self.env["finance.job.progress"].search([("name", "=", "progress.xml")])
        self.assertEqual((job.state, job.lines_created, job.size), ("running", 12, len(data)),
                         "done only once the import is committed")
        self.assertGreater(job.position, 0)
        self.env.flush_all()
        self.env.cr.postcommit.run()
        job.invalidate_recordset()
        self.assertEqual((job.state, job.progress, record.lines_created), ("done", 100.0, 12))
        small = self.Import._import_file(self.camt(entries=entries(1)).replace(b"STMT-7", b"STMT-8"), "small.xml")
        self.assertEqual(small.state, "done")
        self.assertFalse(self.env["finance.job.progress"].search([("name", "=", "small.xml")]),
                         "small files do not report progress")


    def test_large_original_kept_as_bytes_not_indexed(self):
        user = new_test_user(self.env, "fb_large_upload", groups="finance_bridge_core.group_treasury_manager,"
                                                               "account.group_account_manager")
        data = self.camt(entries=entries(3))
        with patch.object(file_import, "PROGRESS_MIN_BYTES", 0):
            record = self.Import.with_user(user)._import_file(data, "big-upload.xml")
        attachment = record.sudo().attachment_id
        self.assertEqual((record.state, attachment.mimetype, attachment.raw), ("done", file_import.BANK_FILE_MIMETYPE, data))
        self.assertFalse(attachment.index_content, "the words of a 100 MB statement are not indexed")


class TestProgressSeenByOthers(CommittedCase):
    """The point of the side transactions: another session sees the progress of an open import."""

    def test_progress_visible_before_commit(self):
        with self.transaction() as env:
            factories.bind(env)
            eur = env.ref("base.EUR")
            eur.active = True
            journal = env["account.journal"].search([("code", "=", "FB977")]) or \
                factories.BankJournalFactory(currency_id=eur.id, code="FB977")
            iban, journal_id = journal.bank_account_id.sanitized_acc_number, journal.id
        run = str(time.time_ns())
        data = s.camt053(iban=iban, entries=entries(9).replace("R-", f"R{run}-"), seq=run[-6:])
        name = f"visible-{run}.xml"
        with patch.object(odoo_module, "current_test", None), patch.object(formats, "CHUNK_LINES", 4), \
                patch.object(file_import, "PROGRESS_MIN_BYTES", 0), \
                patch.object(job_progress.ProgressReporter, "interval", 0):
            with self.transaction() as env:
                record = env["finance.file.import"]._import_file(data, name)
                self.assertEqual(record.lines_created, 9)
                with self.registry.cursor() as other:
                    other.execute("SELECT state, lines_created FROM finance_job_progress WHERE name = %s", (name,))
                    self.assertEqual(other.fetchall(), [("running", 9)])
                    other.execute("SELECT count(*) FROM account_bank_statement_line WHERE journal_id = %s "
                                  "AND finance_import_key LIKE %s", (journal_id, f"ref:R{run}-%"))
                    self.assertEqual(other.fetchone()[0], 0, "the lines themselves wait for the commit")
        with self.registry.cursor() as other:
            other.execute("SELECT state, position = size FROM finance_job_progress WHERE name = %s", (name,))
            self.assertEqual(other.fetchall(), [("done", True)])
