"""Several workers on one PostgreSQL never process the same connection or message twice."""
import json
import os
import shutil
import tempfile
import threading
import time
from datetime import date, timedelta

import psycopg2.errors

from odoo import SUPERUSER_ID, api, fields
from odoo.service.model import retrying

from ..lib.concurrency import run_unit
from ..lib.json_statement_parser import statement_to_document
from ..lib.outbox_handlers import register_outbox_handler, unregister_outbox_handler
from ..lib.provider_registry import registry
from ..providers.json_folder import JsonFolderProvider
from .committed_case import CommittedCase
from .common import make_statement
from .factories import iban_de
from .outbox_sources import queue_message, source_document

PROCESSED = []
PROCESSED_LOCK = threading.Lock()


class SlowFolderProvider(JsonFolderProvider):
    """The folder provider, slowed down so that two workers overlap for sure."""

    key = "test_slow_folder"

    def read_inbound(self, name):
        time.sleep(0.15)
        return super().read_inbound(name)


class TestConcurrentWorkers(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        registry.register(SlowFolderProvider)
        cls.addClassCleanup(registry.unregister, SlowFolderProvider.key)

        @register_outbox_handler("test.slow_record", "Slow recorder")
        def slow_record(message):
            time.sleep(0.1)
            with PROCESSED_LOCK:
                PROCESSED.append((message.id, threading.current_thread().name))
            return {}
        cls.addClassCleanup(unregister_outbox_handler, "test.slow_record")

    def setUp(self):
        super().setUp()
        self.inbox = tempfile.mkdtemp(prefix="fb_conc_")
        self.addCleanup(shutil.rmtree, self.inbox, True)
        self.tag = f"conc{os.getpid()}{int(time.time() * 1000) % 100000}"
        self.base = int(time.time() * 1000) % 10**8 * 10
        self.conn_ids, self.msg_ids = [], []
        self.addCleanup(self._park)

    def _park(self):
        """Leave nothing due behind for the other tests."""
        self.park(self.conn_ids, self.msg_ids)

    def _make_connections(self, count):
        with self.transaction() as env:
            company = env.ref("base.main_company")
            currency = company.currency_id.name
            for index in range(count):
                bank = env["res.partner.bank"].create({"acc_number": iban_de(self.base + index),
                                                       "partner_id": company.partner_id.id})
                journal = env["account.journal"].create({"name": f"{self.tag} {index}",
                                                         "code": f"C{index}{str(self.base)[-4:-1]}",
                                                         "type": "bank", "bank_account_id": bank.id,
                                                         "company_id": company.id})
                iban = bank.sanitized_acc_number
                stmt = make_statement(iban, date(2026, 3, 2), ["10.00", "-1.00"], currency=currency)
                folder = os.path.join(self.inbox, f"{index:03d}")  # one folder per connection, as in use
                os.makedirs(folder)
                with open(os.path.join(folder, f"{index:03d}.json"), "w") as handle:
                    json.dump(statement_to_document(stmt), handle)
                conn = env["finance.bank.connection"].create({"name": f"{self.tag}-{index}",
                                                              "provider": SlowFolderProvider.key})
                conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = folder
                conn.account_ids = [(0, 0, {"journal_id": journal.id})]
                conn.action_activate()
                conn.next_run = fields.Datetime.now() - timedelta(seconds=5)
                self.conn_ids.append(conn.id)

    def test_claim_skips_rows_locked_by_another_worker(self):
        self._make_connections(3)
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            from odoo import SUPERUSER_ID, api
            env_a, env_b = api.Environment(cr_a, SUPERUSER_ID, {}), api.Environment(cr_b, SUPERUSER_ID, {})
            mine = env_a["finance.bank.connection"]._claim_due(1)
            started = time.monotonic()
            theirs = env_b["finance.bank.connection"]._claim_due(100)
            self.assertLess(time.monotonic() - started, 5, "the second worker must not wait for the lock")
            self.assertEqual(len(mine), 1)
            self.assertNotIn(mine.id, theirs.ids)
            self.assertTrue(set(self.conn_ids) - set(mine.ids) <= set(theirs.ids))
            cr_a.rollback()
            cr_b.rollback()

    def test_two_cron_workers_sync_each_connection_once(self):
        self._make_connections(4)

        def worker(env, index):
            return sorted(env["finance.bank.connection"]._cron_sync())
        results = self.run_workers(worker)
        done = [cid for ids in results for cid in ids if cid in self.conn_ids]
        self.assertEqual(sorted(done), sorted(self.conn_ids), results)
        self.assertEqual(len(done), len(set(done)), "a connection was synchronised twice")
        with self.transaction() as env:
            conns = env["finance.bank.connection"].browse(self.conn_ids)
            for conn in conns:
                self.assertEqual(len(conn.sync_run_ids), 1)
                self.assertEqual(conn.sync_run_ids.lines_created, 2)
                self.assertEqual(env["account.bank.statement.line"].search_count(
                    [("journal_id", "=", conn.account_ids.journal_id.id)]), 2)
            self.assertEqual(set(env["finance.audit.event"].verify_chains().values()), {None})

    def test_two_outbox_workers_send_each_message_once(self):
        PROCESSED.clear()
        with self.transaction() as env:
            for index in range(8):
                self.msg_ids.append(queue_message(env, f"{self.tag}-m{index}", "test.slow_record", {"n": index}).id)

        def worker(env, index):
            env["finance.outbox.message"]._cron_process()
        self.run_workers(worker)
        ids = [mid for mid, _thread in PROCESSED if mid in self.msg_ids]
        self.assertEqual(sorted(ids), sorted(self.msg_ids))
        self.assertEqual(len(ids), len(set(ids)), "a message was sent twice")
        threads = {thread for mid, thread in PROCESSED if mid in self.msg_ids}
        self.assertEqual(len(threads), 2, "both workers should have taken part")
        with self.transaction() as env:
            self.assertEqual(set(env["finance.outbox.message"].browse(self.msg_ids).mapped("state")), {"sent"})

    def test_outbox_claim_skips_locked_message(self):
        with self.transaction() as env:
            for index in range(3):
                self.msg_ids.append(queue_message(env, f"{self.tag}-c{index}", "test.slow_record", {"n": index}).id)
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            from odoo import SUPERUSER_ID, api
            env_a, env_b = api.Environment(cr_a, SUPERUSER_ID, {}), api.Environment(cr_b, SUPERUSER_ID, {})
            mine = env_a["finance.outbox.message"]._claim_due(1)
            theirs = env_b["finance.outbox.message"]._claim_due(100)
            self.assertNotIn(mine.id, theirs.ids)
            self.assertTrue(set(self.msg_ids) - set(mine.ids) <= set(theirs.ids))
            cr_a.rollback()
            cr_b.rollback()

    def test_concurrent_enqueue_of_same_key_yields_one_message(self):
        key = f"{self.tag}-same"
        with self.transaction() as env:
            document_id = source_document(env, key, "test.slow_record", {"w": 1}).id

        def worker(env, index):
            # As in an HTTP request: a serialisation conflict is retried by Odoo's ``retrying``.
            document = env["finance.outbox.test.document"].browse(document_id)
            message_id = retrying(lambda: document._release().id, env)
            env.cr.commit()
            return message_id
        results = self.run_workers(worker)
        self.msg_ids.extend(results)
        self.assertEqual(len(set(results)), 1)


class TestConcurrentBulkWrites(CommittedCase):
    def _journal(self, salt):
        base = int(time.time() * 1000) % 10**8 * 10 + salt
        with self.transaction() as env:
            company = env.ref("base.main_company")
            bank = env["res.partner.bank"].create({"acc_number": iban_de(base), "partner_id": company.partner_id.id})
            journal = env["account.journal"].create({"name": f"bulk {base}", "code": f"K{str(base)[-4:]}",
                                                     "type": "bank", "bank_account_id": bank.id,
                                                     "company_id": company.id})
            return base, journal.id

    @staticmethod
    def _vals(journal_id, tag, count=3):
        return [{"journal_id": journal_id, "date": date(2026, 3, 2), "payment_ref": f"{tag}-{n}", "amount": n + 1,
                 "finance_import_key": f"bulk-{tag}-{n}", "sequence": n + 1} for n in range(count)]

    def test_numbers_taken_after_the_snapshot_are_a_serialisation_failure(self):
        base, journal_id = self._journal(3)
        with self.registry.cursor() as late:
            late_env = api.Environment(late, SUPERUSER_ID, {})
            late.execute("SELECT count(*) FROM account_move")   # its REPEATABLE READ snapshot starts here
            with self.transaction() as env:
                env["finance.statement.line.writer"]._create_lines(env["account.journal"].browse(journal_id),
                                                                  self._vals(journal_id, f"{base}-early"))
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                late_env["finance.statement.line.writer"]._create_lines(
                    late_env["account.journal"].browse(journal_id), self._vals(journal_id, f"{base}-late"))
            late.rollback()

    def test_two_imports_into_one_journal_take_distinct_move_numbers(self):
        base, journal_id = self._journal(7)

        attempts = []

        def import_lines(env, index):
            def unit():
                attempts.append(index)
                journal = env["account.journal"].browse(journal_id)
                vals = [{"journal_id": journal_id, "date": date(2026, 3, 2), "payment_ref": f"w{index}-{n}",
                         "amount": n + 1, "finance_import_key": f"bulk-{base}-{index}-{n}", "sequence": n + 1}
                        for n in range(3)]
                ids = env["finance.statement.line.writer"]._create_lines(journal, vals)
                time.sleep(0.3)   # keep the transaction open while the other worker tries
                return ids
            return run_unit(env, unit, attempts=8)

        results = self.run_workers(import_lines, count=2)
        self.assertGreater(len(attempts), 2, "the second import was refused the journal and ran again")
        with self.transaction() as env:
            moves = env["account.bank.statement.line"].browse(results[0] + results[1]).move_id
            self.assertEqual(len(set(moves.mapped("name"))), 6)
            self.assertEqual(sorted(moves.mapped("sequence_number")), [1, 2, 3, 4, 5, 6])
