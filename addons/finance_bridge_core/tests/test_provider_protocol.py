"""The provider protocol, driven for real: a second provider (a generic JSON bank API on loopback
HTTP) registered with one class, synchronised end to end by the engine — statements, balances,
status events, payments with the outbox key as idempotency key — with its tokens and consent
written back through the audited state API, ``RetryAfter`` honoured, bank-local dates."""
import json
import unittest
from datetime import date, datetime, time, timedelta, timezone

from odoo import fields

from ..lib.backoff import failure_delay
from ..lib.dto import FetchResult
from ..lib.errors import ProviderError, RetryAfter
from ..lib.payment_codec import batch_to_payload
from ..lib.provider_context import ProviderContext
from ..lib.provider_registry import Capability, Provider, ProviderRegistry, registry
from ..lib.provider_state import StateError
from . import factories
from .common import FinanceBridgeCase
from .generic_json_api import GenericJsonApiProvider, JsonBankSimulator
from .loopback_server import LoopbackHttpMixin
from .outbox_sources import queue_message, source_document
from .test_outbox import batch


class TestRegistration(unittest.TestCase):
    """A declared capability without its method is refused when the class is registered."""

    def provider(self, capabilities, **methods):
        return type("Partial", (Provider,), dict(methods, key="test_partial", capabilities=frozenset(capabilities)))

    def test_declared_capability_without_method_refused(self):
        cls = self.provider({Capability.STATEMENTS, Capability.BALANCES},
                            fetch_statements=lambda self, account, cursor: FetchResult())
        with self.assertRaisesRegex(ValueError, r"'test_partial' .* declares capability balances but does not "
                                                r"implement fetch_balances\(\)"):
            ProviderRegistry().register(cls)

    def test_every_missing_method_named(self):
        cls = self.provider({Capability.PAYMENTS, Capability.STATUS, Capability.FILES})
        with self.assertRaises(ValueError) as ctx:
            ProviderRegistry().register(cls)
        for name in ("submit_payment_batch()", "list_inbound()", "read_inbound()", "acknowledge()"):
            self.assertIn(name, str(ctx.exception))
        # a file channel delivers statuses (and statements) as files: no fetch_status_events needed
        self.assertNotIn("fetch_status_events", str(ctx.exception))

    def test_unknown_capability_refused(self):
        with self.assertRaisesRegex(ValueError, "unknown capability 'teleport'"):
            ProviderRegistry().register(self.provider({"teleport"}))

    def test_complete_provider_accepted(self):
        reg = ProviderRegistry()
        reg.register(GenericJsonApiProvider)
        self.assertIs(reg.get(GenericJsonApiProvider.key), GenericJsonApiProvider)


class TestRetryAfterAndClock(unittest.TestCase):
    def test_retry_after_bounds_and_delay(self):
        self.assertEqual(RetryAfter("120", "rate limit").seconds, 120)
        self.assertEqual(RetryAfter(0.2).seconds, 1)
        self.assertEqual(RetryAfter(10 ** 9).seconds, RetryAfter.MAX_SECONDS)
        self.assertEqual(RetryAfter("soon").seconds, 60)
        error = RetryAfter(900, "429 from the bank")
        self.assertTrue(error.retryable)
        self.assertIn("retry after 900 s", str(error))
        # the bank's time, whatever the failure count says (shorter or longer than our backoff)
        self.assertEqual(failure_delay(RetryAfter(5), failures=4), timedelta(seconds=5))
        self.assertEqual(failure_delay(error, failures=1), timedelta(seconds=900))
        self.assertGreater(failure_delay(ProviderError("x"), failures=2), timedelta(seconds=100))

    def test_bank_today_is_bank_local(self):
        late = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
        context = ProviderContext(config={}, secrets=lambda n: None, clock=lambda: late, bank_timezone="Asia/Tokyo")
        self.assertEqual(context.bank_today(), date(2026, 3, 3))
        self.assertEqual(context.bank_now().utcoffset(), timedelta(hours=9))
        context.bank_timezone = "America/New_York"
        self.assertEqual(context.bank_today(), date(2026, 3, 2))


