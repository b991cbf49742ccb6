"""Acceptance 2, last part, with a real process: an outbox worker killed (SIGKILL) after uploading the
pain.001 and before its commit leaves exactly one file on the SFTP server and one transmission record.

The data is committed (another process must see it), so the test uses its own journal, vendor and
users, and leaves nothing due behind: the message ends sent.
"""
import os
import signal
import subprocess
import sys
import unittest
import uuid

from odoo import Command
from odoo.addons.bank_adapter_iso20022.tests.sshd_server import LocalSshd, sshd_available
from odoo.addons.finance_bridge_core.tests.committed_case import CommittedCase
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.tests.common import get_db_name
from odoo.tools import config

from .release_case import RISK_RULES

G = "finance_bridge_core.group_"
WORKER = """
import os, signal, sys
import odoo
from odoo.modules.registry import Registry
from odoo.tools import config
config.parse_config(["-d", sys.argv[1], "--addons-path=" + sys.argv[2]] + (["-c", sys.argv[4]] if sys.argv[4] else []))
registry = Registry(sys.argv[1])
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    message = env["finance.outbox.message"].browse(int(sys.argv[3]))
    message._claim_due(1)
    message._process()
    env.flush_all()
    assert message.state == "sent", message.last_error
    os.kill(os.getpid(), signal.SIGKILL)   # dies after the upload, before the commit
"""


@unittest.skipUnless(sshd_available(), "OpenSSH server not installed (apt-get install openssh-server)")
class TestKilledWorker(CommittedCase):
    def _restore_company(self, saved):
        """Committed data: the company's screening rules go back to what they were for the other tests."""
        with self.transaction() as env:
            env.company.write(saved)

    def test_killed_between_upload_and_commit(self):
        tag = uuid.uuid4().hex[:6]
        with self.transaction() as env:
            saved = {name: env.company[name] for name in RISK_RULES if name in env.company._fields}
        self.addCleanup(self._restore_company, saved)
        with LocalSshd() as sshd, self.transaction() as env:
            company = env.company
            company.write(dict.fromkeys(saved, False))   # this test is not about screening
            journal = env["account.journal"].create({
                "name": f"Kill test {tag}", "code": f"K{tag[:4].upper()}", "type": "bank",
                "bank_account_id": env["res.partner.bank"].create({
                    "acc_number": iban_de(9_300_000 + int(tag, 16) % 99_999),
                    "partner_id": company.partner_id.id}).id})
            conn = env["finance.bank.connection"].create({"name": f"Kill SFTP {tag}", "provider": "iso20022_sftp"})
            settings = {"host": "127.0.0.1", "port": str(sshd.port), "username": sshd.user,
                        "host_key": sshd.host_key_line(), "inbound_dir": sshd.inbound,
                        "outbound_dir": sshd.outbound}
            for setting in conn.setting_ids:
                if setting.key in settings:
                    setting.value = settings[setting.key]
            conn.secret_ids.filtered(lambda s: s.key == "private_key").value = sshd.client_private_key()
            conn.account_ids = [Command.create({"journal_id": journal.id})]
            conn.action_activate()
            vendor = env["res.partner"].create({"name": f"Kill Vendor {tag}", "is_company": True})
            bank = env["res.partner.bank"].create({"partner_id": vendor.id, "allow_out_payment": True,
                                                   "acc_number": iban_de(9_400_000 + int(tag, 16) % 99_999)})
            bill = env["account.move"].create({
                "move_type": "in_invoice", "partner_id": vendor.id, "invoice_date": "2026-03-01",
                "ref": f"KILL-{tag}", "partner_bank_id": bank.id,
                "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": 42.0,
                                                     "tax_ids": []})]})
            bill.action_post()
            users = {role: env["res.users"].create({
                "name": f"Kill {role} {tag}", "login": f"kill_{role}_{tag}",
                "group_ids": [Command.set([env.ref("base.group_user").id, env.ref(f"{G}{group}").id])]})
                for role, group in (("preparer", "payment_preparer"), ("approver", "payment_approver"),
                                    ("releaser", "payment_releaser"))}
            batch = env["finance.payment.batch"].with_user(users["preparer"]).create({
                "journal_id": journal.id, "connection_id": conn.id, "currency_id": bill.currency_id.id,
                "line_ids": [Command.create({"move_id": bill.id, "partner_bank_id": bank.id, "amount": 42.0})]})
            batch.with_user(users["preparer"]).action_submit()
            batch.with_user(users["approver"]).action_approve()
            batch.with_user(users["releaser"])._release()     # after the identity check (needs HTTP)
            batch_id, message_id = batch.id, batch.sudo().outbox_message_id.id
            env.cr.commit()
            worker = subprocess.run(
                [sys.executable, "-c", WORKER, get_db_name(), config["addons_path"]
                 if isinstance(config["addons_path"], str) else ",".join(config["addons_path"]),
                 str(message_id), config.rcfile or ""],
                capture_output=True, timeout=300, check=False)
            self.assertEqual(worker.returncode, -signal.SIGKILL, worker.stderr.decode()[-2000:])
            env.invalidate_all()
            message = env["finance.outbox.message"].browse(message_id)
            name = f"pain001-{batch.msg_id}.xml"
            self.assertEqual(os.listdir(sshd.outbound), [name], "the upload happened")
            self.assertEqual((message.state, message.attempts, len(message.file_ids)), ("queued", 0, 0),
                             "the killed worker's transaction is gone")
            # The next worker run sends the message again: one file, one transmission record.
            message._process()
            self.assertEqual(message.state, "sent", message.last_error)
            self.assertEqual(os.listdir(sshd.outbound), [name], "exactly one file on the server")
            self.assertEqual(env["finance.outbox.message"].search_count([("key", "=", batch.msg_id)]), 1)
            self.assertEqual(len(message.file_ids), 1)
            self.assertEqual(env["finance.payment.batch"].browse(batch_id).state, "transmitted")
