"""Every file any channel reads is an *Imported Files* record: watched folder, SFTP, JSON folder, upload.

One path (``finance.file.import._import_file``) for all: the original kept byte for byte, the result,
the statements and lines it created, and the sync run that read it (none for an upload).
"""
import base64
import json
import os
import tempfile
from datetime import date

from odoo.addons.finance_bridge_core.lib.json_statement_parser import statement_to_document
from odoo.addons.finance_bridge_core.tests.common import make_statement

from . import samples as s
from .sshd_server import LocalSshd
from .test_channels import ChannelCase


class TestEveryChannelRecorded(ChannelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sshd = LocalSshd().__enter__()
        cls.addClassCleanup(cls.sshd.__exit__, None, None, None)

    def day_camt(self, day):
        """A camt.053 of its own day (distinct content, so no channel finds another's file a duplicate)."""
        return self.camt(entries=s.entry(ref=f"ACSR-{day}", date=f"2026-03-{day:02d}",
                                         txs=s.tx(e2e=f"E2E-{day}")), seq=str(day))

    def assertRecorded(self, record, data, channel, run):
        self.assertEqual(len(record), 1)
        self.assertEqual((record.state, record.channel, record.lines_created), ("done", channel, 1), record.error)
        self.assertEqual(record.attachment_id.raw, data, "the original is kept byte for byte")
        self.assertEqual(record.sync_run_id, run)
        if run:
            self.assertIn(record, run.import_ids)
            self.assertEqual(record.statement_ids.finance_sync_run_id, run)
        self.assertEqual(len(record.statement_ids.line_ids), 1)
        self.assertIn(record, record.statement_ids.line_ids.finance_file_import_ids)
        lines = self.env["account.bank.statement.line"].search(record.action_view_lines()["domain"])
        self.assertEqual(lines, record.statement_ids.line_ids)

    def test_folder_sftp_json_folder_and_upload(self):
        Import = self.env["finance.file.import"]
        # Watched folder (camt, moved after commit)
        self.folder_connection()
        folder_data = self.day_camt(2)
        with open(os.path.join(self.inbound, "folder.xml"), "wb") as handle:
            handle.write(folder_data)
        run = self.conn._run_sync("manual")
        self.assertRecorded(Import.search([("name", "=", "folder.xml")]), folder_data, "folder", run)
        self.conn.action_set_draft()
        # SFTP (a real sshd on loopback)
        sftp_data = self.day_camt(3)
        with open(os.path.join(self.sshd.inbound, "sftp.xml"), "wb") as handle:
            handle.write(sftp_data)
        sftp = self.connect("iso20022_sftp", {
            "host": "127.0.0.1", "port": str(self.sshd.port), "username": self.sshd.user,
            "host_key": self.sshd.host_key_line(), "inbound_dir": self.sshd.inbound,
            "outbound_dir": self.sshd.outbound, "processed_dir": self.sshd.processed,
        }, {"private_key": self.sshd.client_private_key()})
        run = sftp._run_sync("manual")
        self.assertRecorded(Import.search([("name", "=", "sftp.xml")]), sftp_data, "sftp", run)
        sftp.action_set_draft()
        # Canonical JSON folder (the demo's connection)
        inbox = tempfile.mkdtemp(prefix="fb_json_", dir=self.root)
        statement = make_statement(self.iban, date(2026, 3, 4), ["-7.50"], currency="EUR", statement_id="J-4")
        json_data = json.dumps(statement_to_document(statement)).encode()
        with open(os.path.join(inbox, "20260304.json"), "wb") as handle:
            handle.write(json_data)
        run = self.connect("json_folder", {"inbound_path": inbox})._run_sync("manual")
        self.assertRecorded(Import.search([("name", "=", "20260304.json")]), json_data, "folder", run)
        # Upload wizard
        upload_data = self.day_camt(5)
        attachment = self.env["ir.attachment"].create({"name": "upload.xml", "datas": base64.b64encode(upload_data)})
        wizard = self.env["finance.file.upload"].create({"attachment_ids": [(6, 0, attachment.ids)]})
        wizard.action_import()
        self.assertRecorded(wizard.import_ids, upload_data, "upload", self.env["finance.sync.run"])
        self.assertEqual(len(self.lines()), 4)
