"""Trace by correlation id, EndToEndId, MsgId or UETR: the steps in time order, across the records."""
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import tagged

from .common import TreasuryCase


@tagged("post_install", "-at_install")
class TestTrace(TreasuryCase):

    def setUp(self):
        super().setUp()
        connection = factories.ConnectionFactory()
        self.run = self.env["finance.sync.run"].sudo().create({
            "connection_id": connection.id, "correlation_id": "corr-run-1", "state": "done"})
        self.statement = self.statement_with_line("S-trace", 0)
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
        trace = self.env["finance.treasury.trace"].create({"query": query})
        trace.action_trace()
        return trace.line_ids

    def test_trace_by_end_to_end_id_reaches_message_and_status(self):
        steps = self.steps("E2E-TRACE-1")
        found = {(s.res_model, s.res_id) for s in steps}
        self.assertIn(("finance.outbox.message", self.message.id), found)
        self.assertIn(("finance.status.event", self.event.id), found)
        self.assertEqual(steps.mapped("at"), sorted(steps.mapped("at")), "time order")

    def test_trace_by_uetr_and_msg_id(self):
        for query in ("0f1e2d3c-aaaa-4bbb-8ccc-123456789abc", "MSG-TRACE-1", "corr-pay-1"):
            found = {(s.res_model, s.res_id) for s in self.steps(query)}
            self.assertIn(("finance.status.event", self.event.id), found, query)
            self.assertIn(("finance.outbox.message", self.message.id), found, query)

    def test_trace_of_a_sync_run(self):
        action = self.run.action_treasury_trace()
        trace = self.env["finance.treasury.trace"].browse(action["context"]["trace_id"])
        found = {(s.res_model, s.res_id) for s in trace.line_ids}
        self.assertIn(("finance.sync.run", self.run.id), found)
        self.assertIn(("account.bank.statement", self.statement.id), found)
        self.assertTrue(trace.line_ids.filtered(lambda s: s.res_model == "finance.audit.event"))

    def test_unknown_query_finds_nothing(self):
        self.assertFalse(self.steps("no-such-id"))