class GenericApiCase(LoopbackHttpMixin, FinanceBridgeCase):
    """The folder connection's journal, also served by a generic-JSON-API connection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        registry.register(GenericJsonApiProvider)
        cls.addClassCleanup(registry.unregister, GenericJsonApiProvider.key)
        cls.bank = JsonBankSimulator(cls.iban).__enter__()
        cls.addClassCleanup(cls.bank.__exit__, None, None, None)
        cls.api = factories.ConnectionFactory(provider=GenericJsonApiProvider.key, name="JSON API bank")
        cls.api.setting_ids.filtered(lambda s: s.key == "url").value = cls.bank.url
        cls.api.secret_ids.filtered(lambda s: s.key == "client_secret").value = "client-secret-1"
        cls.api.account_ids = [(0, 0, {"journal_id": cls.journal.id})]
        cls.api.action_activate()

    def setUp(self):
        super().setUp()
        bank = self.bank
        bank.currency = self.currency
        bank.transactions, bank.balances, bank.events, bank.payments = [], [], [], {}
        bank.requests.clear()
        bank.faults.clear()
        bank.payment_delay = 0
        bank.tokens_issued = 0
        bank.consent = {"consentId": "CONS-1", "status": "valid", "validUntil": "2026-12-31", "frequencyPerDay": 10}

    def audit(self, event_type, record=None):
        record = record or self.api
        return self.env["finance.audit.event"].search([("event_type", "=", event_type), ("res_id", "=", record.id),
                                                      ("model", "=", record._name)], order="id")

    @staticmethod
    def facts(event):
        return json.loads(event.payload)

    def secret(self, key):
        return self.api.secret_ids.filtered(lambda s: s.key == key)


class TestGenericApiSync(GenericApiCase):
    def test_sync_end_to_end_statements_balances_status(self):
        self.bank.add_transactions((self.today, "10.00", "a"), (self.today, "-2.50", "b"),
                                   (self.days(1), "4.00", "c"), (self.days(1), "1.00", "d"), (self.days(2), "7.00", "e"))
        self.bank.balances = [{"kind": "booked", "position": "closing", "date": self.days(2).isoformat(),
                               "amount": "19.50", "currency": self.currency}]
        self.bank.add_event("PAY-1", "ACSP", end_to_end_id="E2E-1")
        self.bank.add_event("PAY-1", "ACSC", end_to_end_id="E2E-1", at="2026-03-03T09:00:00+00:00")
        self.bank.add_event("PAY-2", "RJCT", end_to_end_id="E2E-2", reason="AC04")
        run = self.api._run_sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual((run.lines_created, run.balances_recorded, run.status_events), (5, 1, 3))
        self.assertEqual(sorted(self.lines().mapped("amount")), [-2.5, 1.0, 4.0, 7.0, 10.0])
        self.assertEqual(set(self.lines().mapped("finance_import_key")), {f"ref:TX-{n}" for n in range(1, 6)})
        # three pages of transactions, each from the cursor of the one before; two pages of statuses
        pages = self.bank.calls(f"/accounts/{self.iban}/transactions")
        self.assertEqual([r[2]["after"] for r in pages], ["", "2", "4"])
        self.assertEqual(self.api.account_ids.cursor, "5")
        self.assertEqual([r[2]["after"] for r in self.bank.calls("/payment-status")], ["", "2"])
        self.assertEqual(self.api.status_cursor, "3")
        balance = self.env["finance.bank.balance"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual((balance.amount, balance.kind, balance.connection_id), (19.5, "booked", self.api))
        events = self.env["finance.status.event"].search([("connection_id", "=", self.api.id)], order="id")
        self.assertEqual(events.mapped("status"), ["ACSP", "ACSC", "RJCT"])
        self.assertEqual((events[2].source, events[2].msg_id, events[2].reason_code), ("api", "PAY-2", "AC04"))
        # the next run starts from the cursors: nothing new is asked for twice, nothing stored twice
        self.bank.add_transactions((self.days(3), "3.00", "f"))
        again = self.api._run_sync()
        self.assertEqual((again.lines_created, again.lines_skipped, again.status_events), (1, 0, 0))
        self.assertEqual(self.bank.calls(f"/accounts/{self.iban}/transactions")[-1][2]["after"], "5")
        self.assertEqual(self.bank.calls("/payment-status")[-1][2]["after"], "3")

    def test_accounts_filter_syncs_only_that_account(self):
        """A ``sync_account`` notification: only the named account is called, the schedule stays."""
        other = factories.BankJournalFactory()
        self.api.account_ids = [(0, 0, {"journal_id": other.id})]
        other_number = other.bank_account_id.sanitized_acc_number
        self.bank.add_transactions((self.today, "10.00", "a"))
        next_run = self.api.next_run
        spaced = " ".join(self.iban[i:i + 4] for i in range(0, len(self.iban), 4)).lower()
        run = self.api._run_sync(trigger="webhook", accounts=[spaced])
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.lines_created, 1)
        self.assertTrue(self.bank.calls(f"/accounts/{self.iban}/transactions"))
        self.assertTrue(self.bank.calls(f"/accounts/{self.iban}/balances"))
        self.assertFalse([r for r in self.bank.requests if other_number in str(r)],
                         "the connection's other account is not called")
        self.assertEqual(self.api.next_run, next_run, "a partial run leaves the schedule alone")
        # without the filter the other account is called too (the simulator does not know it: the run fails)
        self.assertEqual(self.api._run_sync(trigger="webhook").state, "failed")
        self.assertTrue([r for r in self.bank.requests if other_number in str(r)])

    def test_pending_kept_apart_then_replaced_by_the_booked_version(self):
        self.bank.add_transactions((self.today, "10.00", "salary"))
        self.bank.pending = [{"id": "PND-1", "bookingDate": self.today.isoformat(), "amount": "-42.00",
                              "text": "card hold"}]
        run = self.api._run_sync()
        self.assertEqual((run.state, run.lines_created, run.pending_lines), ("done", 1, 1), run.error)
        pending = self.env["finance.bank.pending.line"].search([("connection_id", "=", self.api.id)])
        self.assertEqual((pending.bank_reference, pending.amount, pending.journal_id), ("PND-1", -42.0, self.journal))
        self.assertEqual(self.lines().mapped("amount"), [10.0], "a pending transaction is never booked")
        # the bank books it under another id and amount: the pending one goes, the booked one comes once
        self.bank.pending = []
        self.bank.add_transactions((self.days(1), "-41.50", "card payment"))
        run = self.api._run_sync(trigger="manual")
        self.assertEqual((run.lines_created, run.pending_lines), (1, 0))
        self.assertFalse(self.env["finance.bank.pending.line"].search([("connection_id", "=", self.api.id)]))
        self.assertEqual(sorted(self.lines().mapped("amount")), [-41.5, 10.0])

    def test_sync_now_button_runs_the_engine(self):
        self.bank.add_transactions((self.today, "5.00", "x"))
        action = self.api.action_sync_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        self.assertEqual(self.api.sync_run_ids[:1].trigger, "manual")
        self.assertEqual(len(self.lines()), 1)

    def test_provider_gets_bank_local_dates_from_the_clock(self):
        self.api.bank_timezone = "Asia/Tokyo"
        late = datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc)
        run = self.api._run_sync(clock=lambda: late)
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.bank.calls(f"/accounts/{self.iban}/transactions")[0][2]["dateTo"], "2026-03-03")
        self.assertEqual((self.api.consent_calls_on, self.api.consent_calls_today), (date(2026, 3, 3), 2))
        self.assertEqual(self.api.provider_data["token_expires_at"], int(late.timestamp()) + 600)


class TestRetryAfterInEngine(GenericApiCase):
    def test_retry_after_longer_than_backoff(self):
        self.bank.faults.append((f"/accounts/{self.iban}/", 429, {"Retry-After": "900"}))
        before = fields.Datetime.now()
        run = self.api._run_sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("retry after 900 s", run.error)
        self.assertIn("wait 900 s", run.notes)
        wait = (self.api.next_run - before).total_seconds()
        self.assertTrue(899 <= wait <= 905, wait)
        self.assertEqual(self.api.next_retry, self.api.next_run)
        self.assertEqual((self.api.state, self.api.consecutive_failures), ("error", 1))
        payload = self.facts(self.audit("sync.failed"))
        self.assertEqual(payload["retry_after"], 900)
        self.assertIn("/transactions: the bank answered 429", payload["retry_reason"])
        self.assertNotIn(self.iban, payload["retry_reason"])      # the audit trail masks the account
        self.assertNotIn(self.api, self.env["finance.bank.connection"]._claim_due(10))

    def test_retry_after_shorter_than_backoff(self):
        """The bank's time is used as it is: a 5 s wait is not stretched to our minute of backoff."""
        self.bank.faults.append(("/consent", 503, {"Retry-After": "5"}))
        before = fields.Datetime.now()
        self.api._run_sync()
        wait = (self.api.next_run - before).total_seconds()
        self.assertTrue(4 <= wait <= 8, wait)

    def test_daily_quota_spent_waits_for_the_bank_day(self):
        self.bank.consent["frequencyPerDay"] = 2
        first = self.api._run_sync(trigger="cron")
        self.assertEqual(first.state, "done", first.error)
        self.assertEqual(self.api.consent_calls_today, 2)           # transactions + balances
        asked = len(self.bank.requests)
        second = self.api._run_sync(trigger="cron")
        self.assertEqual(second.state, "failed")
        self.assertIn("unattended calls", second.error)
        self.assertEqual(len(self.bank.requests), asked, "no call is made once the day's quota is spent")
        tomorrow = datetime.combine(fields.Date.today() + timedelta(days=1), time())
        self.assertTrue(tomorrow - timedelta(seconds=5) <= self.api.next_run <= tomorrow + timedelta(seconds=5),
                        self.api.next_run)
        self.assertEqual(self.api._run_sync(trigger="webhook").state, "failed")   # unattended as well
        self.assertEqual(len(self.bank.requests), asked)
        attended = self.api._run_sync(trigger="manual")                      # a person pressed Sync now
        self.assertEqual(attended.state, "done", attended.error)
        self.assertGreater(len(self.bank.requests), asked)


