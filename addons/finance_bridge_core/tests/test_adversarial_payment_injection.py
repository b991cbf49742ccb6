"""Attack class "payment_injection": nobody but server code puts a message into the outbox, changes
one, or gets one sent that its source document does not vouch for (issue #13, class 1)."""
import json
import xmlrpc.client
from datetime import datetime, timezone
from decimal import Decimal

from odoo.exceptions import ValidationError

from ..lib.dto import Money, PaymentBatchDTO, PaymentDTO
from ..lib.outbox_handlers import payload_digest
from ..lib.payment_codec import batch_to_payload
from . import factories
from .outbox_sources import queue_message, source_document
from .rpc_case import RpcAttackCase
from .test_outbox import OutboxLoopbackCase


def mallory_payload(msg_id="EVIL-1", amount="99999.00"):
    return batch_to_payload(PaymentBatchDTO(
        msg_id=msg_id, debtor_name="Company A", debtor_iban="DE02120300000000202051",
        created_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
        payments=(PaymentDTO(end_to_end_id="E2E-M", amount=Money(Decimal(amount), "EUR"), creditor_name="Mallory",
                             creditor_iban="DE89370400440532013000",
                             requested_execution_date=datetime(2026, 3, 3).date()),)))


class TestPaymentInjectionRpc(RpcAttackCase):
    """Over JSON-RPC as the users of company B (and A, and the administrator)."""

    adversarial_class = "payment_injection"
    MODEL = "finance.outbox.message"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.conn_a = factories.ConnectionFactory(company_id=cls.company_a.id, name="A's bank")
        cls.conn_b = factories.ConnectionFactory(company_id=cls.company_b.id, name="B's bank")
        cls.queued = queue_message(cls.env, "REAL-A-1", "payment_batch.submit", mallory_payload("REAL-A-1", "10.00"),
                                   connection=cls.conn_a)
        cls.queued.flush_recordset()

    def forged_vals(self, key, company, connection):
        return {"key": key, "message_type": "payment_batch.submit", "company_id": company.id,
                "connection_id": connection.id, "payload": mallory_payload(key)}

    def assertNoMessage(self, key):
        self.assertFalse(self.env[self.MODEL].sudo().search([("key", "=", key)]), f"message {key} was created")

    def assertUnchanged(self):
        self.env.invalidate_all()
        msg = self.queued.sudo()
        self.assertEqual((msg.state, msg.connection_id, msg.company_id, msg.payload["msg_id"]),
                         ("queued", self.conn_a, self.company_a, "REAL-A-1"))
        self.assertEqual(payload_digest(msg.payload), msg.payload_sha256)

    def test_create_with_other_companys_connection(self):
        answer = self.call_kw("adv_treasury_b", self.MODEL, "create",
                              [self.forged_vals("EVIL-1", self.company_b, self.conn_a)])
        self.assertRefused(answer)
        self.assertNoMessage("EVIL-1")

    def test_create_with_own_connection(self):
        for login in ("adv_treasury_b", "adv_conn_admin_b", "adv_releaser_b"):
            answer = self.call_kw(login, self.MODEL, "create",
                                  [self.forged_vals(f"EVIL-{login}", self.company_b, self.conn_b)])
            self.assertRefused(answer, f"{login}: {answer}")
            self.assertNoMessage(f"EVIL-{login}")

    def test_administrator_cannot_create(self):
        answer = self.call_kw("admin", self.MODEL, "create", [self.forged_vals("EVIL-ADM", self.company_a, self.conn_a)])
        self.assertRefused(answer)
        self.assertNoMessage("EVIL-ADM")

    def test_enqueue_over_rpc(self):
        for method in ("enqueue", "_enqueue"):
            answer = self.call_kw("adv_treasury_b", self.MODEL, method,
                                  ["EVIL-ENQ", "payment_batch.submit", mallory_payload("EVIL-ENQ")])
            self.assertRefused(answer, f"{method}: {answer}")
            answer = self.call_kw("adv_treasury_b", self.MODEL, method,
                                  ["EVIL-ENQ", "payment_batch.submit", mallory_payload("EVIL-ENQ")],
                                  {"connection": self.conn_a.id})
            self.assertRefused(answer, f"{method}: {answer}")
        self.assertNoMessage("EVIL-ENQ")

    def test_enqueue_through_a_source_document_over_rpc(self):
        answer = self.call_kw("admin", "finance.outbox.test.document", "_finance_outbox_enqueue",
                              [[self.queued.res_id], "EVIL-SRC", "payment_batch.submit", mallory_payload("EVIL-SRC")])
        self.assertRefused(answer)
        answer = self.call_kw("admin", "finance.outbox.test.document", "create",
                              [{"name": "EVIL-DOC", "state": "released", "content": mallory_payload("EVIL-DOC")}])
        self.assertRefused(answer)
        self.assertNoMessage("EVIL-SRC")

    def test_xmlrpc_entry_point(self):
        """The same refusals over XML-RPC (``execute_kw``), the other remote entry point."""
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, "adv_treasury_b", "adv_treasury_b", {})
        self.assertTrue(uid)
        payload = {"msg_id": "EVIL-XML", "creditor": "Mallory", "amount": "99999.00"}  # XML-RPC has no null
        for method, args in (("create", [dict(self.forged_vals("EVIL-XML", self.company_b, self.conn_a),
                                              payload=payload)]),
                             ("enqueue", ["EVIL-XML", "payment_batch.submit", payload]),
                             ("_enqueue", ["EVIL-XML", "payment_batch.submit", payload])):
            with self.assertRaises(xmlrpc.client.Fault) as caught:
                self.xmlrpc_object.execute_kw(self.env.cr.dbname, uid, "adv_treasury_b", self.MODEL, method, args)
            self.assertRegex(caught.exception.faultString, "AccessError|not allowed|Private|server code|only be changed through the actions")
        self.assertNoMessage("EVIL-XML")

    def test_write_payload_of_queued_message(self):
        for login in ("adv_treasury_a", "adv_conn_admin_a", "admin"):
            answer = self.call_kw(login, self.MODEL, "write", [[self.queued.id], {"payload": mallory_payload()}])
            self.assertRefused(answer, f"{login}: {answer}")
        self.assertUnchanged()

    def test_write_state_connection_company(self):
        for vals in ({"state": "queued", "attempts": 0}, {"connection_id": self.conn_b.id},
                     {"company_id": self.company_b.id}, {"payload_sha256": "0" * 64},
                     {"res_model": False, "res_id": 0}):
            for login in ("adv_treasury_a", "adv_conn_admin_a"):
                answer = self.call_kw(login, self.MODEL, "write", [[self.queued.id], vals])
                self.assertRefused(answer, f"{login} {vals}: {answer}")
        self.assertUnchanged()

    def test_unlink_queued_message(self):
        for login in ("adv_treasury_a", "adv_conn_admin_a", "admin"):
            self.assertRefused(self.call_kw(login, self.MODEL, "unlink", [[self.queued.id]]), login)
        self.assertUnchanged()

    def test_forged_by_import(self):
        answer = self.call_kw("adv_treasury_b", self.MODEL, "load", [
            ["key", "message_type", "company_id/.id", "connection_id/.id", "payload"],
            [["EVIL-LOAD", "payment_batch.submit", str(self.company_b.id), str(self.conn_a.id), '{"msg_id": "x"}']]])
        self.assertTrue(answer.refused or not (answer.result or {}).get("ids"), answer)
        self.assertNoMessage("EVIL-LOAD")

    def test_forged_by_copy(self):
        for login in ("adv_treasury_a", "admin"):
            answer = self.call_kw(login, self.MODEL, "copy", [[self.queued.id]],
                                  {"default": {"key": f"EVIL-COPY-{login}", "payload": mallory_payload()}})
            self.assertRefused(answer, f"{login}: {answer}")
            self.assertNoMessage(f"EVIL-COPY-{login}")


