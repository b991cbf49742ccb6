"""Attack class "evidence": imported files and their originals, sync runs, status events and outbox
messages are append-only for every user; only the audited retention action deletes them (issue #13,
class 3)."""
import base64
import json
from datetime import timedelta

from odoo import fields
from odoo.tests.common import TransactionCase, new_test_user

from ..lib.evidence import evidence_writer
from ..lib.http_exchange import HttpExchange
from ..lib.webhook_protocol import WebhookEvent
from . import factories
from .outbox_sources import queue_message
from .rpc_case import RpcAttackCase

# Context keys an attacker would try to open the protection with: none of them may.
HOPEFUL_CONTEXT = {"finance_evidence_writer": True, "finance_bridge_evidence_writer": True, "evidence_writer": True,
                   "writing_evidence": True, "finance_audit_append": True, "install_mode": True,
                   "module": "finance_bridge_core", "force_delete": True}


def make_evidence(env, company):
    """One of each kind of evidence for ``company``, written the way server code writes it."""
    conn = factories.ConnectionFactory(company_id=company.id, name=f"Evidence bank {company.id}")
    file_import = env["finance.file.import"]._import_file(b"not a bank file at all", "junk.txt", company=company)
    run = env["finance.sync.run"].sudo().create({"connection_id": conn.id, "state": "done", "lines_created": 3})
    event = env["finance.status.event"].sudo().create({
        "company_id": company.id, "source": "pain.002", "level": "group", "status": "RJCT",
        "msg_id": "MSG-E", "dedup_key": f"evidence-{company.id}"})
    message = queue_message(env, f"EVID-{company.id}", "payment_batch.submit", {"msg_id": "x"})
    with evidence_writer():
        sent_file = env["ir.attachment"].sudo().create({"name": "pain001-EVID.xml", "raw": b"<Document/>",
                                                        "res_model": message._name, "res_id": message.id})
    message.sudo().write({"state": "sent", "file_ids": [(4, sent_file.id)]})
    env.flush_all()
    return conn, file_import, run, event, message, sent_file