class TestProviderState(GenericApiCase):
    def test_tokens_sealed_consent_written_and_audited(self):
        run = self.api._run_sync()
        self.assertEqual(run.state, "done", run.error)
        access, refresh = self.secret("access_token"), self.secret("refresh_token")
        self.assertTrue(access.is_set and refresh.is_set and access.managed and refresh.managed)
        self.assertFalse(self.secret("client_secret").managed)
        self.env.flush_all()
        self.env.cr.execute("SELECT key, ciphertext FROM finance_bank_secret WHERE id IN %s",
                            (tuple((access | refresh).ids),))
        stored = dict(self.env.cr.fetchall())
        token = self.env["finance.secret.vault"]._open(access)
        self.assertTrue(token.startswith("AT-1-"))
        self.assertNotIn("AT-1-", stored["access_token"])
        self.assertNotIn("RT-1-", stored["refresh_token"])
        # the token reached the bank as sent by the provider, and never reached the audit trail
        self.assertEqual(self.bank.calls("/consent")[0][3]["Authorization"], f"Bearer {token}")
        events = self.audit("secret.set").filtered(lambda e: "refreshed by the provider" in e.summary)
        self.assertEqual(sorted(json.loads(e.payload)["key"] for e in events), ["access_token", "refresh_token"])
        self.assertNotIn("AT-1-", str(events.mapped("payload")))
        self.assertEqual((self.api.consent_reference, self.api.consent_state, self.api.consent_frequency_per_day),
                         ("CONS-1", "valid", 10))
        # validUntil is the last valid day; the connection's expiry date is the first day it no longer works
        self.assertEqual(self.api.consent_expires_on, date(2027, 1, 1))
        consent_event = self.audit("provider.consent")
        self.assertEqual(len(consent_event), 1)
        self.assertEqual(self.facts(consent_event)["status"], "valid")
        self.assertIn("token_expires_at", self.api.provider_data)
        # the next run reads the stored token and consent: no new token
        self.api._run_sync()
        self.assertEqual(self.bank.tokens_issued, 1)
        self.assertEqual(self.api.consent_calls_today, 4)

    def test_expired_token_refreshed_with_stored_refresh_token(self):
        self.api._run_sync()
        refresh = self.env["finance.secret.vault"]._open(self.secret("refresh_token"))
        later = datetime.now(timezone.utc) + timedelta(hours=1)
        run = self.api._run_sync(clock=lambda: later)
        self.assertEqual(run.state, "done", run.error)
        grant = self.bank.calls("/token")[-1][4]
        self.assertEqual(grant, {"grant_type": "refresh_token", "refresh_token": refresh})
        self.assertTrue(self.env["finance.secret.vault"]._open(self.secret("access_token")).startswith("AT-2-"))

    def test_state_survives_a_failed_run(self):
        """Tokens and consent learnt before a failing page are kept; the page's data is not."""
        self.bank.add_transactions((self.today, "1.00", "a"), (self.today, "2.00", "b"), (self.today, "3.00", "c"))
        self.bank.faults.append((f"/accounts/{self.iban}/balances", 500, {}))
        run = self.api._run_sync()
        self.assertEqual(run.state, "failed")
        self.assertFalse(self.lines())
        self.assertFalse(self.api.account_ids.cursor)
        self.assertTrue(self.secret("access_token").is_set)
        self.assertTrue(self.env["finance.secret.vault"]._open(self.secret("access_token")).startswith("AT-1-"))
        self.assertEqual((self.api.consent_state, self.api.consent_calls_today), ("valid", 3))   # 2 pages + balances
        self.assertEqual(len(self.audit("secret.set").filtered(lambda e: "by the provider" in e.summary)), 2)
        self.assertEqual(len(self.audit("provider.consent")), 1)
        # the next run uses the kept token and starts from the same cursor
        run = self.api._run_sync()
        self.assertEqual((run.state, run.lines_created), ("done", 3))
        self.assertEqual(self.bank.tokens_issued, 1)

    def test_revoked_consent_ends_the_connection(self):
        self.api._run_sync()
        self.bank.consent["status"] = "revoked"
        run = self.api._run_sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("consent is revoked", run.error)
        self.assertEqual((self.api.consent_state, self.api.state), ("revoked", "expired"))
        self.assertIn("valid → revoked", self.audit("provider.consent")[-1].summary)
        self.assertNotIn(self.api, self.env["finance.bank.connection"]._claim_due(10))

    def test_only_managed_secrets_and_valid_values_written(self):
        audited = len(self.audit("secret.set"))
        state = self.api._make_provider().context.state
        with self.assertRaisesRegex(StateError, "'client_secret' is not a managed secret"):
            state.store_secret("client_secret", "stolen")
        with self.assertRaisesRegex(StateError, "consent status 'maybe'"):
            state.update_consent(status="maybe")
        with self.assertRaisesRegex(StateError, "not a consent field: owner"):
            state.update_consent(owner="x")
        with self.assertRaisesRegex(StateError, "not JSON-native"):
            state.put("when", datetime.now())
        self.assertFalse(self.secret("client_secret").managed)
        self.assertEqual(len(self.audit("secret.set")), audited)


