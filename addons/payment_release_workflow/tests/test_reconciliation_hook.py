"""Our released payments offered to the bank reconciliation through the core hook
(``finance.reconciliation.hooks._finance_match_own_payments``): by the transfer's EndToEndId, and
for a batch booked as one line by its MsgId / PmtInfId. The matching addon is reached through the
registry only (no import): when it is installed, the line is matched and reconciled end to end."""
from decimal import Decimal

from .release_case import ReleaseCase


class TestOwnPaymentsHook(ReleaseCase):
    def setUp(self):
        super().setUp()
        self.bill_a = self.bill(self.vendors[0], 100.0, "INV-HA")
        self.bill_b = self.bill(self.vendors[1], 250.5, "INV-HB")
        self.batch = self.release_and_send(self.make_batch(self.bill_a | self.bill_b))
        self.line_a = self.batch.line_ids.filtered(lambda ln: ln.move_id == self.bill_a)
        self.Hooks = self.env["finance.reconciliation.hooks"]

    def st_line(self, amount, details):
        return self.env["account.bank.statement.line"].create({
            "journal_id": self.journal.id, "date": "2026-03-03", "payment_ref": "Bank booking", "amount": amount,
            "transaction_details": details})

    def outstanding(self, payment):
        return payment._seek_for_lines()[0].filtered(lambda ln: ln.account_id.reconcile and not ln.reconciled)

    def test_end_to_end_id_offers_the_transfer_payment(self):
        payment = self.line_a.payment_id
        self.assertEqual(payment.move_id.state, "posted")
        items = self.Hooks._finance_match_own_payments(self.st_line(-100.0, {"end_to_end_id": self.line_a.tx_end_to_end_id}))
        self.assertEqual(len(items), 1)
        item = items[0]
        self.assertEqual(item["move_line_ids"], self.outstanding(payment).ids)
        self.assertEqual((item["amount"], item["currency"], item["partner_id"]),
                         (Decimal("-100.00"), "EUR", payment.partner_id.id))
        self.assertEqual(item["end_to_end_id"], self.line_a.tx_end_to_end_id)
        self.assertIn(self.batch.msg_id, item["batch_ids"])

    def test_batch_booked_as_one_line_offers_all_its_payments(self):
        line = self.st_line(-350.5, {"raw": {"ref_MsgId": self.batch.msg_id}})
        items = self.Hooks._finance_match_own_payments(line)
        self.assertEqual(sorted(i["amount"] for i in items), [Decimal("-250.50"), Decimal("-100.00")])
        self.assertEqual({i["move_line_ids"][0] for i in items},
                         set(self.batch.payment_ids.mapped(lambda p: self.outstanding(p).id)))

    def test_unknown_or_missing_references_offer_nothing(self):
        self.assertEqual(self.Hooks._finance_match_own_payments(self.st_line(-100.0, {"end_to_end_id": "E2E-NOT-OURS"})),
                         [])
        self.assertEqual(self.Hooks._finance_match_own_payments(self.st_line(-100.0, {})), [])

    def test_reconciled_payment_is_not_offered_again(self):
        line = self.st_line(-100.0, {"end_to_end_id": self.line_a.tx_end_to_end_id})
        self.outstanding(self.line_a.payment_id).reconciled = True   # as after its reconciliation
        self.assertEqual(self.Hooks._finance_match_own_payments(line), [])

    def test_matching_reconciles_a_batch_booked_as_one_line(self):
        if "finance.reconcile.matcher" not in self.env:
            self.skipTest("bank_reconciliation_matching is not installed")
        line = self.st_line(-350.5, {"raw": {"ref_MsgId": self.batch.msg_id}})
        self.env["finance.reconcile.matcher"]._match(line, auto=False)
        best = line.finance_suggestion_ids.filtered(lambda s: s.state == "suggested")[:1]
        self.assertEqual(best.rule, "own_payment")
        outstanding = self.batch.payment_ids.mapped(lambda p: self.outstanding(p).id)
        self.assertEqual(set(best.move_line_ids.ids), set(outstanding))
        best.action_accept()
        self.assertTrue(line.is_reconciled)
        self.assertTrue(all(self.batch.payment_ids.mapped("is_matched")))
