"""From a vendor bill to its settlement: the trace shows every step in order, and the cash position
counts the payment once — in transit from release until its statement line is matched.

bill → batch → approval → release → outbox message → pain.001 → pain.002 ACCP → pain.002 ACSC →
camt.053 line with the EndToEndId, matched with the payment. Each step runs at its own minute (as
its own transaction would in production), so "in time order" is checked against real times.
"""
from datetime import datetime, timedelta
from unittest import SkipTest

from odoo.addons.bank_adapter_iso20022.tests import samples as s
from odoo.tests.common import freeze_time

from .release_case import ReleaseCase, pain002

UETR = "5b7c1a2e-3f4d-4c1b-9a8e-7d6c5b4a3f21"
MAIN_STAGES = ["Bill", "Payment batch", "Approval", "Released", "Outbox queued", "Sent to bank", "File",
               "Status from bank", "Statement line", "Matched"]


class TestTraceBillToSettlement(ReleaseCase):

    def setUp(self):
        super().setUp()
        self.clock = datetime.now().replace(microsecond=0) + timedelta(minutes=1)
        self.bill_a = self.step(lambda: self.bill(self.vendors[0], 100.0, "INV-TRACE"))

    def step(self, action, lag=0):
        """Run ``action`` one minute after the previous step, as its own transaction would: records get the
        transaction's start time; the wall clock is ``lag`` seconds later (a request that takes a while)."""
        self.env.flush_all()
        self.clock += timedelta(minutes=1)
        with freeze_time(self.clock + timedelta(seconds=lag)):
            self.env.cr._now = self.clock     # the transaction time a new transaction would have
            result = action()
            self.env.flush_all()
        return result

    def settle(self):
        """The whole path; returns the batch and the booked statement line."""
        batch = self.step(lambda: self.make_batch(self.bill_a))
        self.step(lambda: batch.with_user(self.preparer).action_submit())
        self.step(lambda: batch.with_user(self.approver).action_approve())
        # The release and the sending take a few seconds after their transactions began.
        self.step(lambda: batch.with_user(self.releaser)._release(), lag=5)
        message = self.step(lambda: self.send(batch), lag=3)
        self.assertEqual((message.state, batch.state), ("sent", "transmitted"), message.last_error)
        e2e = self.e2e(batch, self.bill_a)
        for status in ("ACCP", "ACSC"):
            record = self.step(lambda st=status: self.import_file(
                pain002(batch.msg_id, [(e2e, st, None, "100.00")]), f"pain002-{st}.xml"))
            self.assertEqual(record.state, "done")
        camt = s.camt053(iban=self.iban, entries=s.entry(amount="100.00", ref="BOOK-TRACE", txs=s.tx(
            amount="100.00", e2e=e2e, name="Vendor 0", uetr=UETR)), opening="1000.00")
        record = self.step(lambda: self.import_file(camt, "camt053.xml"))
        self.assertEqual((record.state, record.lines_created), ("done", 1))
        st_line = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)])
        return batch, st_line

    def test_trace_from_the_bills_payment(self):
        batch, st_line = self.settle()
        payment = batch.line_ids.payment_id
        self.assertTrue(st_line.is_reconciled and payment.is_matched, "matched by the booking after ACSC")
        action = payment.action_finance_trace()
        trace = self.env["finance.trace"].browse(action["context"]["trace_id"])
        steps = trace.line_ids
        self.assertEqual(steps.mapped("at"), sorted(steps.mapped("at")), "time order")
        first_of = {}
        for line in steps:
            first_of.setdefault(line.kind, line.sequence)
        missing = [kind for kind in MAIN_STAGES if kind not in first_of]
        self.assertFalse(missing, f"steps missing from the trace: {missing}")
        self.assertEqual(sorted(MAIN_STAGES, key=first_of.get), MAIN_STAGES, "each step in the order it happened")
        statuses = steps.filtered(lambda ln: ln.kind == "Status from bank").mapped("summary")
        self.assertEqual([next(c for c in ("ACCP", "ACSC", "BOOK") if c in text) for text in statuses],
                         ["ACCP", "ACSC", "BOOK"])
        found = {(ln.kind, ln.res_model, ln.res_id) for ln in steps}
        self.assertIn(("Approval", "finance.payment.approval", batch.approval_ids.id), found)
        self.assertIn(("File", "ir.attachment", batch.file_attachment_id.id), found)
        self.assertIn(("Matched", "account.bank.statement.line", st_line.id), found)
        self.assertIn(("Bill", "account.move", self.bill_a.id), found)
        self.assertTrue(any(self.approver.name in text for text in steps.mapped("summary")), "who approved")
        self.assertTrue(any(self.releaser.name in text for text in steps.mapped("summary")), "who released")
        # The same path is found from each identifier, and from the other Trace buttons.
        message = batch.sudo().outbox_message_id
        for query in (message.correlation_id, self.e2e(batch, self.bill_a), batch.msg_id, UETR):
            other = self.env["finance.trace"].create({"query": query})
            other.action_trace()
            self.assertLessEqual(found, {(ln.kind, ln.res_model, ln.res_id) for ln in other.line_ids}, query)
        for record in (batch, batch.line_ids, st_line):
            traced = self.env["finance.trace"].browse(record.action_finance_trace()["context"]["trace_id"])
            self.assertIn(("Matched", "account.bank.statement.line", st_line.id),
                          {(ln.kind, ln.res_model, ln.res_id) for ln in traced.line_ids}, record._name)

    def test_in_transit_until_the_statement_line_is_matched(self):
        """Released → transmitted (posted) → booked and matched: -100 in transit, then 0, never -200."""
        if "finance.treasury.position.line" not in self.env:
            raise SkipTest("finance_bridge_treasury is not installed")

        def transit():
            self.env.flush_all()
            self.env.invalidate_all()
            lines = self.env["finance.treasury.position.line"].search(
                [("journal_id", "=", self.journal.id), ("category", "in", ("transit_in", "transit_out"))])
            return round(sum(lines.mapped("amount")), 2)

        def balance():
            self.env.flush_all()
            self.env.invalidate_all()
            return self.env["finance.treasury.cash.account"].search([("journal_id", "=", self.journal.id)]).balance

        self.assertEqual(balance(), 0.0)
        batch = self.make_batch(self.bill_a)
        self.assertEqual(transit(), 0.0, "a draft batch is not in transit")
        self.approve_and_release(batch)
        self.assertEqual(batch.payment_ids.state, "draft")
        self.assertEqual(transit(), -100.0, "released: the batch's source")
        self.send(batch)
        self.assertEqual(batch.payment_ids.state, "in_process")
        self.assertEqual(transit(), -100.0, "transmitted and posted: Odoo's payment source, not both")
        e2e = self.e2e(batch, self.bill_a)
        self.import_file(pain002(batch.msg_id, [(e2e, "ACSC", None, "100.00")]), "acsc.xml")
        self.assertEqual(transit(), -100.0, "settled by the bank but not on a statement yet")
        camt = s.camt053(iban=self.iban, entries=s.entry(amount="100.00", ref="BOOK-TRANSIT", txs=s.tx(
            amount="100.00", e2e=e2e, name="Vendor 0")), opening="1000.00")
        self.import_file(camt, "camt053.xml")
        self.assertTrue(batch.payment_ids.is_matched)
        self.assertEqual(transit(), 0.0, "matched: it left transit")
        self.assertEqual(balance(), 900.0, "the payment is in the balance once: 1,000 opening - 100 booked")