class TestEvidenceRpc(RpcAttackCase):
    adversarial_class = "evidence"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        (cls.conn, cls.file_import, cls.sync_run, cls.event, cls.message,
         cls.sent_file) = make_evidence(cls.env, cls.company_a)
        cls.original = cls.file_import.attachment_id
        cls.checksum = cls.original.checksum

    def snapshot(self):
        self.env.invalidate_all()
        imp, run, event = self.file_import.sudo(), self.sync_run.sudo(), self.event.sudo()
        return (imp.exists() and (imp.state, imp.lines_created, imp.statements_created, imp.error, imp.attachment_id.id),
                self.original.sudo().exists() and (self.original.sudo().checksum, self.original.sudo().res_id),
                run.exists() and (run.state, run.lines_created, run.error),
                event.exists() and (event.state, event.status),
                self.sent_file.sudo().exists() and self.sent_file.sudo().checksum)

    def setUp(self):
        super().setUp()
        self.before = self.snapshot()
        self.assertTrue(all(self.before))

    def assertIntact(self):
        self.assertEqual(self.snapshot(), self.before)

    def test_write_file_import_as_treasury_manager(self):
        for vals in ({"state": "done"}, {"lines_created": 999, "statements_created": 9}, {"error": False},
                     {"attachment_id": False}, {"company_id": self.company_b.id}):
            self.assertRefused(self.call_kw("adv_treasury_a", "finance.file.import", "write",
                                            [self.file_import.ids, vals]), vals)
        self.assertIntact()

    def test_write_file_import_as_connection_admin(self):
        for vals in ({"state": "duplicate", "error": "nothing to see"}, {"lines_skipped": 5}):
            for login in ("adv_conn_admin_a", "admin"):
                self.assertRefused(self.call_kw(login, "finance.file.import", "write", [self.file_import.ids, vals]))
        self.assertIntact()

    def test_create_evidence_records(self):
        for login, model, vals in (
                ("adv_treasury_a", "finance.file.import", {"name": "forged.xml", "state": "done"}),
                ("adv_conn_admin_a", "finance.file.import", {"name": "forged.xml", "state": "failed"}),
                ("adv_conn_admin_a", "finance.sync.run", {"connection_id": self.conn.id, "state": "done"}),
                ("adv_treasury_a", "finance.status.event", {"source": "api", "level": "group", "status": "ACSC",
                                                            "dedup_key": "forged"}),
                ("admin", "finance.status.event", {"source": "api", "level": "group", "status": "ACSC",
                                                   "dedup_key": "forged-admin"})):
            answer = self.call_kw(login, model, "create", [vals])
            self.assertRefused(answer, f"{login} {model}: {answer}")
        self.assertFalse(self.env["finance.file.import"].sudo().search([("name", "=", "forged.xml")]))
        self.assertFalse(self.env["finance.status.event"].sudo().search([("dedup_key", "like", "forged")]))
        self.assertEqual(self.env["finance.sync.run"].sudo().search_count([("connection_id", "=", self.conn.id)]), 1)

    def test_unlink_file_import_and_its_original(self):
        for login in ("adv_treasury_a", "adv_conn_admin_a", "admin"):
            self.assertRefused(self.call_kw(login, "finance.file.import", "unlink", [self.file_import.ids]))
            self.assertRefused(self.call_kw(login, "ir.attachment", "unlink", [self.original.ids]), login)
        self.assertIntact()

    def test_rewrite_original(self):
        for vals in ({"datas": base64.b64encode(b"forged").decode()},
                     {"res_id": 0}, {"res_model": "res.partner", "res_id": self.env.user.partner_id.id},
                     {"name": "other.xml"}):
            for login in ("adv_treasury_a", "adv_conn_admin_a"):
                answer = self.call_kw(login, "ir.attachment", "write", [self.original.ids, vals])
                self.assertRefused(answer, f"{login} {vals}: {answer}")
        self.assertIntact()

    def test_context_keys_do_not_open_the_protection(self):
        for login in ("adv_conn_admin_a", "admin"):
            self.assertRefused(self.call_kw(login, "ir.attachment", "unlink", [self.original.ids],
                                            {"context": HOPEFUL_CONTEXT}))
            self.assertRefused(self.call_kw(login, "ir.attachment", "write", [self.original.ids, {"datas": ""}],
                                            {"context": HOPEFUL_CONTEXT}))
            self.assertRefused(self.call_kw(login, "finance.file.import", "write",
                                            [self.file_import.ids, {"state": "done"}], {"context": HOPEFUL_CONTEXT}))
        self.assertIntact()

    def test_forge_or_copy_an_original(self):
        answer = self.call_kw("adv_treasury_a", "ir.attachment", "create", [{
            "name": "junk.txt", "datas": base64.b64encode(b"forged").decode(), "res_model": "finance.file.import",
            "res_id": self.file_import.id}])
        self.assertRefused(answer)
        self.assertRefused(self.call_kw("adv_conn_admin_a", "ir.attachment", "copy", [self.original.ids]))
        self.assertEqual(self.env["ir.attachment"].sudo().search_count(
            [("res_model", "=", "finance.file.import"), ("res_id", "=", self.file_import.id)]), 1)
        self.assertIntact()

    def test_upload_wizard_cannot_take_an_original(self):
        for command in ([(6, 0, self.original.ids)], [(4, self.original.id)], [(4, self.sent_file.id)]):
            answer = self.call_kw("adv_treasury_a", "finance.file.upload", "create", [{"attachment_ids": command}])
            self.assertRefused(answer, f"{command}: {answer}")
        own = self.call_kw("adv_treasury_a", "ir.attachment", "create", [{
            "name": "mine.xml", "datas": base64.b64encode(b"<x/>").decode(), "res_model": "finance.file.upload",
            "res_id": 0}])
        self.assertTrue(own.ok, own)
        wizard = self.call_kw("adv_treasury_a", "finance.file.upload", "create", [{"attachment_ids": [(6, 0, [own.result])]}])
        self.assertTrue(wizard.ok, wizard)
        answer = self.call_kw("adv_treasury_a", "finance.file.upload", "write",
                              [[wizard.result], {"attachment_ids": [(4, self.original.id)]}])
        self.assertRefused(answer)
        answer = self.call_button("adv_treasury_a", "finance.file.upload", "action_import", [wizard.result])
        self.assertTrue(answer.ok, answer)
        self.assertIntact()

    def test_upload_wizard_cannot_take_another_users_upload(self):
        theirs = self.call_kw("adv_treasury_b", "ir.attachment", "create", [{
            "name": "theirs.xml", "datas": base64.b64encode(b"<x/>").decode(), "res_model": "finance.file.upload",
            "res_id": 0}])
        self.assertTrue(theirs.ok, theirs)
        # the administrator may read every attachment: still not his upload to import (and delete)
        answer = self.call_kw("admin", "finance.file.upload", "create", [{"attachment_ids": [(6, 0, [theirs.result])]}])
        self.assertRefused(answer)
        self.assertTrue(self.env["ir.attachment"].sudo().browse(theirs.result).exists())

    def test_forge_by_copy_and_import(self):
        for login, model, record in (("adv_treasury_a", "finance.file.import", self.file_import),
                                     ("adv_conn_admin_a", "finance.sync.run", self.sync_run),
                                     ("adv_treasury_a", "finance.status.event", self.event)):
            answer = self.call_kw(login, model, "copy", [record.ids])
            self.assertRefused(answer, f"{login} copy {model}: {answer}")
        answer = self.call_kw("adv_treasury_a", "finance.file.import", "load",
                              [["name", "state", "lines_created"], [["forged-load.xml", "done", "12"]]])
        self.assertTrue(answer.refused or not (answer.result or {}).get("ids"), answer)
        answer = self.call_kw("adv_conn_admin_a", "finance.sync.run", "load",
                              [["connection_id/.id", "state"], [[str(self.conn.id), "done"]]])
        self.assertTrue(answer.refused or not (answer.result or {}).get("ids"), answer)
        self.assertFalse(self.env["finance.file.import"].sudo().search([("name", "=", "forged-load.xml")]))
        self.assertEqual(self.env["finance.sync.run"].sudo().search_count([("connection_id", "=", self.conn.id)]), 1)
        self.assertIntact()

    def test_sync_run_write_unlink(self):
        for login in ("adv_conn_admin_a", "admin"):
            for vals in ({"state": "failed", "error": "made up"}, {"lines_created": 0}, {"connection_id": self.conn.id}):
                self.assertRefused(self.call_kw(login, "finance.sync.run", "write", [self.sync_run.ids, vals]))
            self.assertRefused(self.call_kw(login, "finance.sync.run", "unlink", [self.sync_run.ids]))
        # deleting the connection would take its runs along
        self.assertRefused(self.call_kw("adv_conn_admin_a", "finance.bank.connection", "unlink", [self.conn.ids]))
        self.assertIntact()

    def test_status_event_write_unlink(self):
        for login in ("adv_treasury_a", "adv_conn_admin_a"):
            for vals in ({"state": "applied"}, {"status": "ACSC", "reason_code": False}):
                self.assertRefused(self.call_kw(login, "finance.status.event", "write", [self.event.ids, vals]))
            self.assertRefused(self.call_kw(login, "finance.status.event", "unlink", [self.event.ids]))
        self.assertIntact()

    def test_file_sent_to_bank_cannot_be_deleted_or_changed(self):
        for login in ("adv_treasury_a", "adv_conn_admin_a"):
            self.assertRefused(self.call_kw(login, "ir.attachment", "unlink", [self.sent_file.ids]))
            self.assertRefused(self.call_kw(login, "ir.attachment", "write",
                                            [self.sent_file.ids, {"datas": base64.b64encode(b"<forged/>").decode()}]))
            self.assertRefused(self.call_kw(login, "finance.outbox.message", "write",
                                            [self.message.ids, {"file_ids": [(5,)]}]))
        self.assertIntact()
        self.assertEqual(self.message.sudo().file_ids, self.sent_file)

    def test_retention_only_for_connection_administrators(self):
        for login in ("adv_treasury_a", "adv_user_a"):
            answer = self.call_kw(login, "finance.evidence.retention", "create", [{"days": 1}])
            self.assertRefused(answer, f"{login}: {answer}")
        self.assertIntact()