class TestPaymentInjectionSendTime(OutboxLoopbackCase):
    """The send-time check: a message its source does not vouch for reaches no bank."""

    adversarial_class = "payment_injection"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = factories.CompanyFactory()

    def setUp(self):
        super().setUp()
        self.server.requests.clear()
        self.server.responses = [(201, {"Content-Type": "application/json"}, b'{"id": "SENT"}', 0)] * 3

    def assertRefusedAtSend(self, message, reason):
        self.assertFalse(message._process())
        self.assertEqual(message.state, "dead", message.last_error)
        self.assertIn(reason, message.last_error)
        self.assertEqual(self.server.requests, [], "nothing may reach the bank")
        refused = self.env["finance.audit.event"].search([("event_type", "=", "outbox.refused"),
                                                          ("model", "=", message._name), ("res_id", "=", message.id)])
        self.assertEqual(len(refused), 1)
        self.assertIn(reason, refused.summary)

    def test_payload_changed_by_sql(self):
        message = queue_message(self.env, "T-1", "payment_batch.submit", mallory_payload("T-1", "10.00"),
                                connection=self.connection)
        message.flush_recordset()
        self.env.cr.execute("UPDATE finance_outbox_message SET payload = %s WHERE id = %s",
                            (json.dumps(mallory_payload("T-1")), message.id))
        self.env.invalidate_all()
        self.assertRefusedAtSend(message, "does not match the digest")

    def test_payload_and_digest_changed_by_sql(self):
        message = queue_message(self.env, "T-2", "payment_batch.submit", mallory_payload("T-2", "10.00"),
                                connection=self.connection)
        message.flush_recordset()
        forged = mallory_payload("T-2")
        self.env.cr.execute("UPDATE finance_outbox_message SET payload = %s, payload_sha256 = %s WHERE id = %s",
                            (json.dumps(forged), payload_digest(forged), message.id))
        self.env.invalidate_all()
        self.assertRefusedAtSend(message, "differs from what its source document produces")

    def test_message_without_source_created_by_server_path(self):
        message = self.env["finance.outbox.message"].sudo().create({
            "key": "T-3", "message_type": "payment_batch.submit", "connection_id": self.connection.id,
            "payload": mallory_payload("T-3")})
        self.assertRefusedAtSend(message, "no source document")

    def test_source_no_longer_releases_it(self):
        message = queue_message(self.env, "T-4", "payment_batch.submit", mallory_payload("T-4", "10.00"),
                                connection=self.connection)
        self.env["finance.outbox.test.document"].browse(message.res_id).state = "cancelled"
        self.assertRefusedAtSend(message, "source refused it")

    def test_message_pointing_at_another_source(self):
        document = source_document(self.env, "T-5-doc", "payment_batch.submit", mallory_payload("T-5"),
                                   connection=self.connection)
        document._release()
        message = self.env["finance.outbox.message"].sudo().create({
            "key": "T-5", "message_type": "payment_batch.submit", "connection_id": self.connection.id,
            "payload": mallory_payload("T-5"), "payload_sha256": payload_digest(mallory_payload("T-5")),
            "res_model": document._name, "res_id": document.id})
        self.assertRefusedAtSend(message, "source refused it")

    def test_source_model_that_cannot_vouch(self):
        message = self.env["finance.outbox.message"].sudo().create({
            "key": "T-6", "message_type": "payment_batch.submit", "connection_id": self.connection.id,
            "payload": {}, "payload_sha256": payload_digest({}), "res_model": "res.partner",
            "res_id": self.env.user.partner_id.id})
        self.assertRefusedAtSend(message, "cannot vouch")

    def test_key_of_another_documents_message(self):
        """A second document reusing a key does not take over (or pretend to own) the first one's message."""
        first = queue_message(self.env, "T-K", "payment_batch.submit", mallory_payload("T-K", "1.00"),
                              connection=self.connection)
        with self.assertRaisesRegex(Exception, "another document"):
            queue_message(self.env, "T-K", "payment_batch.submit", mallory_payload("T-K"), connection=self.connection)
        self.assertEqual(first.payload["payments"][0]["amount"], "1.00")

    def test_connection_of_another_company(self):
        with self.assertRaises(ValidationError):
            self.env["finance.outbox.message"].sudo().create({
                "key": "T-7", "message_type": "payment_batch.submit", "connection_id": self.connection.id,
                "company_id": self.company_b.id, "payload": mallory_payload("T-7")})
        with self.assertRaisesRegex(Exception, "another company"):
            queue_message(self.env, "T-8", "payment_batch.submit", mallory_payload("T-8"),
                          connection=self.connection, company=self.company_b)
        message = queue_message(self.env, "T-9", "payment_batch.submit", mallory_payload("T-9", "1.00"),
                                connection=self.connection)
        message.flush_recordset()
        self.env.cr.execute("UPDATE finance_outbox_message SET company_id = %s WHERE id = %s",
                            (self.company_b.id, message.id))
        self.env.invalidate_all()
        self.assertRefusedAtSend(message, "connection belongs to another company")
