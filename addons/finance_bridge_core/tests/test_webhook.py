"""Webhooks in, over real HTTP against the Odoo test server: every refusal path, then the worker."""
import hashlib
import json
import time

from odoo.addons.finance_bridge_outbox_test.providers.webhook_folder import WebhookFolderProvider
from odoo.tests.common import HttpCase, tagged

from ..lib.provider_registry import registry
from ..lib.webhook_protocol import WebhookEvent
from ..lib.webhook_verify import DEFAULT_SCHEME, SignatureScheme
from ..models.bank_connection_webhook import SECRET_CURRENT, SECRET_PREVIOUS
from .webhook_case import (
    SECRET,
    no_commit_progress,
    remove_folder,
    signed_headers,
    status_body,
    sync_body,
    webhook_connection,
)


@tagged("post_install", "-at_install")
class TestWebhookHttp(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.conn, cls.journal, cls.iban, cls.folder = webhook_connection(
            cls.env, "http", 61_000_000 + int(time.time()) % 100_000)
        cls.addClassCleanup(remove_folder, cls.folder)

    def setUp(self):
        super().setUp()
        self.Inbox = self.env["finance.webhook.inbox"]
        self.url = f"/finance_bridge/webhook/{self.conn.webhook_token}"

    def post(self, body, headers=None, url=None):
        return self.url_open(url or self.url, data=body, headers=headers if headers is not None else {},
                             method="POST")

    def refusals(self, reason):
        return self.env["finance.webhook.refusal"].search_count(
            [("connection_id", "=", self.conn.id), ("reason", "=", reason)])

    def assertRefused(self, response, status, reason):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.json(), {"error": reason})

    # ------------------------------------------------------------------ receive
    def test_valid_delivery_is_stored_queued_with_evidence(self):
        body = status_body("evt-valid-1", "E2E-WH-1")
        response = self.post(body, signed_headers(body))
        self.assertEqual(response.status_code, 200, response.text)
        answer = response.json()
        self.assertEqual((answer["status"], answer["events"]), ("accepted", 1))
        event = self.Inbox.search([("connection_id", "=", self.conn.id), ("event_id", "=", "evt-valid-1")])
        self.assertEqual(len(event), 1)
        self.assertEqual((event.state, event.kind, event.attempts), ("queued", "status", 0))
        self.assertEqual(event.correlation_id, answer["correlation_id"])
        self.assertEqual(event.company_id, self.conn.company_id)
        self.assertEqual(event.body_sha256, hashlib.sha256(body).hexdigest())
        self.assertIn("E2E-WH-1", event.body_masked)

    def test_unsigned_is_refused_and_counted(self):
        body = status_body("evt-unsigned", "E2E-WH-2")
        before = self.refusals("unsigned")
        self.assertRefused(self.post(body, {"Content-Type": "application/json"}), 401, "unsigned")
        headers = signed_headers(body)
        del headers["X-Webhook-Timestamp"]
        self.assertRefused(self.post(body, headers), 401, "unsigned")
        self.assertEqual(self.refusals("unsigned"), before + 2)
        self.assertFalse(self.Inbox.search([("event_id", "=", "evt-unsigned")]))

    def test_bad_signature_is_refused(self):
        body = status_body("evt-bad", "E2E-WH-3")
        self.assertRefused(self.post(body, signed_headers(body, secret="not-the-secret")), 401, "bad_signature")
        # A valid signature over another body does not carry over (the raw body is what is signed).
        headers = signed_headers(body)
        self.assertRefused(self.post(body + b" ", headers), 401, "bad_signature")
        self.assertEqual(self.refusals("bad_signature"), 2)
        self.assertFalse(self.Inbox.search([("event_id", "=", "evt-bad")]))

    def test_stale_and_future_timestamps_are_refused(self):
        body = status_body("evt-stale", "E2E-WH-4")
        tolerance = DEFAULT_SCHEME.tolerance_seconds
        self.assertRefused(self.post(body, signed_headers(body, timestamp=int(time.time()) - tolerance - 60)),
                           401, "stale")
        self.assertRefused(self.post(body, signed_headers(body, timestamp=int(time.time()) + tolerance + 60)),
                           401, "stale")
        self.assertEqual(self.refusals("stale"), 2)
        self.assertFalse(self.Inbox.search([("event_id", "=", "evt-stale")]))

    def test_replayed_event_is_refused_once_stored(self):
        body = status_body("evt-replay", "E2E-WH-5")
        self.assertEqual(self.post(body, signed_headers(body)).status_code, 200)
        # the same event again, freshly signed (a replay within the tolerance, or a redelivery)
        self.assertRefused(self.post(body, signed_headers(body, timestamp=int(time.time()) + 1)), 409, "replayed")
        self.assertEqual(self.Inbox.search_count([("event_id", "=", "evt-replay")]), 1)
        self.assertEqual(self.refusals("replayed"), 1)

    def test_oversized_body_is_refused_before_reading(self):
        limit = DEFAULT_SCHEME.max_body_bytes
        body = b'{"id": "big", "type": "other", "data": {"x": "' + b"a" * limit + b'"}}'
        self.assertRefused(self.post(body, signed_headers(body)), 413, "too_large")
        # no Content-Length (chunked): the size cannot be checked first, refused unread
        self.assertRefused(self.post(iter([b'{"id": "chunked"}']), signed_headers(b'{"id": "chunked"}')),
                           411, "length_required")
        self.assertEqual(self.refusals("too_large"), 1)
        self.assertEqual(self.refusals("length_required"), 1)

    def test_unknown_token_is_refused_and_counted_without_connection(self):
        """Unknown tokens (anyone can send them): one aggregate row per reason and hour, not one per request."""
        body = status_body("evt-unknown", "E2E-WH-6")
        Refusal = self.env["finance.webhook.refusal"]
        unknown = [("connection_id", "=", False), ("reason", "=", "unknown_token")]
        before_rows = Refusal.search_count(unknown)
        before = Refusal._counts().get(None, {}).get("unknown_token", 0)
        for n in range(3):
            self.assertRefused(self.post(body, signed_headers(body), url="/finance_bridge/webhook/" + f"x{n}" * 20),
                               404, "unknown_token")
        self.assertEqual(Refusal._counts().get(None, {}).get("unknown_token"), before + 3)
        self.assertLessEqual(Refusal.search_count(unknown), before_rows + 1, "one row for the hour")
        row = Refusal.search(unknown, order="period_start desc", limit=1)
        self.assertGreaterEqual(row.count, 3)
        self.assertEqual(row.period_start, row.period_start.replace(minute=0, second=0, microsecond=0))
        # the connection's own counters stay per delivery and exact
        self.assertRefused(self.post(body, {}), 401, "unsigned")
        self.assertRefused(self.post(body, {}), 401, "unsigned")
        self.assertEqual(Refusal._counts(self.conn), {self.conn.id: {"unsigned": 2}})
        self.assertEqual(self.refusals("unsigned"), 2)
        response = self.url_open(self.url)  # GET is not a delivery
        self.assertEqual(response.status_code, 405)

    def test_refusals_past_retention_deleted_by_the_cron_audited(self):
        Refusal = self.env["finance.webhook.refusal"].sudo()
        Refusal._append("unknown_token", 404, None, "192.0.2.1", "old flood")
        Refusal._append("bad_signature", 401, self.conn, "192.0.2.1", "old")
        Refusal._append("stale", 401, self.conn, "192.0.2.1", "recent")
        self.env.cr.execute("UPDATE finance_webhook_refusal SET received_at = received_at - interval '31 days', "
                            "period_start = period_start - interval '31 days' WHERE detail IN ('old flood', 'old')")
        self.env.invalidate_all()
        self.env["ir.config_parameter"].sudo().set_param("finance_bridge.webhook_refusal_days", "30")
        counts = Refusal._cron_purge()
        self.assertEqual(counts.get(self.conn.company_id.id), 1)
        self.assertGreaterEqual(counts.get(None), 1)
        self.assertEqual(Refusal.search([("detail", "in", ("old flood", "old", "recent"))]).mapped("detail"),
                         ["recent"])
        audits = self.env["finance.audit.event"].search([("event_type", "=", "webhook_refusal.purged")])
        self.assertEqual(len(audits), 2, "one per company, one for the unknown tokens")

    def test_malformed_signed_body_is_refused(self):
        body = b'{"id": "", "type": "status"}'
        response = self.post(body, signed_headers(body))
        self.assertRefused(response, 400, "malformed")
        self.assertNotIn("events[0]", response.text, "no internals in the answer")

    def test_rotated_token_closes_the_old_url(self):
        old_url = self.url
        self.conn.action_webhook_rotate_token()
        body = status_body("evt-token", "E2E-WH-7")
        self.assertRefused(self.post(body, signed_headers(body), url=old_url), 404, "unknown_token")
        self.assertEqual(self.post(body, signed_headers(body),
                                   url=f"/finance_bridge/webhook/{self.conn.webhook_token}").status_code, 200)
        audit = self.env["finance.audit.event"].search([("event_type", "=", "webhook.token_rotate"),
                                                        ("res_id", "=", self.conn.id)])
        self.assertTrue(audit)

    def test_secret_rotation_grace_window(self):
        self.conn.webhook_grace_hours = 2
        notification = self.conn.action_webhook_rotate_secret()
        new_secret = self.conn._webhook_signing_secrets()[0]
        self.assertNotEqual(new_secret, SECRET)
        self.assertIn(new_secret, notification["params"]["message"], "shown once to give it to the bank")
        self.assertTrue(self.conn.webhook_previous_until)
        for index, secret in enumerate((new_secret, SECRET)):  # both verify during the grace window
            body = status_body(f"evt-grace-{index}", f"E2E-G-{index}")
            self.assertEqual(self.post(body, signed_headers(body, secret=secret)).status_code, 200)
        # grace over: the worker clears the previous secret and it no longer verifies
        self.env.cr.execute("UPDATE finance_bank_connection SET webhook_previous_until = "
                            "(now() AT TIME ZONE 'UTC') - interval '1 minute' WHERE id = %s", (self.conn.id,))
        self.conn.invalidate_recordset()
        body = status_body("evt-grace-late", "E2E-G-late")
        self.assertRefused(self.post(body, signed_headers(body, secret=SECRET)), 401, "bad_signature")
        self.env["finance.bank.connection"]._webhook_expire_grace()
        previous = self.conn.secret_ids.filtered(lambda s: s.key == SECRET_PREVIOUS)
        self.assertFalse(previous.is_set)
        self.assertFalse(self.conn.webhook_previous_until)
        self.assertTrue(self.conn.secret_ids.filtered(lambda s: s.key == SECRET_CURRENT).is_set)

    def test_counters_on_the_connection(self):
        body = status_body("evt-count", "E2E-WH-8")
        self.post(body, {})
        self.post(body, signed_headers(body, secret="wrong"))
        self.conn.invalidate_recordset()
        self.assertEqual(self.conn.webhook_refused_unsigned, 1)
        self.assertEqual(self.conn.webhook_refused_bad_signature, 1)
        self.assertEqual(self.conn.webhook_refused_count, 2)

    # ------------------------------------------------------------------ apply
    def test_worker_applies_status_event(self):
        body = status_body("evt-status", "E2E-APPLY-1", status="RJCT")
        self.assertEqual(self.post(body, signed_headers(body)).status_code, 200)
        self.Inbox._apply_due(no_commit_progress)
        event = self.Inbox.search([("event_id", "=", "evt-status")])
        self.assertEqual(event.state, "applied", event.error)
        self.assertEqual(event.attempts, 1)
        status = self.env["finance.status.event"].search([("end_to_end_id", "=", "E2E-APPLY-1")])
        self.assertEqual(len(status), 1)
        self.assertEqual((status.status, status.source, status.connection_id), ("RJCT", "webhook", self.conn))
        # applying again changes nothing: the event is not queued any more
        self.Inbox._apply_due(no_commit_progress)
        self.assertEqual(self.env["finance.status.event"].search_count([("end_to_end_id", "=", "E2E-APPLY-1")]), 1)

    def test_worker_syncs_the_account(self):
        body = sync_body("evt-sync", self.iban)
        self.assertEqual(self.post(body, signed_headers(body)).status_code, 200)
        self.Inbox._apply_due(no_commit_progress)
        event = self.Inbox.search([("event_id", "=", "evt-sync")])
        self.assertEqual(event.state, "applied", event.error)
        self.assertEqual(event.sync_run_id.trigger, "webhook")
        self.assertEqual(event.sync_run_id.lines_created, 2)
        self.assertEqual(self.env["account.bank.statement.line"].search_count(
            [("journal_id", "=", self.journal.id)]), 2)

    def test_worker_marks_unknown_account_failed_and_audits(self):
        body = sync_body("evt-sync-other", "DE89370400440532013000")
        self.assertEqual(self.post(body, signed_headers(body)).status_code, 200)
        self.Inbox._apply_due(no_commit_progress)
        event = self.Inbox.search([("event_id", "=", "evt-sync-other")])
        self.assertEqual(event.state, "failed")
        self.assertIn("not served", event.error)
        self.assertNotIn("0532013000", event.error.replace("•", ""), "the account is masked")
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "webhook.apply"),
                                                                ("res_id", "=", event.id)]))

    def test_failed_sync_is_retried_with_backoff(self):
        body = sync_body("evt-sync-retry", self.iban)
        self.assertEqual(self.post(body, signed_headers(body)).status_code, 200)
        self.conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = "/tmp/fb-no-such-folder-webhook"
        self.Inbox._apply_due(no_commit_progress)
        event = self.Inbox.search([("event_id", "=", "evt-sync-retry")])
        self.assertEqual((event.state, event.attempts), ("queued", 1))
        self.assertTrue(event.error)
        self.assertGreater(event.next_attempt, event.received_at)
        self.assertEqual(event.sync_run_id.state, "failed", "the failed run is kept as evidence")
        # the last attempt marks it failed
        self.env.cr.execute("UPDATE finance_webhook_inbox SET attempts = max_attempts - 1, "
                            "next_attempt = now() AT TIME ZONE 'UTC' - interval '1 minute' WHERE id = %s",
                            (event.id,))
        self.env.cr.execute("UPDATE finance_bank_connection SET state = 'active' WHERE id = %s", (self.conn.id,))
        event.invalidate_recordset()
        self.conn.invalidate_recordset()
        self.Inbox._apply_due(no_commit_progress)
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.attempts, event.max_attempts)

    def test_other_kind_is_stored_and_ignored(self):
        body = json.dumps({"events": [{"id": "evt-o1", "type": "account.closed"},
                                      {"id": "evt-o2", "type": "status",
                                       "data": {"status": "ACSP", "msg_id": "MSG-WH-1"}}]}).encode()
        answer = self.post(body, signed_headers(body)).json()
        self.assertEqual(answer["events"], 2)
        self.Inbox._apply_due(no_commit_progress)
        events = self.Inbox.search([("event_id", "in", ("evt-o1", "evt-o2"))], order="event_id")
        self.assertEqual(events.mapped("state"), ["ignored", "applied"])


