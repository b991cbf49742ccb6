"""The sync engine: the JSON folder end to end through Imported Files, failures, backoff."""
import json
import os
from datetime import timedelta

from odoo import fields

from ..lib.json_statement_parser import statement_to_document
from .common import FinanceBridgeCase


def no_commit(processed=0, remaining=None, deactivate=False):
    return float("inf")


class TestSyncEngine(FinanceBridgeCase):
    def imports(self):
        return self.env["finance.file.import"].search([("connection_id", "=", self.connection.id)], order="id")

    def test_sync_now_imports_folder_statements(self):
        path = self.write_statement(self.statement(["10.00", "-4.00"], opening="0.00", seq=1), "a.json")
        action = self.connection.action_sync_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("2 line(s) created", action["params"]["message"])
        run = self.connection.sync_run_ids
        self.assertEqual((run.state, run.lines_created, run.statements_created, run.trigger), ("done", 2, 1, "manual"))
        # The file is in Imported Files like any channel's: original kept, result, statements, sync run.
        record = self.imports()
        self.assertEqual((record.name, record.state, record.channel, record.lines_created), ("a.json", "done", "folder", 2))
        self.assertEqual(record.sync_run_id, run)
        self.assertEqual(record.statement_ids, run.statement_ids)
        self.assertEqual(record.statement_ids.line_ids, self.lines())
        with open(path, "rb") as handle:
            self.assertEqual(record.attachment_id.raw, handle.read())
        self.assertEqual(record.file_format, "Finance Bridge JSON statement")
        self.assertTrue(os.path.exists(path), "the JSON folder keeps its files")
        self.assertTrue(self.connection.last_success)
        self.assertEqual(self.connection.account_ids.last_statement_date, self.today)
        self.assertGreater(self.connection.next_run, fields.Datetime.now())

    def test_second_sync_reads_only_new_files(self):
        self.write_statement(self.statement(["1.00"]), "a.json")
        self.connection._run_sync()
        self.write_statement(self.statement(["2.00"], day=self.days(1)), "b.json")
        run = self.connection._run_sync()
        self.assertEqual((run.lines_created, run.lines_skipped), (1, 0))
        self.assertEqual(len(self.lines()), 2)
        self.assertEqual(run.import_ids.mapped("name"), ["b.json"], "a.json is not read again")

    def test_same_content_under_another_name_is_already_imported(self):
        self.write_statement(self.statement(["1.00", "2.00"]), "a.json")
        self.connection._run_sync()
        with open(os.path.join(self.inbox, "a.json"), "rb") as src, open(os.path.join(self.inbox, "a2.json"), "wb") as dst:
            dst.write(src.read())
        run = self.connection._run_sync()
        self.assertEqual(run.lines_created, 0)
        self.assertEqual(run.import_ids.mapped("state"), ["duplicate"])
        self.assertEqual(len(self.lines()), 2)

    def test_files_per_sync_bound_and_the_next_run_goes_on(self):
        self.connection.setting_ids.filtered(lambda s: s.key == "max_files").value = "2"
        for day in range(3):
            self.write_statement(self.statement([f"{day + 1}.00"], day=self.days(day)), f"{day}.json")
        first = self.connection._run_sync()
        self.assertEqual(sorted(first.import_ids.mapped("name")), ["0.json", "1.json"])
        self.assertIn("from 2.json on", first.notes)
        second = self.connection._run_sync()
        self.assertEqual(second.import_ids.mapped("name"), ["2.json"])
        self.assertEqual(len(self.lines()), 3)

    def test_bad_file_is_a_failed_import_and_a_fixed_one_is_read(self):
        self.write_statement(self.statement(["1.00"]), "a.json")
        self.connection._run_sync()
        self.write_statement(self.statement(["2.00"], day=self.days(1)), "b.json")
        with open(os.path.join(self.inbox, "c.json"), "w") as handle:
            handle.write('{"format": "finance_bridge.statement", "version": 1, "statement": {"lines": 3}}')
        self.write_statement(self.statement(["4.00"], day=self.days(3)), "d.json")
        run = self.connection._run_sync()
        # The bad file fails alone, with its original and an error naming file and position; the others import.
        self.assertEqual(run.state, "done")
        failed = run.import_ids.filtered(lambda r: r.state == "failed")
        self.assertEqual(failed.name, "c.json")
        self.assertIn("c.json", failed.error)
        self.assertIn("$.statement.lines", failed.error)
        self.assertTrue(failed.attachment_id)
        self.assertIn("c.json", run.notes)
        self.assertEqual(sorted(self.lines().mapped("amount")), [1.0, 2.0, 4.0])
        # Unchanged, it is not recorded again; fixed (same name, new content), it is imported.
        again = self.connection._run_sync()
        self.assertFalse(again.import_ids)
        self.write_statement(self.statement(["3.00"], day=self.days(2)), "c.json")
        fixed = self.connection._run_sync()
        self.assertEqual((fixed.import_ids.name, fixed.import_ids.state), ("c.json", "done"))
        self.assertEqual(sorted(self.lines().mapped("amount")), [1.0, 2.0, 3.0, 4.0])

    def test_backoff_grows_with_failures(self):
        self.connection.setting_ids.filtered(lambda s: s.key == "inbound_path").value = "/tmp/fb-nonexistent-folder/inbox"
        delays = []
        for _ in range(3):
            before = fields.Datetime.now()
            self.connection._run_sync()
            delays.append((self.connection.next_retry - before).total_seconds())
        self.assertTrue(delays[0] < delays[1] < delays[2], delays)
        self.assertEqual(self.connection.consecutive_failures, 3)
        self.assertTrue(self.connection.activity_ids.filtered(lambda a: "failing" in a.summary))

    def test_missing_folder_is_reported(self):
        self.connection.setting_ids.filtered(lambda s: s.key == "inbound_path").value = "/tmp/fb-nonexistent-folder/inbox"
        run = self.connection._run_sync()
        self.assertIn("does not exist", run.error)
        action = self.connection.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")

    def test_due_selection(self):
        draft = self.connection.copy({"name": "Draft one", "state": "draft"})
        future = self.connection.copy({"name": "Later"})
        future.write({"state": "active", "next_run": fields.Datetime.now() + timedelta(hours=2)})
        self.connection.next_run = fields.Datetime.now() - timedelta(minutes=1)
        claimed = self.env["finance.bank.connection"]._claim_due(10)
        self.assertIn(self.connection, claimed)
        self.assertNotIn(draft, claimed)
        self.assertNotIn(future, claimed)

    def test_state_changes_are_audited(self):
        self.connection.action_set_draft()
        event = self.env["finance.audit.event"].search([("event_type", "=", "connection.state"),
                                                        ("res_id", "=", self.connection.id)], limit=1)
        self.assertIn("active → draft", event.summary)

    def test_consent_expiry_activity_once_then_expired(self):
        today = fields.Date.context_today(self.connection)
        self.connection.write({"consent_expires_on": today + timedelta(days=5), "expiry_warning_days": 14})
        self.env["finance.bank.connection"]._cron_check_expiry()
        self.env["finance.bank.connection"]._cron_check_expiry()
        activities = self.connection.activity_ids.filtered(lambda a: "consent expires" in (a.summary or ""))
        self.assertEqual(len(activities), 1)
        self.connection.consent_expires_on = today
        self.env["finance.bank.connection"]._cron_check_expiry()
        self.assertEqual(self.connection.state, "expired")
        self.assertNotIn(self.connection, self.env["finance.bank.connection"]._claim_due(10))

    def test_balances_from_statement_recorded(self):
        stmt = self.statement(["1.00"])
        document = statement_to_document(stmt)
        document["statement"]["balances"] = [{"kind": "booked", "position": "closing",
                                              "date": self.today.isoformat(), "amount": "1.00"}]
        with open(os.path.join(self.inbox, "bal.json"), "w") as handle:
            json.dump(document, handle)
        run = self.connection._run_sync()
        self.assertEqual(run.balances_recorded, 1)
        self.assertEqual(self.env["finance.bank.balance"].search([("journal_id", "=", self.journal.id)]).amount, 1.0)
