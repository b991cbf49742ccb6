"""Acceptance 2, end to end, over real HTTP JSON-RPC and a real OpenSSH server on loopback.

bills → batch (preparer) → two approvals by two users → release by a third with Odoo's identity
check → pain.001 uploaded by SFTP, valid against the XSD → the bank drops a pain.002 (one accepted,
one rejected) into the SFTP inbound folder → the sync cron → one payment accepted, the other
rejected, its bill open again with an exception activity. A worker that dies between the upload
and its commit leaves exactly one file on the server and one transmission record.
"""
import os
import unittest

from lxml import etree

from odoo.addons.bank_adapter_iso20022.lib.pain001_writer import validate
from odoo.addons.bank_adapter_iso20022.tests.sshd_server import LocalSshd, sshd_available

from .approval_case import ApprovalCase
from .release_case import pain002

BATCH = "finance.payment.batch"


def no_commit(processed=0, remaining=None, deactivate=False):
    """The cron's progress API without commits (the test keeps one transaction)."""
    return float("inf")


class SimulatedCrashError(Exception):
    pass


@unittest.skipUnless(sshd_available(), "OpenSSH server not installed (apt-get install openssh-server)")
class TestEndToEnd(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sshd = LocalSshd().__enter__()
        cls.addClassCleanup(cls.sshd.__exit__, None, None, None)
        cls.conn = cls.env["finance.bank.connection"].create({"name": "Bank SFTP", "provider": "iso20022_sftp"})
        settings = {"host": "127.0.0.1", "port": str(cls.sshd.port), "username": cls.sshd.user,
                    "host_key": cls.sshd.host_key_line(), "inbound_dir": cls.sshd.inbound,
                    "outbound_dir": cls.sshd.outbound, "processed_dir": cls.sshd.processed}
        for setting in cls.conn.setting_ids:
            if setting.key in settings:
                setting.value = settings[setting.key]
        cls.conn.secret_ids.filtered(lambda s: s.key == "private_key").value = cls.sshd.client_private_key()
        cls.conn.account_ids = [(0, 0, {"journal_id": cls.journal.id})]
        cls.conn.action_activate()

    def test_bills_to_bank_and_back(self):
        self.two_approvals_rule()
        bill_ok, bill_ko = self.bills[0], self.bills[1]
        # 1. The preparer makes a batch of two bills (two beneficiary accounts: two transfers) and submits it.
        answer = self.call_kw("adv_preparer_a", BATCH, "create", [{
            "company_id": self.company_a.id, "journal_id": self.journal.id, "connection_id": self.conn.id,
            "currency_id": self.company_a.currency_id.id,
            "line_ids": [(0, 0, self.line_vals(bill_ok)), (0, 0, self.line_vals(bill_ko, bank=self.bank2))]}])
        self.assertTrue(answer.ok, answer)
        batch = self.env[BATCH].browse(answer.result)
        self.assertTrue(self.call_button("adv_preparer_a", BATCH, "action_submit", [batch.id]).ok)
        self.assertEqual(self.fresh(batch).state, "to_approve")
        # 2. Two approvals by two users.
        self.assertTrue(self.call_button("adv_approver_a", BATCH, "action_approve", [batch.id]).ok)
        self.assertTrue(self.call_button("adv_approver2_a", BATCH, "action_approve", [batch.id]).ok)
        self.assertEqual(self.fresh(batch).state, "approved")
        # 3. Release by a third user, re-authenticated (a wrong password releases nothing).
        _first, wrong = self.release_with_password("adv_releaser_a", batch, password="not-the-password")
        self.assertRefused(wrong)
        self.assertEqual(self.fresh(batch).state, "approved")
        _first, second = self.release_with_password("adv_releaser_a", batch)
        self.assertTrue(second and second.ok, second)
        batch = self.fresh(batch)
        self.assertEqual(batch.state, "released")
        message = batch.sudo().outbox_message_id
        self.assertEqual((message.key, message.state), (batch.msg_id, "queued"))
        # 4. The worker dies after the upload, before its commit: the database forgets the attempt...
        with self.assertRaises(SimulatedCrashError), self.env.cr.savepoint():
            message._process()
            self.assertEqual(message.state, "sent")
            raise SimulatedCrashError()
        self.env.invalidate_all()
        name = f"pain001-{batch.msg_id}.xml"
        self.assertEqual(os.listdir(self.sshd.outbound), [name], "the file reached the server")
        self.assertEqual((message.state, batch.state), ("queued", "released"))
        # ... and the cron sends the message again: the channel sees the same file is there already.
        self.env["finance.outbox.message"]._process_due(no_commit)
        self.assertEqual(message.state, "sent", message.last_error)
        self.assertEqual(os.listdir(self.sshd.outbound), [name], "exactly one file on the server")
        self.assertEqual(self.env["finance.outbox.message"].sudo().search_count([("key", "=", batch.msg_id)]), 1)
        self.assertEqual(len(message.file_ids), 1, "one transmission record")
        with open(os.path.join(self.sshd.outbound, name), "rb") as handle:
            uploaded = handle.read()
        self.assertEqual(uploaded, message.file_ids.raw)
        self.assertTrue(validate(uploaded, "pain.001.001.09" if b"pain.001.001.09" in uploaded else "pain.001.001.03"))
        # The beneficiaries' accounts are IBANs (typed "bank" by Odoo without base_iban): sent as IBANs.
        tree = etree.fromstring(uploaded)
        ns = {"n": tree.nsmap[None]}
        self.assertEqual(sorted(tree.xpath("//n:CdtTrfTxInf/n:CdtrAcct/n:Id/n:IBAN/text()", namespaces=ns)),
                         sorted({ln.partner_bank_id.sanitized_acc_number for ln in batch.line_ids}))
        self.assertFalse(tree.xpath("//n:CdtTrfTxInf/n:CdtrAcct/n:Id/n:Othr", namespaces=ns))
        batch = self.fresh(batch)
        self.assertEqual(batch.state, "transmitted")
        self.assertEqual(batch.file_attachment_id, message.file_ids)
        self.assertTrue(batch.file_sha256 and batch.transmitted_at)
        # 5. The bank drops a pain.002 into the inbound folder: one accepted, one rejected (AC04).
        line_ok = batch.line_ids.filtered(lambda ln: ln.move_id == bill_ok)
        line_ko = batch.line_ids.filtered(lambda ln: ln.move_id == bill_ko)
        report = pain002(batch.msg_id, [(line_ok.tx_end_to_end_id, "ACCP", None, None),
                                        (line_ko.tx_end_to_end_id, "RJCT", "AC04", None)], grp="PART")
        with open(os.path.join(self.sshd.inbound, "pain002-report.xml"), "wb") as handle:
            handle.write(report)
        self.conn.sudo().next_run = False
        done = self.env["finance.bank.connection"]._sync_due(no_commit)
        self.assertIn(self.conn.id, done)
        # 6. Accepted / rejected; the rejected bill is open again with an exception activity.
        batch = self.fresh(batch)
        self.assertEqual((line_ok.state, line_ko.state), ("accepted", "rejected"))
        self.assertEqual(batch.state, "partially_rejected")
        self.assertEqual(line_ko.payment_id.state, "rejected")
        self.assertEqual(bill_ko.payment_state, "not_paid")
        self.assertIn(bill_ok.payment_state, ("in_payment", "paid"))
        activity = batch.activity_ids.filtered(lambda a: "AC04" in (a.summary or ""))
        self.assertTrue(activity and "Closed account" in activity.summary)
        exceptions = self.env["finance.payment.exception"].search([("batch_id", "=", batch.id)])
        self.assertEqual(exceptions.mapped("kind"), ["rejected"])
