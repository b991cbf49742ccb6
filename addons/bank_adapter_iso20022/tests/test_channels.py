"""File channels end to end: a watched folder on disk and a real sshd on loopback."""
import os
import shutil
import tempfile
import unittest
from datetime import date, datetime, timezone
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO, PostalAddress
from odoo.addons.finance_bridge_core.lib.errors import ProviderError
from odoo.addons.finance_bridge_core.lib.payment_codec import batch_to_payload
from odoo.addons.finance_bridge_core.tests.outbox_sources import queue_message

from . import samples as s
from .sshd_server import LocalSshd, sshd_available
from .test_file_import import FileImportCase


def batch(msg_id="PAY-1"):
    return PaymentBatchDTO(
        msg_id=msg_id, debtor_name="Us GmbH", debtor_iban="DE02120300000000202051",
        created_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
        payments=(PaymentDTO(end_to_end_id="E1", amount=Money(Decimal("10.00"), "EUR"), creditor_name="ACME",
                             creditor_iban="DE89370400440532013000", requested_execution_date=date(2026, 3, 3),
                             creditor_address=PostalAddress(country="DE", town="Berlin")),))


class ChannelCase(FileImportCase):
    def commit_hooks(self):
        """Files are moved only after the transaction commits; tests run the post-commit hooks by hand."""
        self.env.flush_all()
        self.env.cr.postcommit.run()

    def connect(self, provider, settings, secrets=None):
        conn = self.env["finance.bank.connection"].create({"name": provider, "provider": provider})
        for setting in conn.setting_ids:
            if setting.key in settings:
                setting.value = settings[setting.key]
        for secret in conn.secret_ids:
            if secrets and secret.key in secrets:
                secret.value = secrets[secret.key]
        conn.account_ids = [(0, 0, {"journal_id": self.journal.id})]
        conn.action_activate()
        return conn

    def folder_connection(self):
        """A watched-folder connection on fresh in/ and out/ folders under /tmp."""
        self.root = tempfile.mkdtemp(prefix="fb_folder_")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.inbound, self.outbound = os.path.join(self.root, "in"), os.path.join(self.root, "out")
        os.makedirs(self.inbound)
        os.makedirs(self.outbound)
        self.conn = self.connect("iso20022_folder", {"inbound_path": self.inbound, "outbound_path": self.outbound})


class FolderChannelCase(ChannelCase):
    """An active watched-folder connection on fresh inbound and outbound folders."""

    def setUp(self):
        super().setUp()
        self.folder_connection()


class TestFolderChannel(FolderChannelCase):
    def drop(self, name, data):
        with open(os.path.join(self.inbound, name), "wb") as handle:
            handle.write(data)

    def test_sync_imports_and_moves_files(self):
        self.drop("a.xml", self.camt())
        self.drop("b.xml", s.pain002())
        self.drop("c.xml", b"<broken")
        run = self.conn._run_sync("manual")
        self.assertEqual((run.state, run.lines_created), ("done", 1))
        self.assertIn("c.xml", run.notes)
        self.assertEqual(sorted(os.listdir(self.inbound)), ["a.xml", "b.xml", "c.xml"], "nothing moved before commit")
        self.commit_hooks()
        self.assertEqual(sorted(os.listdir(os.path.join(self.inbound, "processed"))), ["a.xml", "b.xml"])
        self.assertEqual(os.listdir(os.path.join(self.inbound, "failed")), ["c.xml"])
        failed = self.env["finance.file.import"].search([("name", "=", "c.xml")])
        self.assertEqual((failed.state, failed.channel, failed.attachment_id.raw), ("failed", "folder", b"<broken"))

    def test_file_never_processed_twice(self):
        self.drop("a.xml", self.camt())
        self.conn._run_sync("manual")
        self.commit_hooks()
        shutil.copy(os.path.join(self.inbound, "processed", "a.xml"), os.path.join(self.inbound, "a-copy.xml"))
        run = self.conn._run_sync("manual")
        self.assertEqual(run.lines_created, 0)
        self.assertEqual(self.env["finance.file.import"].search([("name", "=", "a-copy.xml")]).state, "duplicate")

    def test_pain001_written_atomically_once(self):
        provider = self.conn._make_provider()
        result = provider.submit_payment_batch(batch(), idempotency_key="outbox-key")
        self.assertTrue(result.accepted)
        self.assertEqual(os.listdir(self.outbound), ["pain001-PAY-1.xml"])
        with open(os.path.join(self.outbound, "pain001-PAY-1.xml"), "rb") as handle:
            self.assertIn(b"<MsgId>PAY-1</MsgId>", handle.read())
        provider.submit_payment_batch(batch(), idempotency_key="outbox-key")
        self.assertEqual(os.listdir(self.outbound), ["pain001-PAY-1.xml"])
        other = batch()
        other = PaymentBatchDTO(**{**{f: getattr(other, f) for f in other.__dataclass_fields__},
                                   "debtor_name": "Someone else"})
        with self.assertRaisesRegex(ProviderError, "a MsgId is never sent twice"):
            provider.submit_payment_batch(other, idempotency_key="outbox-key")

    def test_outbox_message_delivers_pain001(self):
        message = queue_message(self.env, "PAY-9", "payment_batch.submit", batch_to_payload(batch("PAY-9")),
                                connection=self.conn)
        self.assertTrue(message._process(), message.last_error)
        self.assertEqual(message.result["bank_reference"], "pain001-PAY-9.xml")
        self.assertEqual(message.file_ids.name, "pain001-PAY-9.xml", "the generated file can be downloaded")
        self.assertIn(b"<MsgId>PAY-9</MsgId>", message.file_ids.raw)
        self.assertTrue(os.path.exists(os.path.join(self.outbound, "pain001-PAY-9.xml")))