class BankShapedProvider(WebhookFolderProvider):
    """A bank with its own headers, SHA-512, a 1 KiB limit and its own payload: only those are overridden."""

    key = "test_webhook_bank_shaped"
    webhook_scheme = SignatureScheme(signature_header="X-Bank-Signature", timestamp_header="X-Bank-Time",
                                     algorithm="sha512", prefix="", max_body_bytes=1024)

    @classmethod
    def parse_webhook(cls, headers, body):
        document = json.loads(body)
        return [WebhookEvent(event_id=document["notificationId"], kind="status",
                             payload={"status": document["transactionStatus"],
                                      "end_to_end_id": document["paymentId"]})]


@tagged("post_install", "-at_install")
class TestWebhookProviderOverrides(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        registry.register(BankShapedProvider)
        cls.addClassCleanup(registry.unregister, BankShapedProvider.key)
        cls.conn, _journal, _iban, folder = webhook_connection(cls.env, "bank", 64_000_000 + int(time.time()) % 100_000)
        cls.addClassCleanup(remove_folder, folder)
        cls.conn.provider = BankShapedProvider.key
        cls.conn._webhook_store_secret(SECRET_CURRENT, SECRET)

    def post(self, body, headers):
        return self.url_open(f"/finance_bridge/webhook/{self.conn.webhook_token}", data=body, headers=headers,
                             method="POST")

    def test_bank_scheme_and_payload(self):
        scheme = BankShapedProvider.webhook_scheme
        body = json.dumps({"notificationId": "n-1", "paymentId": "E2E-BANK-1", "transactionStatus": "ACSP"}).encode()
        stamp = str(int(time.time()))
        headers = {"X-Bank-Time": stamp, "X-Bank-Signature": scheme.sign(SECRET, stamp, body)}
        self.assertEqual(self.post(body, headers).status_code, 200)
        self.assertEqual(self.post(body, signed_headers(body)).json(), {"error": "unsigned"},
                         "the default headers mean nothing to this bank")
        big = body + b" " * 1024
        self.assertEqual(self.post(big, {"X-Bank-Time": stamp, "X-Bank-Signature": scheme.sign(SECRET, stamp, big)})
                         .status_code, 413)
        self.env["finance.webhook.inbox"]._apply_due(no_commit_progress)
        status = self.env["finance.status.event"].search([("end_to_end_id", "=", "E2E-BANK-1")])
        self.assertEqual((status.status, status.connection_id), ("ACSP", self.conn))
