"""Adversarial (operations): contention, commit-time conflicts and dead workers, on real connections.

* A busy row (a worker holds the connection, another import holds the journal) is normal:
  the second party is told or retried, and nothing is logged as an SQL ERROR.
* A serialisation failure raised at COMMIT (the work is flushed then) is retried by the worker
  loop like one raised during the work; the message is sent once.
* The progress row of an import whose process was killed with SIGKILL is closed by the next
  cron pass, and only once its PostgreSQL session is really gone.
"""
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from datetime import date, timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import UserError
from odoo.tests.common import get_db_name
from odoo.tools import config

from ..lib import concurrency
from ..lib.concurrency import CONCURRENCY_ERRORS
from ..lib.outbox_handlers import register_outbox_handler, unregister_outbox_handler
from .committed_case import CommittedCase
from .factories import iban_de
from .outbox_sources import queue_message

TOUCHED = []


class TestContentionAndCommitConflicts(CommittedCase):
    adversarial_class = "operations"

    def setUp(self):
        super().setUp()
        self.tag = f"ops{os.getpid()}{int(time.time() * 1000) % 10**7}"
        self.inbox = tempfile.mkdtemp(prefix="fb_ops_")
        self.addCleanup(shutil.rmtree, self.inbox, True)
        self.conn_ids, self.msg_ids = [], []
        self.addCleanup(lambda: self.park(self.conn_ids, self.msg_ids))

    def _connection(self):
        base = int(time.time() * 1000) % 10**8 * 10 + len(self.conn_ids)
        with self.transaction() as env:
            company = env.ref("base.main_company")
            bank = env["res.partner.bank"].create({"acc_number": iban_de(base), "partner_id": company.partner_id.id})
            journal = env["account.journal"].create({"name": f"{self.tag} {base}", "code": f"Q{str(base)[-4:]}",
                                                     "type": "bank", "bank_account_id": bank.id,
                                                     "company_id": company.id})
            conn = env["finance.bank.connection"].create({"name": f"{self.tag}-{base}", "provider": "json_folder"})
            conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = self.inbox
            conn.account_ids = [(0, 0, {"journal_id": journal.id})]
            conn.action_activate()
            env.cr.execute("UPDATE finance_bank_connection SET next_run = '2000-01-01' WHERE id = %s", (conn.id,))
            self.conn_ids.append(conn.id)
            return conn.id, journal.id

    def test_manual_sync_while_a_worker_holds_the_connection(self):
        conn_id, _journal_id = self._connection()
        with self.registry.cursor() as worker, self.registry.cursor() as cr:
            worker.execute("SELECT id FROM finance_bank_connection WHERE id = %s FOR UPDATE", (conn_id,))
            env = api.Environment(cr, SUPERUSER_ID, {})
            with self.assertNoLogs("odoo.sql_db", "ERROR"), self.assertRaises(UserError) as refused:
                env["finance.bank.connection"].browse(conn_id).action_sync_now()
            self.assertIn("is running", str(refused.exception))
            cr.rollback()
            worker.rollback()

    def test_busy_journal_is_retried_without_sql_error(self):
        _conn_id, journal_id = self._connection()
        vals = [{"journal_id": journal_id, "date": date(2026, 3, 2), "payment_ref": f"{self.tag}-1", "amount": 1,
                 "finance_import_key": f"{self.tag}-busy-1", "sequence": 1}]
        with self.registry.cursor() as other, self.registry.cursor() as cr:
            other.execute("SELECT id FROM account_journal WHERE id = %s FOR NO KEY UPDATE", (journal_id,))
            env = api.Environment(cr, SUPERUSER_ID, {})
            with self.assertNoLogs("odoo.sql_db", "ERROR"), self.assertRaises(CONCURRENCY_ERRORS):
                env["finance.statement.line.writer"]._create_lines(env["account.journal"].browse(journal_id), vals)
            cr.rollback()
            other.rollback()

    def test_claim_of_a_row_updated_since_the_snapshot_is_retried_quietly(self):
        conn_id, _journal_id = self._connection()
        retry_logger = logging.getLogger(concurrency.__name__)
        retries = []
        handler = logging.Handler(logging.INFO)
        handler.emit = lambda record: retries.append(record.getMessage())
        retry_logger.addHandler(handler)
        self.addCleanup(retry_logger.removeHandler, handler)
        self.addCleanup(retry_logger.setLevel, retry_logger.level)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            budget = iter([float("inf"), 0.0])

            def commit_progress(processed=0, remaining=None, deactivate=False):
                cr.commit()
                if not processed:
                    cr.execute("SELECT count(*) FROM finance_bank_connection")  # the next snapshot starts here
                    with self.transaction() as other:  # another worker changes the row and commits
                        other.cr.execute("UPDATE finance_bank_connection SET interval_number = interval_number "
                                         "WHERE id = %s", (conn_id,))
                    retry_logger.setLevel(logging.INFO)  # the test runner raises module loggers to 25
                return next(budget, 0.0)
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                synced = env["finance.bank.connection"]._sync_due(commit_progress)
            self.assertIn(conn_id, synced)
        self.assertTrue(any("SerializationFailure" in text for text in retries), retries)
        with self.transaction() as env:
            self.assertEqual(env["finance.bank.connection"].browse(conn_id).sync_run_ids.state, "done")

    def test_serialisation_failure_at_commit_is_retried(self):
        TOUCHED.clear()
        with self.transaction() as env:
            partner_id = env["res.partner"].create({"name": f"{self.tag} shared"}).id
            key = f"{self.tag}-touch"
            # What a sent message changes elsewhere is written when the transaction commits (here a
            # deferred trigger, as for stored fields flushed at commit): a conflict surfaces at COMMIT.
            env.cr.execute(f"""
                CREATE FUNCTION {self.tag}_sent() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE res_partner SET comment = 'sent ' || NEW.key WHERE id = {int(partner_id)};
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER {self.tag}_sent AFTER UPDATE ON finance_outbox_message
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                    WHEN (NEW.key = '{key}' AND NEW.state = 'sent') EXECUTE FUNCTION {self.tag}_sent();
            """)

        def drop():
            with self.transaction() as env:
                env.cr.execute(f"DROP TRIGGER {self.tag}_sent ON finance_outbox_message; "
                               f"DROP FUNCTION {self.tag}_sent()")
        self.addCleanup(drop)

        @register_outbox_handler("test.ops_touch", "Record the attempt")
        def touch(message):
            TOUCHED.append(message.id)
            return {}
        self.addCleanup(unregister_outbox_handler, "test.ops_touch")
        with self.transaction() as env:
            message_id = queue_message(env, key, "test.ops_touch", {}).id
            env.cr.execute("UPDATE finance_outbox_message SET next_attempt = '2000-01-01' WHERE id = %s",
                           (message_id,))
            self.msg_ids.append(message_id)
        conflicts = []
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})

            def commit_progress(processed=0, remaining=None, deactivate=False):
                if processed and not conflicts:
                    # Another transaction commits a change to the same row before this one commits.
                    with self.registry.cursor() as other:
                        other.execute("SET LOCAL lock_timeout = '5s'")
                        other.execute("UPDATE res_partner SET comment = 'theirs' WHERE id = %s", (partner_id,))
                        other.commit()
                    conflicts.append(True)
                cr.commit()
                return 0.0 if processed else float("inf")
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                sent = env["finance.outbox.message"]._process_due(commit_progress)
        self.assertTrue(conflicts)
        self.assertIn(message_id, sent)
        self.assertEqual(TOUCHED.count(message_id), 2, "the first attempt failed at commit and was run again")
        with self.transaction() as env:
            message = env["finance.outbox.message"].browse(message_id)
            self.assertEqual((message.state, message.attempts), ("sent", 1))
            self.assertEqual(env["res.partner"].browse(partner_id).comment, f"sent {key}")


