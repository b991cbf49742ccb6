"""Each bank status path of a released batch, from real pain.002 / camt.053 / camt.054 files."""
from odoo.addons.bank_adapter_iso20022.tests import samples as s

from .release_case import ReleaseCase, pain002


class TestStatusPaths(ReleaseCase):
    def setUp(self):
        super().setUp()
        self.bill_a = self.bill(self.vendors[0], 100.0, "INV-A")
        self.bill_b = self.bill(self.vendors[1], 250.5, "INV-B")
        self.batch = self.release_and_send(self.make_batch(self.bill_a | self.bill_b))
        self.e2e_a, self.e2e_b = self.e2e(self.batch, self.bill_a), self.e2e(self.batch, self.bill_b)
        self.line_a = self.batch.line_ids.filtered(lambda ln: ln.move_id == self.bill_a)
        self.line_b = self.batch.line_ids.filtered(lambda ln: ln.move_id == self.bill_b)

    def statuses(self, txs, grp=None, name="pain002.xml"):
        record = self.import_file(pain002(self.batch.msg_id, txs, grp=grp), name)
        self.assertEqual(record.state, "done", record.error if "error" in record._fields else record)
        return record

    def test_released_lines_are_in_process(self):
        self.assertEqual(set(self.batch.line_ids.mapped("state")), {"in_process"})
        self.assertTrue(self.e2e_a and self.e2e_b and self.e2e_a != self.e2e_b)
        self.assertEqual(len(self.batch.payment_ids), 2, "one payment per beneficiary account")

    def test_accepted(self):
        self.statuses([(self.e2e_a, "ACCP", None, "100.00"), (self.e2e_b, "ACSP", None, "250.50")], grp="ACCP")
        self.assertEqual(set(self.batch.line_ids.mapped("state")), {"accepted"})
        self.assertEqual(self.batch.state, "accepted")
        events = self.env["finance.status.event"].search([("msg_id", "=", self.batch.msg_id)])
        self.assertEqual(set(events.mapped("state")), {"applied"})

    def test_pending_keeps_in_process(self):
        self.statuses([(self.e2e_a, "PDNG", None, None)])
        self.assertEqual(self.line_a.state, "in_process")

    def test_settled_by_acsc(self):
        self.statuses([(self.e2e_a, "ACSC", None, "100.00"), (self.e2e_b, "ACSC", None, "250.50")])
        self.assertEqual(set(self.batch.line_ids.mapped("state")), {"paid"})
        self.assertEqual(self.batch.state, "settled")
        self.assertEqual(self.batch.progress, 100.0)
        self.assertEqual(set(self.batch.payment_ids.mapped("state")), {"paid"})

    def test_settled_by_statement_booking(self):
        self.statuses([(self.e2e_a, "ACCP", None, None), (self.e2e_b, "ACCP", None, None)], grp="ACCP")
        camt = s.camt053(iban=self.iban, entries=s.entry(amount="100.00", ref="BOOK-A", txs=s.tx(
            amount="100.00", e2e=self.e2e_a, name="Vendor 0")), opening="1000.00")
        record = self.import_file(camt, "stmt.xml")
        self.assertEqual((record.state, record.lines_created), ("done", 1), record.read()[0])
        self.assertEqual((self.line_a.state, self.line_b.state), ("paid", "accepted"))
        payment = self.line_a.payment_id
        self.assertEqual(payment.state, "paid")
        st_line = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)])
        self.assertEqual(len(st_line), 1)
        self.assertTrue(st_line.is_reconciled, "the statement line is reconciled with the payment")
        self.assertTrue(payment.is_matched)
        event = self.env["finance.status.event"].search([("source", "=", "camt.053")])
        self.assertEqual((event.status, event.state, event.raw["statement_line_id"]), ("BOOK", "applied", st_line.id))
        self.assertEqual(self.batch.state, "accepted", "one line paid, one still accepted")

    def assert_reversed(self, line, bill, reason):
        payment = line.payment_id
        self.assertEqual(payment.state, "rejected")
        self.assertTrue(payment.move_id.reversal_move_ids, "the payment's entry is reversed")
        self.assertEqual(bill.payment_state, "not_paid", "the bill is open again")
        self.assertAlmostEqual(bill.amount_residual, bill.amount_total)
        self.assertIn(reason, line.status_reason)
        activity = self.batch.activity_ids.filtered(lambda a: reason in (a.summary or ""))
        self.assertTrue(activity, "an exception activity names the ISO reason")
        exception = self.env["finance.payment.exception"].search([("line_id", "=", line.id)])
        self.assertEqual(exception.kind, line.state)

    def test_rejected_with_reversal(self):
        self.assertIn(self.bill_b.payment_state, ("in_payment", "paid"), "matched with its payment on transmission")
        self.statuses([(self.e2e_a, "ACCP", None, None), (self.e2e_b, "RJCT", "AC04", None)], grp="PART")
        self.assertEqual((self.line_a.state, self.line_b.state), ("accepted", "rejected"))
        self.assert_reversed(self.line_b, self.bill_b, "AC04")
        self.assertIn("Closed account", self.line_b.status_reason)
        self.assertEqual(self.batch.state, "partially_rejected")

    def test_group_rejection_rejects_every_line(self):
        self.statuses([], grp="RJCT")
        self.assertEqual(set(self.batch.line_ids.mapped("state")), {"rejected"})
        self.assertEqual(self.batch.state, "rejected")

    def test_partial_per_transaction(self):
        self.statuses([(self.e2e_a, "ACSC", None, "100.00"), (self.e2e_b, "RJCT", "AM04", None)], grp="PART")
        self.assertEqual((self.line_a.state, self.line_b.state), ("paid", "rejected"))
        self.assertIn("Insufficient funds", self.line_b.status_reason)
        self.assertEqual(self.batch.state, "partially_rejected")

    def test_returned_after_settlement(self):
        self.statuses([(self.e2e_a, "ACSC", None, "100.00"), (self.e2e_b, "ACSC", None, "250.50")])
        camt = s.camt053(iban=self.iban, entries=s.entry(amount="100.00", ind="CRDT", ref="RET-A", txs=s.tx(
            amount="100.00", ind="CRDT", e2e=self.e2e_a, rtr="MS03")), opening="1000.00")
        self.import_file(camt, "return.xml")
        self.assertEqual(self.line_a.state, "returned")
        self.assert_reversed(self.line_a, self.bill_a, "MS03")
        self.assertEqual(self.batch.state, "partially_rejected")

    def test_duplicated_and_late_events_change_nothing(self):
        self.statuses([(self.e2e_a, "ACSC", None, "100.00")])
        payment_state = self.line_a.payment_id.state
        activities = len(self.batch.activity_ids)
        again = self.import_file(pain002(self.batch.msg_id, [(self.e2e_a, "ACSC", None, "100.00")]), "copy.xml")
        self.assertEqual(again.state, "duplicate", "the same file is recorded once")
        events_before = self.env["finance.status.event"].search_count([])
        # Late: an acceptance and a rejection arriving after settlement.
        self.statuses([(self.e2e_a, "ACTC", None, None)], name="late-actc.xml")
        self.statuses([(self.e2e_a, "RJCT", "AC01", None)], name="late-rjct.xml")
        self.assertEqual(self.env["finance.status.event"].search_count([]), events_before + 2)
        self.assertEqual((self.line_a.state, self.line_a.payment_id.state), ("paid", payment_state))
        self.assertEqual(len(self.batch.activity_ids), activities, "no exception for a late event")
        self.assertFalse(self.line_a.payment_id.move_id.reversal_move_ids)

    def test_unknown_reference_is_unmatched(self):
        self.statuses([("E2E-NOT-OURS", "RJCT", "AC01", None)])
        self.assertEqual(set(self.batch.line_ids.mapped("state")), {"in_process"})

    def test_other_company_event_does_not_match(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        events = self.env["finance.status.event"]._record(
            [self._dto(self.e2e_a, "RJCT")], company=other)
        self.assertEqual(events.state, "unmatched")
        self.assertEqual(self.line_a.state, "in_process")

    def _dto(self, e2e, status):
        from odoo.addons.finance_bridge_core.lib.dto import StatusEventDTO
        return StatusEventDTO(source="api", status=status, msg_id=self.batch.msg_id, end_to_end_id=e2e)

    def test_reproposed_in_new_batch(self):
        self.statuses([(self.e2e_b, "RJCT", "AC01", None)])
        exception = self.env["finance.payment.exception"].search([("line_id", "=", self.line_b.id)])
        action = exception.action_repropose()
        new = self.env["finance.payment.batch"].browse(action["res_id"])
        self.assertEqual((new.state, new.line_ids.move_id), ("draft", self.bill_b))
        self.assertEqual(self.line_b.reproposed_batch_id, new)
        self.assertTrue(self.env["finance.payment.exception"].search([("line_id", "=", self.line_b.id)]).reproposed)
