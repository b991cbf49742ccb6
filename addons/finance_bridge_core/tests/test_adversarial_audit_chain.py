"""Attack class 7 (audit_chain): an attacker with database access, and users over JSON-RPC.

The database attacks use raw SQL through the test cursor, as someone holding the
database credentials (but not the master key, which lives in the server
configuration) would. Each case passes when the tampering is detected.
"""
import datetime
import hashlib
import json
import logging
import os
import socket
import tempfile
from unittest.mock import patch

from odoo.tests.common import TransactionCase, tagged
from odoo.tools import config

from ..lib.audit_chain import HEAD_PREFIX, chain_key, chain_key_id, entry_mac, event_mac
from ..lib.secret_box import generate_master_key, parse_master_key
from ..models.audit_anchor import ANCHOR_FILE_OPTION, SYSLOG_OPTION
from . import factories
from .rpc_case import RpcAttackCase

LEGACY_FIELDS = ("company_id", "sequence", "event_type", "model", "res_id", "user_id",
                 "occurred_at", "summary", "payload_hash", "prev_hash")


def sha256_link(row):
    """The project's old, unkeyed link: what an attacker reading the source would recompute."""
    body = {name: row.get(name) for name in LEGACY_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditAttackMixin:
    """A sealed chain of eight events in the main company, anchored in the database."""

    @classmethod
    def _build_chain(cls):
        factories.bind(cls.env)
        cls.Audit = cls.env["finance.audit.event"]
        cls.Anchor = cls.env["finance.audit.anchor"]
        cls.company = cls.env.company
        for index in range(8):
            cls.Audit._log("attack.seed", summary=f"seed {index}", payload={"i": index})
        cls.Audit._seal_pending()

    def rows(self):
        return list(self.Audit._rows("company_id = %s AND hash IS NOT NULL", (self.company.id,)))

    def anchor_now(self):
        from ..models.audit_event import audit_key
        return self.Anchor._anchor_company(self.company.id, audit_key())

    def verdict(self):
        self.env.invalidate_all()
        return self.Audit._verify_company_verdict(self.company)

    def assertBroken(self, text):
        verdict = self.verdict()
        self.assertFalse(verdict.ok, "tampering went undetected")
        self.assertIn(text, verdict.reason)
        return verdict

    def sql_delete_tail(self, count):
        self.env.cr.execute(
            "DELETE FROM finance_audit_event WHERE id IN (SELECT id FROM finance_audit_event WHERE company_id = %s "
            "AND hash IS NOT NULL ORDER BY sequence DESC LIMIT %s)", (self.company.id, count))

    def sql_relink(self, rows, link):
        """Write every row's sequence/prev/links again, the way the attacker computed them."""
        prev = rows[0]["prev_hash"]
        for row in rows:
            row["prev_hash"] = prev
            row.update(link(row))
            prev = row["hash"]
            self.env.cr.execute(
                "UPDATE finance_audit_event SET summary = %s, prev_hash = %s, hash = %s, entry_mac = %s, "
                "key_id = %s WHERE id = %s",
                (row["summary"], row["prev_hash"], row["hash"], row["entry_mac"], row["key_id"], row["id"]))


@tagged("post_install", "-at_install")
class TestAuditChainDatabaseAttacks(AuditAttackMixin, TransactionCase):
    adversarial_class = "audit_chain"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._build_chain()

    def test_intact_chain_verifies(self):
        """Positive control: an untouched, anchored chain passes, with its count and head."""
        head = self.anchor_now()
        verdict = self.verdict()
        self.assertTrue(verdict.ok, verdict.reason)
        self.assertEqual(verdict.count, self.rows()[-1]["sequence"])
        self.assertEqual((verdict.head.sequence, verdict.head.mac), (head.sequence, head.mac))

    def test_delete_last_rows_detected_against_anchor(self):
        head = self.anchor_now()
        self.sql_delete_tail(3)
        verdict = self.assertBroken(f"truncated after anchor #{head.sequence}")
        self.assertEqual(verdict.count, head.sequence - 3)

    def test_delete_whole_chain_detected_against_anchor(self):
        head = self.anchor_now()
        self.env.cr.execute("DELETE FROM finance_audit_event WHERE company_id = %s", (self.company.id,))
        self.assertBroken(f"truncated after anchor #{head.sequence}")

    def test_truncate_then_refill_detected_as_rewritten(self):
        """Cut two rows, let the server append two new ones: same length, different MAC at the anchor."""
        head = self.anchor_now()
        self.sql_delete_tail(2)
        for index in range(2):
            self.Audit._log("attack.refill", summary=f"refill {index}")
        self.Audit._seal_pending([self.company.id])
        self.assertEqual(self.rows()[-1]["sequence"], head.sequence)
        self.assertBroken(f"rewritten after anchor #{head.sequence}")

    def test_edit_and_rehash_with_unkeyed_sha256(self):
        rows = self.rows()
        rows[2]["summary"] = "paid to Mallory"

        def link(row):
            return {"hash": sha256_link(row), "entry_mac": row["entry_mac"], "key_id": row["key_id"]}
        self.sql_relink(rows[2:], link)
        verdict = self.assertBroken("")
        self.assertEqual(verdict.sequence, rows[2]["sequence"])

    def edit_and_remac(self, index, claim_key_id):
        """Edit row ``index`` and re-MAC it and the rest with a key of the attacker's own."""
        wrong = chain_key(parse_master_key(generate_master_key()))
        rows = self.rows()
        rows[index]["summary"] = "paid to Mallory"

        def link(row):
            macs = {"entry_mac": entry_mac(wrong, row),
                    "key_id": chain_key_id(wrong) if claim_key_id else row["key_id"]}
            return dict(macs, hash=event_mac(wrong, dict(row, **macs)))
        self.sql_relink(rows[index:], link)
        return rows[index]["sequence"]

    def test_edit_and_remac_with_wrong_key(self):
        sequence = self.edit_and_remac(3, claim_key_id=False)
        self.assertEqual(self.assertBroken("").sequence, sequence)

    def test_whole_chain_remaced_with_wrong_key_and_its_key_id(self):
        self.edit_and_remac(0, claim_key_id=True)
        self.assertEqual(self.assertBroken("sealed with audit key").sequence, 1)

    def test_unsealed_row_backdated_beyond_grace(self):
        old = datetime.datetime.now() - datetime.timedelta(hours=2)
        self.env.cr.execute(
            "INSERT INTO finance_audit_event (company_id, event_type, summary, occurred_at, payload, payload_hash) "
            "VALUES (%s, 'connection.state', 'forged approval', %s, '{}', 'x') RETURNING id",
            (self.company.id, old))
        forged_id = self.env.cr.fetchone()[0]
        self.Audit._seal_pending([self.company.id])
        self.env.cr.execute("SELECT hash FROM finance_audit_event WHERE id = %s", (forged_id,))
        self.assertIsNone(self.env.cr.fetchone()[0], "a row inserted by SQL was sealed into the chain")
        self.assertBroken(f"unsealed row id {forged_id} is not authentic")

    def test_replayed_row_with_authentic_entry_mac_is_not_sealed(self):
        """Copy a real row (entry MAC included) as a new pending row dated now: the id is bound in."""
        self.env.cr.execute(
            "INSERT INTO finance_audit_event (company_id, event_type, model, res_id, user_id, occurred_at, summary, "
            "payload, payload_hash, entry_mac) SELECT company_id, event_type, model, res_id, user_id, now() at time "
            "zone 'utc', summary, payload, payload_hash, entry_mac FROM finance_audit_event WHERE company_id = %s "
            "AND sequence = 2 RETURNING id", (self.company.id,))
        copy_id = self.env.cr.fetchone()[0]
        before = self.rows()[-1]["sequence"]
        self.Audit._seal_pending([self.company.id])
        self.assertEqual(self.rows()[-1]["sequence"], before)
        self.assertBroken(f"unsealed row id {copy_id} is not authentic")

    def test_forged_sequence_in_the_middle(self):
        rows = self.rows()
        cr = self.env.cr
        cr.execute("UPDATE finance_audit_event SET sequence = sequence + 1000 WHERE company_id = %s AND sequence >= 4",
                   (self.company.id,))
        cr.execute("UPDATE finance_audit_event SET sequence = sequence - 999 WHERE company_id = %s AND sequence > 1000",
                   (self.company.id,))
        forged = dict(rows[2], sequence=4, summary="forged release", prev_hash=rows[2]["hash"], key_id=rows[2]["key_id"])
        forged["hash"] = sha256_link(forged)
        cr.execute(
            "INSERT INTO finance_audit_event (company_id, sequence, event_type, occurred_at, summary, payload, "
            "payload_hash, entry_mac, key_id, prev_hash, hash) VALUES (%s, 4, 'payment.release', %s, %s, '{}', %s, "
            "%s, %s, %s, %s)", (self.company.id, forged["occurred_at"], forged["summary"], forged["payload_hash"],
                                rows[2]["entry_mac"], forged["key_id"], forged["prev_hash"], forged["hash"]))
        cr.execute("UPDATE finance_audit_event SET prev_hash = %s WHERE company_id = %s AND sequence = 5",
                   (forged["hash"], self.company.id))
        verdict = self.assertBroken("")
        self.assertEqual(verdict.sequence, 4)

    def test_anchor_file_detects_truncation_after_db_anchors_deleted(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "audit-anchors.log")
            with patch.dict(config.options, {ANCHOR_FILE_OPTION: path}):
                head = self.anchor_now()
                with self.assertLogs("odoo.addons.finance_bridge_core.models.audit_anchor", logging.INFO) as logs:
                    self.Anchor._export_head(self.env.cr.dbname, head)
                self.assertIn(f"{HEAD_PREFIX} db={self.env.cr.dbname} company={self.company.id} "
                              f"seq={head.sequence} mac={head.mac}", logs.output[0])
                with open(path, encoding="utf-8") as handle:
                    self.assertIn(f"seq={head.sequence} mac={head.mac}", handle.read())
                self.env.cr.execute("DELETE FROM finance_audit_anchor")
                self.sql_delete_tail(2)
                self.assertBroken(f"truncated after anchor #{head.sequence} (file)")


@tagged("post_install", "-at_install")
class TestAuditChainOverRpc(RpcAttackCase):
    adversarial_class = "audit_chain"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Audit = cls.env["finance.audit.event"]
        for company in (cls.company_a, cls.company_b):
            Audit._log("attack.seed", summary=f"seed of {company.name}", company=company)
        Audit._seal_pending()

    def test_plain_finance_user_cannot_verify(self):
        for login in ("adv_user_a", "adv_preparer_a", "adv_approver_b"):
            self.assertRefused(self.call_button(login, "finance.audit.event", "action_verify_chain", []))
            self.assertRefused(self.call_kw(login, "finance.audit.event", "verify_chains", []))

    def test_treasury_manager_of_b_sees_only_b(self):
        answer = self.call_button("adv_treasury_b", "finance.audit.event", "action_verify_chain", [])
        self.assertTrue(answer.ok, answer)
        self.assertEqual((answer.result["res_model"], answer.result["target"]), ("finance.audit.verify.result", "new"))
        read = self.call_kw("adv_treasury_b", "finance.audit.verify.result", "read",
                            [[answer.result["res_id"]], ["result", "intact"]])
        text = read.result[0]["result"]
        self.assertIn(f"{self.company_b.name}: intact", text)
        self.assertNotIn(self.company_a.name, text)
        # Asking for company A by argument gives nothing about A; by context it is refused.
        answer = self.call_kw("adv_treasury_b", "finance.audit.event", "verify_chains", [[self.company_a.id]])
        self.assertEqual(answer.result, {})
        self.assertRefused(self.call_button("adv_treasury_b", "finance.audit.event", "action_verify_chain", [],
                                            {"context": {"allowed_company_ids": [self.company_a.id]}}))

    def test_treasury_manager_cannot_read_anchors_of_other_company(self):
        from ..models.audit_event import audit_key
        for company in (self.company_a, self.company_b):
            self.env["finance.audit.anchor"]._anchor_company(company.id, audit_key())
        answer = self.call_kw("adv_treasury_b", "finance.audit.anchor", "search_read", [[]], {"fields": ["company_id"]})
        self.assertTrue(answer.ok, answer)
        self.assertEqual({row["company_id"][0] for row in answer.result}, {self.company_b.id})
        for login in ("admin", "adv_treasury_a", "adv_conn_admin_a"):
            anchor = self.env["finance.audit.anchor"].search([("company_id", "=", self.company_a.id)], limit=1)
            self.assertRefused(self.call_kw(login, "finance.audit.anchor", "write", [anchor.ids, {"sequence": 1}]))
            self.assertRefused(self.call_kw(login, "finance.audit.anchor", "unlink", [anchor.ids]))
            self.assertRefused(self.call_kw(login, "finance.audit.anchor", "create", [{
                "company_id": self.company_a.id, "sequence": 1, "mac": "0" * 64, "key_id": "x"}],
                {"context": {"finance_audit_append": True}}))


@tagged("post_install", "-at_install")
class TestAuditAppendOnlyOverRpc(RpcAttackCase):
    """Audit events are append-only for every user and the administrator, whatever the context sent."""

    def test_no_user_writes_unlinks_or_creates_events(self):
        event = self.env["finance.audit.event"]._log("attack.seed", summary="append-only")
        self.env["finance.audit.event"]._seal_pending()
        for login in ("admin", "adv_treasury_a", "adv_conn_admin_a", "adv_user_a"):
            self.assertRefused(self.call_kw(login, "finance.audit.event", "write", [event.ids, {"summary": "x"}]))
            self.assertRefused(self.call_kw(login, "finance.audit.event", "unlink", [event.ids]))
            self.assertRefused(self.call_kw(login, "finance.audit.event", "create", [{
                "company_id": self.company_a.id, "event_type": "forged", "occurred_at": "2026-01-01 00:00:00"}],
                {"context": {"finance_audit_append": True}}))
        self.assertEqual(event.summary, "append-only")


class TestAuditExport(AuditAttackMixin, TransactionCase):
    """Head export to syslog and the grace rule for authentic but unsealed rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._build_chain()

    def test_head_sent_to_syslog(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(5)
        try:
            with patch.dict(config.options, {SYSLOG_OPTION: f"127.0.0.1:{listener.getsockname()[1]}"}), \
                    self.assertLogs("odoo.addons.finance_bridge_core.models.audit_anchor", logging.INFO):
                head = self.anchor_now()
                self.Anchor._export_head(self.env.cr.dbname, head)
            data = listener.recv(4096).decode("utf-8")
        finally:
            listener.close()
        self.assertIn(f"{HEAD_PREFIX} db={self.env.cr.dbname} company={self.company.id} seq={head.sequence}", data)

    def test_authentic_row_unsealed_beyond_grace_fails(self):
        event = self.Audit._log("late.event", summary="never sealed")
        self.env.flush_all()
        later = datetime.datetime.now() + datetime.timedelta(minutes=6)
        with patch("odoo.fields.Datetime.now", return_value=later):
            verdict = self.Audit._verify_company_verdict(self.company)
        self.assertFalse(verdict.ok)
        self.assertIn(f"row id {event.id} has been unsealed since", verdict.reason)
        self.assertTrue(self.Audit._verify_company_verdict(self.company).ok)

    def test_rotation_reseals_the_chain_under_the_new_key(self):
        old_key, new_key = config["finance_bridge_master_key"], generate_master_key()
        self.anchor_now()
        self.env["finance.secret.vault"]._rotate(old_key, new_key)
        self.assertFalse(self.verdict().ok, "the old key must no longer verify the re-sealed chain")
        with patch.dict(config.options, {"finance_bridge_master_key": new_key}):
            verdict = self.verdict()
            self.assertTrue(verdict.ok, verdict.reason)
            self.assertEqual(self.rows()[-1]["event_type"], "audit.rekey")
