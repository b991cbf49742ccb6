"""Trace by correlation id, EndToEndId, MsgId or UETR: the steps in time order, across the records.

(The trace from a vendor bill to its settlement, through the payment release workflow's hook, is in
payment_release_workflow/tests/test_trace_bill_to_settlement.py.)
"""
from odoo.tests.common import TransactionCase, tagged

from ..lib.trace_steps import STAGE_RANK, TraceStep, ordered_steps
from . import factories


@tagged("post_install", "-at_install")
class TestTrace(TransactionCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.company = cls.env.company
        cls.journal = factories.BankJournalFactory()

    def setUp(self):
        super().setUp()
        connection = factories.ConnectionFactory()
        self.run = self.env["finance.sync.run"].sudo().create({
            "connection_id": connection.id, "correlation_id": "corr-run-1", "state": "done"})
        self.statement = self.env["account.bank.statement"].create({
            "name": "S-trace", "balance_start": 0, "balance_end_real": 1,
            "line_ids": [(0, 0, {"journal_id": self.journal.id, "amount": 1, "payment_ref": "S-trace",
                                 "transaction_details": {"end_to_end_id": "E2E-BOOKED-1"}})]})
        self.statement.sudo().finance_sync_run_id = self.run
        self.env["finance.audit.event"]._log("sync.done", self.run, summary="sync done",
                                             payload={"correlation_id": "corr-run-1"})
        self.env.flush_all()
        self.env.cr.execute("""
            INSERT INTO finance_outbox_message (key, message_type, company_id, state, attempts, max_attempts,
                   next_attempt, correlation_id, sent_at, create_date, write_date)
            VALUES ('MSG-TRACE-1', 'payment_batch.submit', %s, 'sent', 1, 8, now() AT TIME ZONE 'UTC',
                    'corr-pay-1', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
            RETURNING id""", (self.company.id,))
        self.message = self.env["finance.outbox.message"].browse(self.env.cr.fetchone()[0])
        self.event = self.env["finance.status.event"].sudo().create({
            "company_id": self.company.id, "source": "pain.002", "status": "ACSC", "level": "transaction",
            "msg_id": "MSG-TRACE-1", "end_to_end_id": "E2E-TRACE-1", "uetr": "0f1e2d3c-aaaa-4bbb-8ccc-123456789abc",
            "dedup_key": "trace-1"})

    def steps(self, query):
        trace = self.env["finance.trace"].create({"query": query})
        trace.action_trace()
        return trace.line_ids

    def test_trace_by_end_to_end_id_reaches_message_and_status(self):
        steps = self.steps("E2E-TRACE-1")
        found = {(s.res_model, s.res_id) for s in steps}
        self.assertIn(("finance.outbox.message", self.message.id), found)
        self.assertIn(("finance.status.event", self.event.id), found)
        self.assertEqual(steps.mapped("at"), sorted(steps.mapped("at")), "time order")
        self.assertEqual(steps.mapped("sequence"), list(range(1, len(steps) + 1)))

    def test_trace_by_uetr_and_msg_id(self):
        for query in ("0f1e2d3c-aaaa-4bbb-8ccc-123456789abc", "MSG-TRACE-1", "corr-pay-1"):
            found = {(s.res_model, s.res_id) for s in self.steps(query)}
            self.assertIn(("finance.status.event", self.event.id), found, query)
            self.assertIn(("finance.outbox.message", self.message.id), found, query)

    def test_trace_of_a_sync_run(self):
        action = self.run.action_finance_trace()
        trace = self.env["finance.trace"].browse(action["context"]["trace_id"])
        found = {(s.res_model, s.res_id) for s in trace.line_ids}
        self.assertIn(("finance.sync.run", self.run.id), found)
        self.assertIn(("account.bank.statement", self.statement.id), found)
        self.assertTrue(trace.line_ids.filtered(lambda s: s.res_model == "finance.audit.event"))

    def test_trace_button_of_a_statement_line(self):
        """The Bank Transactions form's Trace button starts from the line's EndToEndId."""
        line = self.statement.line_ids
        action = line.action_finance_trace()
        trace = self.env["finance.trace"].browse(action["context"]["trace_id"])
        self.assertEqual(trace.query, "E2E-BOOKED-1")
        found = {(s.kind, s.res_model, s.res_id) for s in trace.line_ids}
        self.assertIn(("Statement line", "account.bank.statement.line", line.id), found)
        self.assertIn(("Statement", "account.bank.statement", self.statement.id), found)

    def test_unknown_query_finds_nothing(self):
        self.assertFalse(self.steps("no-such-id"))

    def test_equal_times_follow_the_life_of_a_payment(self):
        """Pure ordering: same timestamp → stage rank; duplicates (same stage and record) once."""
        at = self.env.cr.now()
        steps = [TraceStep(at, "Status from bank", "", "e", 1), TraceStep(at, "Bill", "", "m", 1),
                 TraceStep(at, "Sent to bank", "", "o", 1), TraceStep(at, "Bill", "again", "m", 1),
                 TraceStep(None, "Audit", "", "a", 1)]
        kinds = [s.kind for s in ordered_steps(steps, at)]
        self.assertEqual(kinds, ["Bill", "Sent to bank", "Status from bank", "Audit"])
        self.assertLess(STAGE_RANK["Released"], STAGE_RANK["Outbox queued"])
