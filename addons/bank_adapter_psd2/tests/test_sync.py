"""Statement and balance sync against the simulated bank over real TLS: pagination with a repeated
transaction, pending kept apart and replaced, look-back, 429/Retry-After, 5xx, circuit breaker,
frequencyPerDay pacing."""
import datetime
from zoneinfo import ZoneInfo

from odoo import fields

from .psd2_case import Psd2Case


class TestStatementSync(Psd2Case):
    def _transaction_paths(self):
        return [e["path"] + "?" + e["query"] for e in self.bank.request_log("transactions") if e["status"] == 200]

    def test_pagination_with_a_repeated_transaction(self):
        ids = self.bank.generate_transactions(self.account, 35, pages=4, seed=5)
        self.bank.set_fault("repeat_transaction", endpoint="transactions", page=2)
        self.connect()
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.lines_created, 35)
        self.assertEqual(self.line_keys(), sorted(f"ref:{i}" for i in ids))
        log = self.bank.request_log("transactions")
        self.assertEqual([e["page"] for e in log], [0, 1, 2, 3])
        self.assertEqual(log[2]["faults"], ["repeat_transaction"])
        statements = self.lines().statement_id
        self.assertEqual(len(statements), len(set(self.lines().mapped("date"))))  # one statement per booking day
        again = self.sync()
        self.assertEqual((again.state, again.lines_created), ("done", 0))
        self.assertEqual(len(self.lines()), 35)

    def test_pending_kept_apart_then_replaced_by_its_booked_version(self):
        booked = self.bank.add_transaction(self.account, "-50.00", remittance="Rent")
        pending = self.bank.add_transaction(self.account, "-19.99", status="pending", remittance="Card 1234")
        self.connect()
        self.assertEqual(self.sync().state, "done")
        self.assertEqual(self.line_keys(), [f"ref:{booked}"])
        shown = self.pending()
        self.assertEqual([(p.bank_reference, p.amount) for p in shown], [(pending, -19.99)])
        new_id = self.bank.book_pending(pending, amount="-21.49")
        run = self.sync()
        self.assertEqual((run.state, run.lines_created), ("done", 1), run.error)
        self.assertEqual(self.line_keys(), sorted([f"ref:{booked}", f"ref:{new_id}"]))
        late = self.lines().filtered(lambda line: line.finance_import_key == f"ref:{new_id}")
        self.assertEqual(late.amount, -21.49)
        self.assertFalse(self.pending())
        self.assertEqual(self.sync().lines_created, 0)

    def test_look_back_catches_a_late_booking(self):
        today = self.bank.clock.today()
        self.bank.generate_transactions(self.account, 12, date_from=today - datetime.timedelta(days=5),
                                        date_to=today, seed=2)
        self.connect()
        self.assertEqual(self.sync().lines_created, 12)
        late = self.bank.add_transaction(self.account, "77.70", booking_date=today - datetime.timedelta(days=2),
                                         remittance="booked late")
        run = self.sync()
        self.assertEqual((run.state, run.lines_created, run.lines_skipped), ("done", 1, 0), run.error)
        self.assertIn(f"ref:{late}", self.line_keys())
        last = self._transaction_paths()[-1]
        self.assertIn(f"dateFrom={(today - datetime.timedelta(days=3)).isoformat()}", last)

    def test_balances_recorded(self):
        self.bank.add_transaction(self.account, "-250.00")
        self.bank.add_transaction(self.account, "40.00", status="pending")
        self.connect()
        run = self.sync()
        self.assertEqual(run.balances_recorded, 3, run.error)
        balances = self.env["finance.bank.balance"].search([("journal_id", "=", self.journal.id)])
        found = {(b.kind, b.position): b.amount for b in balances}
        self.assertEqual(found, {("booked", "closing"): 750.0, ("available", "interim"): 790.0,
                                 ("expected", "interim"): 790.0})


