"""The sync engine: folder provider end to end, failures, backoff, retry from the same cursor."""
import json
import os
from datetime import timedelta

from odoo import fields

from ..lib.json_statement_parser import statement_to_document
from .common import FinanceBridgeCase


def no_commit(processed=0, remaining=None, deactivate=False):
    return float("inf")


class TestSyncEngine(FinanceBridgeCase):
    def test_sync_now_imports_folder_statements(self):
        self.write_statement(self.statement(["10.00", "-4.00"], opening="0.00", seq=1), "a.json")
        action = self.connection.action_sync_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("2 line(s) created", action["params"]["message"])
        run = self.connection.sync_run_ids
        self.assertEqual((run.state, run.lines_created, run.statements_created, run.trigger), ("done", 2, 1, "manual"))
        self.assertEqual(self.connection.account_ids.cursor, "a.json")
        self.assertTrue(self.connection.last_success)
        self.assertGreater(self.connection.next_run, fields.Datetime.now())

    def test_second_sync_reads_only_new_files(self):
        self.write_statement(self.statement(["1.00"]), "a.json")
        self.connection._run_sync()
        self.write_statement(self.statement(["2.00"], day=self.days(1)), "b.json")
        run = self.connection._run_sync()
        self.assertEqual((run.lines_created, run.lines_skipped), (1, 0))
        self.assertEqual(len(self.lines()), 2)

    def test_cleared_cursor_reimports_nothing(self):
        self.write_statement(self.statement(["1.00", "2.00"]), "a.json")
        self.connection._run_sync()
        self.connection.account_ids.cursor = False
        run = self.connection._run_sync()
        self.assertEqual((run.lines_created, run.lines_skipped), (0, 2))

    def test_failed_window_is_retried_from_same_cursor(self):
        self.write_statement(self.statement(["1.00"]), "a.json")
        self.connection._run_sync()
        self.write_statement(self.statement(["2.00"], day=self.days(1)), "b.json")
        with open(os.path.join(self.inbox, "c.json"), "w") as handle:
            handle.write('{"format": "finance_bridge.statement", "version": 1, "statement": {"lines": 3}}')
        self.write_statement(self.statement(["4.00"], day=self.days(3)), "d.json")
        run = self.connection._run_sync()
        # Nothing of the window is kept: b.json's line rolled back with the failure.
        self.assertEqual(run.state, "failed")
        self.assertIn("c.json", run.error)
        self.assertIn("$.statement.lines", run.error)
        self.assertEqual(len(self.lines()), 1)
        self.assertEqual(self.connection.account_ids.cursor, "a.json")
        self.assertEqual((self.connection.state, self.connection.consecutive_failures), ("error", 1))
        self.assertGreater(self.connection.next_retry, fields.Datetime.now() + timedelta(seconds=40))
        # The operator fixes the file; the next attempt starts from a.json again.
        self.write_statement(self.statement(["3.00"], day=self.days(2)), "c.json")
        self.connection.next_run = fields.Datetime.now() - timedelta(seconds=1)
        done = self.env["finance.bank.connection"]._sync_due(no_commit)
        self.assertIn(self.connection.id, done)
        self.assertEqual(sorted(self.lines().mapped("amount")), [1.0, 2.0, 3.0, 4.0])
        self.assertEqual((self.connection.state, self.connection.consecutive_failures), ("active", 0))
        self.assertEqual(self.connection.account_ids.cursor, "d.json")

    def test_backoff_grows_with_failures(self):
        os.makedirs(self.inbox, exist_ok=True)
        with open(os.path.join(self.inbox, "x.json"), "w") as handle:
            handle.write("not json")
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