class TestOutboxThroughProvider(GenericApiCase):
    def queue(self, key="MSG-API-1"):
        return queue_message(self.env, key, "payment_batch.submit", batch_to_payload(batch(key)), connection=self.api)

    def document(self, message):
        return self.env[message.res_model].browse(message.res_id)

    def test_idempotency_key_reaches_the_bank_and_is_reused_on_resend(self):
        self.bank.payment_delay = 3          # stored by the bank, answered after our 2 s read timeout
        message = self.queue()
        self.assertFalse(message._process())
        self.assertEqual(message.state, "failed")
        self.assertIn("no answer in time", message.last_error)
        message.action_retry()
        self.assertTrue(message._process(), message.last_error)
        posts = self.bank.calls("/payments")
        self.assertEqual([r[3]["Idempotency-Key"] for r in posts], [message.key, message.key])
        self.assertEqual(len(self.bank.payments), 1, "the bank holds exactly one payment")
        self.assertEqual(message.result["bank_reference"], "PAY-1")
        self.assertEqual(message.result["details"]["sca_redirect"], f"{self.bank.url}/sca/PAY-1")
        document = self.document(message)
        self.assertEqual((document.outbox_outcome, document.bank_reference), ("sent", "PAY-1"))

    def test_retry_after_honoured_by_the_outbox(self):
        self.bank.faults.append(("/payments", 429, {"Retry-After": "300"}))
        message = self.queue()
        before = fields.Datetime.now()
        self.assertFalse(message._process())
        self.assertEqual(message.state, "failed")
        wait = (message.next_attempt - before).total_seconds()
        self.assertTrue(299 <= wait <= 305, wait)
        state_event = self.audit("outbox.state", message)[-1]
        self.assertEqual(self.facts(state_event)["retry_after"], 300)
        self.assertNotIn(message, self.env["finance.outbox.message"]._claim_due(10))

    def test_dead_letter_reported_to_the_source(self):
        self.bank.faults.append(("/payments", 422, {}))
        message = self.queue()
        self.assertFalse(message._process())
        self.assertEqual(message.state, "dead")
        document = self.document(message)
        self.assertEqual(document.outbox_outcome, "dead")
        self.assertIn("refused (422)", document.outcome_note)

    def test_failing_outcome_hook_leaves_the_message_sent(self):
        document = source_document(self.env, "MSG-API-2", "payment_batch.submit",
                                   batch_to_payload(batch("MSG-API-2")), connection=self.api)
        document.refuse_outcome = True
        message = document._release()
        self.assertTrue(message._process(), message.last_error)
        self.assertEqual(message.state, "sent")
        self.assertFalse(document.outbox_outcome)
        failed = self.audit("outbox.callback_failed", message)
        self.assertEqual(self.facts(failed)["hook"], "_finance_outbox_sent")
        self.assertIn("cannot record the outcome", self.facts(failed)["error"])


class TestCapabilitySearch(GenericApiCase):
    def test_connections_found_by_capability(self):
        Connection = self.env["finance.bank.connection"]
        self.assertIn(self.api, Connection.search([("provider_capabilities", "=", "payments")]))
        self.assertNotIn(self.connection, Connection.search([("provider_capabilities", "=", "payments")]))
        both = Connection.search([("provider_capabilities", "in", ["statements", "status"])])
        self.assertIn(self.api, both)
        self.assertNotIn(self.connection, both)
