"""Tests that need data other database connections can see (committed), on real cursors.

TransactionCase keeps everything in one uncommitted transaction; concurrent
workers need their own connections and committed rows. Tests built on this
class commit in short transactions of their own and leave behind nothing
that is due, so the throw-away test database stays usable for the others.
"""
import threading
import unittest

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests.common import get_db_name


class CommittedCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def transaction(self):
        """``with self.transaction() as env:`` commits on success, rolls back on error."""
        registry = self.registry

        class _Tx:
            def __enter__(self_inner):
                self_inner.cr = registry.cursor()
                return api.Environment(self_inner.cr, SUPERUSER_ID, {"tracking_disable": True})

            def __exit__(self_inner, exc_type, exc, tb):
                try:
                    if exc_type is None:
                        self_inner.cr.commit()
                    else:
                        self_inner.cr.rollback()
                finally:
                    self_inner.cr.close()
                return False
        return _Tx()

    def run_workers(self, target, count=2):
        """Run ``target(env, index)`` in ``count`` threads, each on its own cursor, started together."""
        barrier = threading.Barrier(count)
        results, errors = [None] * count, []

        def work(index):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                    barrier.wait(timeout=10)
                    results[index] = target(env, index)
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,), name=f"fb-worker-{i}") for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        if errors:
            raise errors[0]
        return results

    def park(self, conn_ids, msg_ids):
        """Leave nothing due behind for the other tests: connections to draft, unsent messages removed."""
        with self.transaction() as env:
            env["finance.bank.connection"].browse(conn_ids).exists().write({"state": "draft"})
            env["finance.outbox.message"].browse(msg_ids).exists().filtered(lambda m: m.state != "sent").unlink()
