"""Attack class "payment_injection" on a real file channel: a payload changed after it was queued
never becomes a pain.001 in the bank's outbound folder (issue #13, class 1)."""
import json
import os

from odoo.addons.finance_bridge_core.lib.outbox_handlers import payload_digest
from odoo.addons.finance_bridge_core.lib.payment_codec import batch_to_payload
from odoo.addons.finance_bridge_core.tests.outbox_sources import queue_message

from .test_channels import FolderChannelCase, batch


class TestTamperedPaymentNeverWritten(FolderChannelCase):
    adversarial_class = "payment_injection"

    def tamper(self, message, set_digest):
        forged = batch_to_payload(batch(message.key))
        forged["payments"][0]["creditor_name"] = "Mallory"
        forged["payments"][0]["amount"] = "99999.00"
        message.flush_recordset()
        self.env.cr.execute("UPDATE finance_outbox_message SET payload = %s" +
                            (", payload_sha256 = %s" if set_digest else "") + " WHERE id = %s",
                            (json.dumps(forged), payload_digest(forged), message.id) if set_digest
                            else (json.dumps(forged), message.id))
        self.env.invalidate_all()

    def assertNothingWritten(self, message):
        self.assertFalse(message._process())
        self.assertEqual(message.state, "dead", message.last_error)
        self.assertEqual(os.listdir(self.outbound), [], "no pain.001 may reach the bank's folder")
        self.assertFalse(message.file_ids)
        self.assertTrue(self.env["finance.audit.event"].search_count(
            [("event_type", "=", "outbox.refused"), ("res_id", "=", message.id)]))

    def test_payload_changed_by_sql(self):
        message = queue_message(self.env, "PAY-T1", "payment_batch.submit", batch_to_payload(batch("PAY-T1")),
                                connection=self.conn)
        self.tamper(message, set_digest=False)
        self.assertNothingWritten(message)

    def test_payload_and_digest_changed_by_sql(self):
        message = queue_message(self.env, "PAY-T2", "payment_batch.submit", batch_to_payload(batch("PAY-T2")),
                                connection=self.conn)
        self.tamper(message, set_digest=True)
        self.assertNothingWritten(message)

    def test_replay_of_refused_message_is_refused_again(self):
        message = queue_message(self.env, "PAY-T3", "payment_batch.submit", batch_to_payload(batch("PAY-T3")),
                                connection=self.conn)
        self.tamper(message, set_digest=True)
        message._process()
        message.action_replay()
        self.assertNothingWritten(message)
