"""Running one unit of work next to other workers on the same PostgreSQL.

Odoo runs transactions in REPEATABLE READ: when two workers touch the same
row, the later one gets a serialisation error. That means "someone else got
there first", not a failure of the bank sync or message: the unit is rolled
back and run again (it will usually claim a different row).

Contention is normal, so it is not an error in the logs: while a unit runs,
Odoo's "bad query" ERROR for a concurrency error is dropped (the retry is
logged at INFO here instead), and a busy row is detected with ``SKIP LOCKED``
rather than ``NOWAIT`` wherever skipping is the right answer.
"""
import contextlib
import logging
import random
import threading
import time

import psycopg2.errors

from odoo.exceptions import ConcurrencyError

_logger = logging.getLogger(__name__)

PG_CONTENTION_ERRORS = (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected,
                        psycopg2.errors.LockNotAvailable)
# ConcurrencyError: a row we must have is busy (found with SKIP LOCKED); Odoo's own request
# ``retrying`` retries it like the PostgreSQL ones.
CONCURRENCY_ERRORS = (*PG_CONTENTION_ERRORS, ConcurrencyError)
MAX_ATTEMPTS = 5

_contention = threading.local()


class _ContentionFilter(logging.Filter):
    """Drop odoo.sql_db's "bad query" ERROR for a concurrency error raised inside ``expected_contention``."""

    def filter(self, record):
        if not getattr(_contention, "depth", 0):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        return not (len(args) == 2 and isinstance(args[1], PG_CONTENTION_ERRORS))


logging.getLogger("odoo.sql_db").addFilter(_ContentionFilter())


@contextlib.contextmanager
def expected_contention():
    """Within this block (this thread only) a serialisation failure, deadlock or busy lock is not
    logged as an SQL error: the caller handles it (retry, skip or a clear message)."""
    _contention.depth = getattr(_contention, "depth", 0) + 1
    try:
        yield
    finally:
        _contention.depth -= 1


def run_unit(env, unit, attempts=MAX_ATTEMPTS, sleep=time.sleep):
    """Call ``unit()``; on a concurrency error roll the transaction back and try again.

    When the unit commits (the cron progress API does), a serialisation failure
    raised by that commit is retried the same way. Nothing is rolled back when the
    unit succeeds first time, so this is usable inside tests.
    """
    for attempt in range(1, attempts + 1):
        try:
            with expected_contention():
                return unit()
        except CONCURRENCY_ERRORS as exc:
            if attempt == attempts:
                _logger.warning("concurrent update: giving up after %s attempts (%s)", attempts, exc)
                raise
            _logger.info("concurrent update (%s): unit rolled back, attempt %s of %s",
                         exc.__class__.__name__, attempt + 1, attempts)
            env.cr.rollback()
            env.transaction.reset()
            sleep(random.uniform(0, 0.05 * 2 ** attempt))
    return None


def drain_due(env, claim, work, commit_progress, remaining):
    """Worker loop shared by the sync and outbox crons: claim one row, work on it, commit, repeat.

    The commit belongs to the unit: a serialisation failure raised when the work is flushed at
    commit rolls the unit back and runs it again, like one raised during the work.
    Stops when nothing is due, when a row comes back (its retry is not due yet but the claim
    query saw it) or when the cron's time budget (``commit_progress``) is spent.
    """
    commit_progress(remaining=remaining)
    seen = set()

    def unit():
        record = claim()
        if not record:
            return None, None
        work(record)
        return record.id, commit_progress(1)

    while True:
        record_id, left = run_unit(env, unit)
        if not record_id or record_id in seen:
            break
        seen.add(record_id)
        if left <= 0:
            break
    return seen