@unittest.skipUnless(sshd_available(), "OpenSSH server not installed (apt-get install openssh-server)")
class TestSftpChannel(ChannelCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sshd = LocalSshd().__enter__()
        cls.addClassCleanup(cls.sshd.__exit__, None, None, None)

    def sftp_connection(self, host_key=None, processed=True):
        return self.connect("iso20022_sftp", {
            "host": "127.0.0.1", "port": str(self.sshd.port), "username": self.sshd.user,
            "host_key": host_key or self.sshd.host_key_line(), "inbound_dir": self.sshd.inbound,
            "outbound_dir": self.sshd.outbound, "processed_dir": self.sshd.processed if processed else "",
        }, {"private_key": self.sshd.client_private_key()})

    def test_download_import_and_move(self):
        with open(os.path.join(self.sshd.inbound, "stmt.xml"), "wb") as handle:
            handle.write(self.camt())
        conn = self.sftp_connection()
        run = conn._run_sync("manual")
        self.assertEqual((run.state, run.lines_created), ("done", 1), run.error)
        self.assertEqual(self.env["finance.file.import"].search([("name", "=", "stmt.xml")]).channel, "sftp")
        self.commit_hooks()
        self.assertEqual(os.listdir(self.sshd.processed), ["stmt.xml"])

    def test_never_redownloads_a_processed_file(self):
        with open(os.path.join(self.sshd.inbound, "keep.xml"), "wb") as handle:
            handle.write(self.camt())
        conn = self.sftp_connection(processed=False)
        conn._run_sync("manual")
        again = conn._run_sync("manual")
        self.assertEqual((again.state, again.lines_created), ("done", 0))
        # a second download would have left a "duplicate" record: there is only the first import
        self.assertEqual(self.env["finance.file.import"].search_count([("name", "=", "keep.xml")]), 1)
        self.assertEqual(os.listdir(self.sshd.inbound), ["keep.xml"], "without processed_dir the file stays")

    def test_changed_host_key_refused(self):
        other = LocalSshd().__enter__()
        self.addCleanup(other.__exit__, None, None, None)
        conn = self.sftp_connection(host_key=other.host_key_line())
        run = conn._run_sync("manual")
        self.assertEqual(run.state, "failed")
        self.assertIn("host key of 127.0.0.1 changed: refused", run.error)
        self.assertEqual(conn.state, "error")

    def test_wrong_key_login_refused(self):
        conn = self.sftp_connection()
        other = LocalSshd().__enter__()
        self.addCleanup(other.__exit__, None, None, None)
        conn.secret_ids.filtered(lambda x: x.key == "private_key").value = other.client_private_key()
        with self.assertRaisesRegex(ProviderError, "login .* refused"):
            conn._make_provider().test_connection()

    def test_upload_temp_name_then_rename(self):
        provider = self.sftp_connection()._make_provider()
        result = provider.submit_payment_batch(batch("SFTP-1"), idempotency_key="outbox-key")
        self.assertTrue(result.accepted)
        self.assertEqual(os.listdir(self.sshd.outbound), ["pain001-SFTP-1.xml"])
        provider.submit_payment_batch(batch("SFTP-1"), idempotency_key="outbox-key")
        self.assertEqual(os.listdir(self.sshd.outbound), ["pain001-SFTP-1.xml"])
        provider.close()