class TestFailures(Psd2Case):
    def test_429_retry_after_honoured(self):
        self.bank.generate_transactions(self.account, 5, seed=1)
        self.connect()
        self.bank.set_fault("rate_limit", endpoint="transactions", retry_after=900)
        before = fields.Datetime.now()
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("ACCESS_EXCEEDED", run.error)
        wait = (self.connection.next_run - before).total_seconds()
        self.assertGreaterEqual(wait, 899)
        self.assertLess(wait, 1000)
        self.assertEqual(self.sync().lines_created, 5)

    def test_server_error_retried_from_the_same_cursor(self):
        ids = self.bank.generate_transactions(self.account, 30, pages=3, seed=4)
        self.connect()
        self.bank.set_fault("server_error", endpoint="transactions", page=1, status=503)
        cursor_before = self.connection.account_ids.cursor
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("503", run.error)
        self.assertFalse(self.lines())  # page 0 rolled back with the failure: nothing half-stored
        self.assertEqual(self.connection.account_ids.cursor, cursor_before)
        run = self.sync()
        self.assertEqual((run.state, run.lines_created), ("done", 30), run.error)
        self.assertEqual(self.line_keys(), sorted(f"ref:{i}" for i in ids))
        paths = [e["path"] + "#" + str(e["page"]) for e in self.bank.request_log("transactions")]
        self.assertEqual(paths.count(paths[0]), 2)  # the same first page again: nothing skipped

    def test_circuit_breaker_opens_then_probes(self):
        self.bank.add_transaction(self.account, "12.00")
        self.connect()
        self.bank.set_fault("server_error", endpoint="transactions", calls=(1, 2, 3), status=500)
        for _ in range(3):
            self.assertEqual(self.sync().state, "failed")
        calls = len(self.bank.request_log("transactions"))
        blocked = self.sync()
        self.assertEqual(blocked.state, "failed")
        self.assertIn("circuit breaker open", blocked.error)
        self.assertEqual(len(self.bank.request_log("transactions")), calls)  # no call reached the bank
        self.assertEqual(self.connection.breaker_state, "open")
        # the cool-down (15 min) has passed: one probe goes through, and closes the circuit
        self.connection.breaker_opened_at = self.connection.breaker_opened_at - datetime.timedelta(minutes=16)
        probe = self.sync()
        self.assertEqual((probe.state, probe.lines_created), ("done", 1), probe.error)
        self.assertEqual(self.connection.breaker_state, "closed")

    def test_frequency_per_day_paced_by_the_scheduler(self):
        self.set_settings(frequency_per_day=4)
        self.bank.add_transaction(self.account, "1.00")
        self.connect()
        berlin = ZoneInfo("Europe/Berlin")
        today = self.bank.clock.today()

        def at(hour, minute=0):
            return datetime.datetime.combine(today, datetime.time(hour, minute), tzinfo=berlin)
        outcomes = []
        for moment in (at(0, 30), at(0, 40), at(6, 10), at(12, 10), at(13, 0), at(18, 10), at(23, 0)):
            run = self.sync(trigger="cron", at=moment)
            outcomes.append(run.state)
            if run.state == "failed":  # paced by the provider, or the day's calls spent (the engine's check)
                self.assertRegex(run.error, "frequencyPerDay 4: the next unattended call|unattended calls of .* spent")
        self.assertEqual(outcomes, ["done", "failed", "done", "done", "failed", "done", "failed"])
        self.assertEqual(self.connection.consent_calls_today, 4)
        self.assertFalse([e for e in self.bank.log if e["status"] == 429])  # the bank never had to refuse
        self.assertEqual(max(self.bank.consent_usage(self.connection.consent_reference).values()), 4)
        self.bank.advance_clock(days=1)
        run = self.sync(trigger="cron", at=at(23, 0) + datetime.timedelta(hours=2))  # the next bank day
        self.assertEqual(run.state, "done", run.error)
