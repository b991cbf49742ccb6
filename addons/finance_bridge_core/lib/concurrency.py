"""Running one unit of work next to other workers on the same PostgreSQL.

Odoo runs transactions in REPEATABLE READ: when two workers touch the same
row, the later one gets a serialisation error. That means "someone else got
there first", not a failure of the bank sync or message: the unit is rolled
back and run again (it will usually claim a different row).
"""
import random
import time

import psycopg2.errors

CONCURRENCY_ERRORS = (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected,
                      psycopg2.errors.LockNotAvailable)
MAX_ATTEMPTS = 5


def run_unit(env, unit, attempts=MAX_ATTEMPTS, sleep=time.sleep):
    """Call ``unit()``; on a concurrency error roll the transaction back and try again.

    The caller commits (the cron progress API does). Nothing is rolled back
    when the unit succeeds first time, so this is usable inside tests.
    """
    for attempt in range(1, attempts + 1):
        try:
            return unit()
        except CONCURRENCY_ERRORS:
            if attempt == attempts:
                raise
            env.cr.rollback()
            env.transaction.reset()
            sleep(random.uniform(0, 0.05 * 2 ** attempt))
    return None


def drain_due(env, claim, work, commit_progress, remaining):
    """Worker loop shared by the sync and outbox crons: claim one row, work on it, commit, repeat.

    Stops when nothing is due, when a row comes back (its retry is not due yet but the claim
    query saw it) or when the cron's time budget (``commit_progress``) is spent.
    """
    commit_progress(remaining=remaining)
    seen = set()

    def unit():
        record = claim()
        if record:
            work(record)
        return record.id

    while True:
        record_id = run_unit(env, unit)
        if not record_id or record_id in seen:
            break
        seen.add(record_id)
        if commit_progress(1) <= 0:
            break
    return seen
