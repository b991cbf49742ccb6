"""Progress of long imports, visible while the importing transaction is still open.

A large bank file is imported in one transaction (all of it or nothing), so nothing it writes
can be seen before it commits. Its progress is therefore written by short transactions of their
own. They must never wait for the import: the connection row is locked by the sync worker, so
the connection is referenced by id only (no foreign key, no lock), and every write gives up
after two seconds rather than block.
"""
import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.modules import module as odoo_module

_logger = logging.getLogger(__name__)

STALLED_AFTER = timedelta(minutes=10)
# A running row is reaped (marked failed) once its heartbeat is this old AND the PostgreSQL
# backend of the importing transaction is gone: a killed worker's transaction died with it.
REAP_AFTER = timedelta(minutes=2)


class FinanceJobProgress(models.Model):
    _name = "finance.job.progress"
    _description = "Finance Bridge background import progress"
    _order = "started_at desc, id desc"
    _log_access = False
    _finance_guarded_records = True  # written by the import itself only

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    connection_ref = fields.Integer(readonly=True, index=True,
                                    help="Id of the connection (no foreign key: see the model's docstring).")
    connection_id = fields.Many2one("finance.bank.connection", compute="_compute_connection_id")
    state = fields.Selection([("running", "Running"), ("done", "Done"), ("failed", "Failed")],
                             required=True, default="running", readonly=True)
    size = fields.Integer(string="Bytes", readonly=True)
    position = fields.Integer(string="Bytes read", readonly=True)
    progress = fields.Float(compute="_compute_progress", help="Share of the file read so far, in percent.")
    lines_created = fields.Integer(readonly=True)
    lines_skipped = fields.Integer(readonly=True)
    started_at = fields.Datetime(required=True, readonly=True)
    updated_at = fields.Datetime(readonly=True)
    message = fields.Char(readonly=True)
    backend_pid = fields.Integer(readonly=True, help="PostgreSQL backend of the importing transaction.")
    backend_started = fields.Datetime(readonly=True,
                                      help="Start of that backend (pids are reused; the pair identifies it).")
    stalled = fields.Boolean(compute="_compute_stalled",
                             help="Running but not heard of for ten minutes: the worker probably died; the "
                                  "file was not imported and will be picked up again.")

    def _compute_connection_id(self):
        Connection = self.env["finance.bank.connection"]
        for job in self:
            job.connection_id = Connection.browse(job.connection_ref).exists() if job.connection_ref else False

    @api.depends("size", "position", "state")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            else:
                job.progress = 100.0 * job.position / job.size if job.size else 0.0

    def _compute_stalled(self):
        limit = fields.Datetime.now() - STALLED_AFTER
        for job in self:
            job.stalled = job.state == "running" and (job.updated_at or job.started_at) < limit

    # ------------------------------------------------------------------ writing from the import
    @api.model
    def _side_execute(self, query, params):
        """Run one statement in a transaction of its own; returns the first row or None."""
        if getattr(odoo_module, "current_test", None):
            # Tests run in one uncommitted transaction that another cursor cannot see.
            self.env.cr.execute(query, params)
            return self.env.cr.fetchone() if self.env.cr.description else None
        try:
            with self.env.registry.cursor() as cr:
                cr.execute("SET LOCAL lock_timeout = '2s'")
                cr.execute("SET LOCAL statement_timeout = '5s'")
                cr.execute(query, params)
                return cr.fetchone() if cr.description else None
        except psycopg2.Error as exc:
            _logger.warning("progress not recorded: %s", exc)
            return None

    @api.model
    def _start(self, name, company, connection, size):
        """A reporter for one file: ``update(counts, position)`` and ``finish(state, message)``."""
        now = fields.Datetime.now()
        # The importing transaction's own backend: while it lives, the import lives.
        self.env.cr.execute("SELECT pid, backend_start AT TIME ZONE 'UTC' FROM pg_stat_activity "
                            "WHERE pid = pg_backend_pid()")
        pid, backend_started = self.env.cr.fetchone() or (None, None)
        row = self._side_execute(
            "INSERT INTO finance_job_progress (name, company_id, connection_ref, state, size, position, "
            "lines_created, lines_skipped, started_at, updated_at, backend_pid, backend_started) "
            "VALUES (%s, %s, %s, 'running', %s, 0, 0, 0, %s, %s, %s, %s) RETURNING id",
            (name, company.id, connection.id if connection else None, size, now, now, pid, backend_started))
        return ProgressReporter(self, row[0] if row else None)

    @api.model
    def _reap_stale(self, grace=REAP_AFTER):
        """Mark failed the running rows of imports that died (SIGKILL, OOM, lost node).

        A row is stale when its heartbeat is older than ``grace`` and the backend that ran the
        import (pid + start time, recorded at start) no longer exists: its transaction, and so
        the import, are gone; the file is imported again by the next sync. Called by the sync
        cron before it claims work. Returns the ids marked.
        """
        self.env.cr.execute("""
            UPDATE finance_job_progress p
               SET state = 'failed', updated_at = (now() AT TIME ZONE 'UTC'),
                   message = 'stopped: the importing worker died (no heartbeat since '
                             || to_char(COALESCE(p.updated_at, p.started_at), 'YYYY-MM-DD HH24:MI:SS')
                             || ' UTC, its database session is gone); the file will be imported again'
             WHERE p.state = 'running'
               AND COALESCE(p.updated_at, p.started_at) < (now() AT TIME ZONE 'UTC') - %s
               AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a
                                WHERE a.pid = p.backend_pid
                                  AND (p.backend_started IS NULL
                                       OR a.backend_start AT TIME ZONE 'UTC' = p.backend_started))
         RETURNING p.id, p.name""", (grace,))
        rows = self.env.cr.fetchall()
        for job_id, name in rows:
            _logger.warning("import progress %s (%s) marked failed: its worker died", job_id, name)
        if rows:
            self.invalidate_model(["state", "updated_at", "message"])
        return [job_id for job_id, _name in rows]

    @api.autovacuum
    def _gc_old(self):
        """Progress rows are transient: keep a month."""
        self.env.cr.execute("DELETE FROM finance_job_progress WHERE started_at < now() - interval '30 days'")


class ProgressReporter:
    """Writes one file's progress at most every ``interval`` seconds, then its outcome."""

    interval = 2.0

    def __init__(self, model, job_id):
        self.model, self.job_id = model, job_id
        self._last = None

    def update(self, counts, position, force=False):
        if not self.job_id:
            return
        now = fields.Datetime.now()
        if not force and self._last and (now - self._last).total_seconds() < self.interval:
            return
        self._last = now
        self.model._side_execute(
            "UPDATE finance_job_progress SET position = %s, lines_created = %s, lines_skipped = %s, "
            "updated_at = %s WHERE id = %s",
            (position, counts.get("lines_created", 0), counts.get("lines_skipped", 0), now, self.job_id))

    def finish(self, state, message=None, counts=None):
        if not self.job_id:
            return
        counts = counts or {}
        self.model._side_execute(
            "UPDATE finance_job_progress SET state = %s, message = %s, updated_at = %s, "
            "position = CASE WHEN %s = 'done' THEN size ELSE position END, "
            "lines_created = COALESCE(%s, lines_created), lines_skipped = COALESCE(%s, lines_skipped) "
            "WHERE id = %s AND state = 'running'",
            (state, (message or "")[:500] or None, fields.Datetime.now(), state, counts.get("lines_created"),
             counts.get("lines_skipped"), self.job_id))
