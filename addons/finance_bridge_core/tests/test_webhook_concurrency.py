"""Several webhook workers on one PostgreSQL apply each received event exactly once (committed data)."""
import threading
import time

from odoo.addons.finance_bridge_outbox_test.providers.webhook_folder import WebhookFolderProvider

from ..lib.provider_registry import registry
from .committed_case import CommittedCase
from .webhook_case import remove_folder, signed_headers, status_body, sync_body, webhook_connection

APPLIED = []
APPLIED_LOCK = threading.Lock()


class SlowWebhookProvider(WebhookFolderProvider):
    """Records every status event it converts, slowly, so that the workers overlap for sure."""

    key = "test_webhook_slow"

    @classmethod
    def webhook_status_events(cls, event):
        time.sleep(0.05)
        with APPLIED_LOCK:
            APPLIED.append((event.event_id, threading.current_thread().name))
        return super().webhook_status_events(event)


class TestWebhookWorkers(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        registry.register(SlowWebhookProvider)
        cls.addClassCleanup(registry.unregister, SlowWebhookProvider.key)

    def setUp(self):
        super().setUp()
        self.tag = f"whc{int(time.time() * 1000) % 10**7}"
        with self.transaction() as env:
            conn, _journal, _iban, folder = webhook_connection(env, self.tag, 62_000_000 + int(time.time() * 1000) % 1_000_000)
            conn.provider = SlowWebhookProvider.key
            conn._webhook_store_secret("webhook_signing_secret", "whsec-concurrency")
            self.conn_id = conn.id
        self.addCleanup(remove_folder, folder)
        self.addCleanup(self.park, [self.conn_id], [])
        self.addCleanup(self._drop_status_events)

    def _drop_status_events(self):
        """The applied events became unmatched payment status events (no payment has these ids): committed,
        they would stay in the company's exceptions backlog for the tests that follow."""
        with self.transaction() as env:
            env.cr.execute("DELETE FROM finance_status_event WHERE end_to_end_id LIKE %s", (f"E2E-{self.tag}-%",))

    def _deliver(self, count):
        with self.transaction() as env:
            inbox = env["finance.webhook.inbox"]
            token = env["finance.bank.connection"].browse(self.conn_id).webhook_token
            for index in range(count):
                body = status_body(f"{self.tag}-{index}", f"E2E-{self.tag}-{index}")
                status, answer = inbox._receive(token, {k.lower(): v for k, v in signed_headers(
                    body, secret="whsec-concurrency").items()}, len(body), lambda limit, b=body: b)
                self.assertEqual(status, 200, answer)
            return inbox.search([("connection_id", "=", self.conn_id)]).ids

    def test_concurrent_workers_apply_each_event_once(self):
        APPLIED.clear()
        ids = self._deliver(12)
        self.assertEqual(len(ids), 12)

        def worker(env, index):
            return env["finance.webhook.inbox"]._cron_apply()
        self.run_workers(worker, count=3)
        mine = [event_id for event_id, _thread in APPLIED if event_id.startswith(self.tag)]
        self.assertEqual(len(mine), 12)
        self.assertEqual(len(mine), len(set(mine)), "an event was applied twice")
        self.assertGreater(len({thread for event_id, thread in APPLIED if event_id.startswith(self.tag)}), 1,
                           "several workers should have taken part")
        with self.transaction() as env:
            events = env["finance.webhook.inbox"].browse(ids)
            self.assertEqual(set(events.mapped("state")), {"applied"})
            self.assertEqual(set(events.mapped("attempts")), {1})
            self.assertEqual(env["finance.status.event"].search_count(
                [("end_to_end_id", "like", f"E2E-{self.tag}-")]), 12)

    def test_claim_skips_an_event_locked_by_another_worker(self):
        ids = self._deliver(3)
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            from odoo import SUPERUSER_ID, api
            env_a, env_b = api.Environment(cr_a, SUPERUSER_ID, {}), api.Environment(cr_b, SUPERUSER_ID, {})
            mine = env_a["finance.webhook.inbox"]._claim_due(1)
            started = time.monotonic()
            theirs = env_b["finance.webhook.inbox"]._claim_due(100)
            self.assertLess(time.monotonic() - started, 5, "the second worker must not wait for the lock")
            self.assertEqual(len(mine), 1)
            self.assertNotIn(mine.id, theirs.ids)
            self.assertTrue(set(ids) - set(mine.ids) <= set(theirs.ids))
            cr_a.rollback()
            cr_b.rollback()
        with self.transaction() as env:   # leave nothing queued behind
            env["finance.webhook.inbox"]._apply_due(lambda processed=0, remaining=None: 60)

    def test_sync_request_waits_while_another_worker_syncs_the_connection(self):
        with self.transaction() as env:
            conn = env["finance.bank.connection"].browse(self.conn_id)
            iban = conn.account_ids.account_number
            body = sync_body(f"{self.tag}-sync", iban)
            status, _answer = env["finance.webhook.inbox"]._receive(
                conn.webhook_token, {k.lower(): v for k, v in signed_headers(body, secret="whsec-concurrency").items()},
                len(body), lambda limit: body)
            self.assertEqual(status, 200)
        with self.registry.cursor() as holder:   # a sync worker holds the connection
            holder.execute("SELECT id FROM finance_bank_connection WHERE id = %s FOR UPDATE", (self.conn_id,))
            with self.transaction() as env:
                env["finance.webhook.inbox"]._apply_due(lambda processed=0, remaining=None: 60)
            holder.rollback()
        with self.transaction() as env:
            event = env["finance.webhook.inbox"].search([("event_id", "=", f"{self.tag}-sync")])
            self.assertEqual((event.state, event.attempts, event.sync_run_id.id), ("queued", 0, False))
            self.assertGreater(event.next_attempt, event.received_at, "postponed, not failed")
            self.assertFalse(env["finance.bank.connection"].browse(self.conn_id).sync_run_ids)
            event.sudo().write({"next_attempt": event.received_at})
        with self.transaction() as env:
            env["finance.webhook.inbox"]._apply_due(lambda processed=0, remaining=None: 60)
        with self.transaction() as env:
            event = env["finance.webhook.inbox"].search([("event_id", "=", f"{self.tag}-sync")])
            self.assertEqual((event.state, event.attempts), ("applied", 1), event.error)
            self.assertEqual(event.sync_run_id.lines_created, 2)

    def test_concurrent_replays_store_one_event(self):
        with self.transaction() as env:
            token = env["finance.bank.connection"].browse(self.conn_id).webhook_token
        body = status_body(f"{self.tag}-same", f"E2E-{self.tag}-same")
        headers = {k.lower(): v for k, v in signed_headers(body, secret="whsec-concurrency").items()}

        def deliver(env, index):
            from odoo.service.model import retrying
            # As in the HTTP request: a serialisation conflict is retried by Odoo's ``retrying``.
            answer = retrying(lambda: env["finance.webhook.inbox"]._receive(
                token, headers, len(body), lambda limit: body), env)
            env.cr.commit()
            return answer[0]
        statuses = self.run_workers(deliver, count=3)
        self.assertEqual(sorted(statuses), [200, 409, 409])
        with self.transaction() as env:
            self.assertEqual(env["finance.webhook.inbox"].search_count([("event_id", "=", f"{self.tag}-same")]), 1)
            env["finance.webhook.inbox"]._apply_due(lambda processed=0, remaining=None: 60)