class TestEvidenceRetention(TransactionCase):
    """Retention is the one deliberate deletion: explicit, per company, for old records only, audited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.company = cls.env.company
        cls.admin = new_test_user(cls.env, "fb_retention_admin", groups="finance_bridge_core.group_connection_admin",
                                  company_id=cls.company.id, company_ids=[(6, 0, cls.company.ids)])

    def age(self, records, days):
        for record in records:
            self.env.cr.execute(f'UPDATE "{record._table}" SET create_date = %s WHERE id IN %s',
                                (fields.Datetime.now() - timedelta(days=days), tuple(record.ids)))
        self.env.invalidate_all()

    def test_old_evidence_deleted_with_originals_and_audited(self):
        _conn, old_import, old_run, old_event, old_message, sent_file = make_evidence(self.env, self.company)
        original = old_import.attachment_id
        self.age([old_import, old_run, old_event, old_message], 400)
        recent = self.env["finance.file.import"]._import_file(b"recent junk", "recent.txt", company=self.company)
        queued = queue_message(self.env, "RET-QUEUED", "payment_batch.submit", {"msg_id": "q"})
        self.age(queued, 400)
        wizard = self.env["finance.evidence.retention"].with_user(self.admin).create({"days": 365})
        wizard.action_purge()
        for record in (old_import, old_run, old_event, old_message, original, sent_file):
            self.assertFalse(record.sudo().exists(), record)
        self.assertTrue(recent.exists() and recent.attachment_id.exists())
        self.assertTrue(queued.exists(), "queued messages are never purged")
        audit = self.env["finance.audit.event"].search([("event_type", "=", "evidence.purged"),
                                                        ("company_id", "=", self.company.id)])
        self.assertEqual(len(audit), 1)
        self.assertEqual((audit.user_id, '"finance.file.import": 1' in audit.payload), (self.admin, True))

    def test_webhook_inbox_refusals_and_http_exchanges_covered(self):
        """The wizard also deletes finished webhook events, webhook refusals and bank API exchanges."""
        conn = factories.ConnectionFactory(company_id=self.company.id, name="Retention webhooks")
        Inbox = self.env["finance.webhook.inbox"].sudo()
        ids, _cid = Inbox._store(conn, [WebhookEvent("ret-applied", "other"), WebhookEvent("ret-queued", "other")],
                                 b"{}", "127.0.0.1")
        applied, queued = Inbox.browse(ids).sorted("event_id")
        applied.write({"state": "ignored"})
        Refusal = self.env["finance.webhook.refusal"].sudo()
        Refusal._append("bad_signature", 401, conn, "127.0.0.1", "retention")
        refusal = Refusal.search([("connection_id", "=", conn.id)])
        now = fields.Datetime.now()
        self.env["finance.http.exchange"]._record(conn, [HttpExchange(
            method="GET", url="https://bank.example/v1/accounts", host="bank.example", status=200, duration_ms=5,
            started_at=now, request_headers={}, request_body="", request_size=0, response_headers={},
            response_body="{}", response_size=2)])
        exchange = self.env["finance.http.exchange"].sudo().search([("connection_id", "=", conn.id)])
        self.assertEqual(len(exchange), 1)
        self.age([applied, queued, refusal, exchange], 400)
        Refusal._append("stale", 401, conn, "127.0.0.1", "recent")
        recent = Refusal.search([("connection_id", "=", conn.id), ("reason", "=", "stale")])
        self.env["finance.evidence.retention"].with_user(self.admin).create({"days": 365}).action_purge()
        self.assertFalse(applied.exists() or refusal.exists() or exchange.exists())
        self.assertTrue(queued.exists(), "a queued webhook event is still to be applied: never purged")
        self.assertTrue(recent.exists(), "younger than the period")
        audit = self.env["finance.audit.event"].search([("event_type", "=", "evidence.purged"),
                                                        ("company_id", "=", self.company.id)])
        facts = json.loads(audit.payload)
        self.assertEqual((facts["finance.webhook.inbox"], facts["finance.webhook.refusal"],
                          facts["finance.http.exchange"]), (1, 1, 1))

    def test_retention_needs_a_period(self):
        wizard = self.env["finance.evidence.retention"].with_user(self.admin).create({"days": 0})
        with self.assertRaisesRegex(Exception, "at least one day"):
            wizard.action_purge()