CHILD = """
import sys, time
from odoo.tools import config
config.parse_config(["-c", {conf!r}, "--addons-path", {addons!r}, "--log-level", "warn"])
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
registry = Registry({db!r})
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {{}})
    reporter = env["finance.job.progress"]._start({name!r}, env.ref("base.main_company"), None, 1000)
    reporter.update({{"lines_created": 3, "lines_skipped": 0}}, 200, force=True)
    env["res.partner"].search([], limit=1)   # the import's transaction stays open
    print(reporter.job_id, flush=True)
    time.sleep(600)
"""


class TestKilledImportProgress(CommittedCase):
    adversarial_class = "operations"

    def _child(self, name):
        addons = config["addons_path"]
        script = CHILD.format(conf=config["config"], db=get_db_name(), name=name,
                              addons=addons if isinstance(addons, str) else ",".join(addons))
        child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: child.poll() is None and child.kill())
        line = []
        reader = threading.Thread(target=lambda: line.append(child.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=120)
        self.assertTrue(line and line[0].strip().isdigit(), f"the import process did not start: {line} "
                                                            f"{child.poll() is not None and child.stderr.read()}")
        return child, int(line[0])

    def _age(self, job_id):
        with self.transaction() as env:  # its heartbeat is an hour old
            env.cr.execute("UPDATE finance_job_progress SET updated_at = %s WHERE id = %s",
                           (fields.Datetime.now() - timedelta(hours=1), job_id))

    def _cron_pass(self):
        with self.transaction() as env:
            env["finance.bank.connection"]._cron_sync()

    def _job(self, job_id):
        with self.transaction() as env:
            job = env["finance.job.progress"].browse(job_id)
            return job.state, job.message or ""

    def test_sigkilled_import_is_marked_failed_by_the_next_cron_pass(self):
        child, job_id = self._child(f"killed-{os.getpid()}-{time.time()}.xml")
        self.assertEqual(self._job(job_id)[0], "running")
        self._age(job_id)
        self._cron_pass()
        self.assertEqual(self._job(job_id)[0], "running", "a live import (session alive) is never reaped")
        with self.transaction() as env:
            env.cr.execute("SELECT backend_pid FROM finance_job_progress WHERE id = %s", (job_id,))
            backend = env.cr.fetchone()[0]
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:   # PostgreSQL notices the closed socket and ends the session
            with self.transaction() as env:
                env.cr.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,))
                if not env.cr.fetchone():
                    break
            time.sleep(0.2)
        self._cron_pass()
        state, message = self._job(job_id)
        self.assertEqual(state, "failed")
        self.assertIn("worker died", message)

    def test_dead_session_with_fresh_heartbeat_waits_for_the_grace_period(self):
        child, job_id = self._child(f"fresh-{os.getpid()}-{time.time()}.xml")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        time.sleep(1)
        self._cron_pass()
        self.assertEqual(self._job(job_id)[0], "running", "heartbeat younger than the grace period")
        self._age(job_id)
        deadline = time.monotonic() + 30
        while self._job(job_id)[0] == "running" and time.monotonic() < deadline:
            self._cron_pass()
            time.sleep(0.2)
        self.assertEqual(self._job(job_id)[0], "failed")
        self.assertTrue(self._job(job_id)[1].startswith("stopped:"))
