"""Pure tests of the ISO status → payment line action table (no database needed)."""
from odoo.tests.common import BaseCase

from ..lib.iso_status import action_for, batch_state, reason_text


class TestIsoStatus(BaseCase):
    def test_in_process_codes_accept_once(self):
        for code in ("ACTC", "ACCP", "ACSP"):
            self.assertEqual(action_for(code, "in_process").new_state, "accepted")
            self.assertIsNone(action_for(code, "accepted").new_state)
        self.assertIsNone(action_for("PDNG", "in_process").new_state)

    def test_settlement_and_booking(self):
        for code in ("ACSC", "BOOK"):
            action = action_for(code, "accepted")
            self.assertEqual((action.new_state, action.settle), ("paid", True))
        self.assertEqual(action_for("ACSC", "in_process").new_state, "paid")
        wrong = action_for("BOOK", "accepted", amount_matches=False)
        self.assertIsNone(wrong.new_state)
        self.assertTrue(wrong.exception)

    def test_rejection_reverses_and_opens_exception(self):
        action = action_for("RJCT", "accepted")
        self.assertEqual((action.new_state, action.reverse, action.exception), ("rejected", True, True))

    def test_late_and_duplicated_events_change_nothing(self):
        self.assertIsNone(action_for("ACTC", "paid").new_state)     # late acceptance after settlement
        self.assertIsNone(action_for("RJCT", "paid").new_state)     # a rejection after settlement is a return
        self.assertIsNone(action_for("RJCT", "rejected").new_state)  # duplicate
        self.assertIsNone(action_for("ACSC", "rejected").new_state)
        self.assertIsNone(action_for("ACSC", "paid").new_state)
        booked = action_for("BOOK", "paid")   # the statement booking after an ACSC: reconcile only
        self.assertEqual((booked.new_state, booked.settle, booked.exception), (None, True, False))
        self.assertFalse(action_for("ACSC", "paid").settle)
        self.assertIsNone(action_for("ACSC", "pending").new_state)  # never transmitted

    def test_returns(self):
        after = action_for("RTRN", "paid")
        self.assertEqual((after.new_state, after.reverse, after.exception), ("returned", True, True))
        self.assertEqual(action_for("RTRN", "accepted").new_state, "rejected")
        self.assertIsNone(action_for("RTRN", "returned").new_state)

    def test_partial_is_flagged_not_moved(self):
        action = action_for("PART", "accepted")
        self.assertIsNone(action.new_state)
        self.assertTrue(action.exception)

    def test_reason_texts(self):
        self.assertIn("Closed account", reason_text("AC04"))
        self.assertIn("Incorrect account number", reason_text("AC01"))
        self.assertIn("Insufficient funds", reason_text("AM04"))
        self.assertIn("agent generated", reason_text("MS03"))
        self.assertEqual(reason_text("AC04", "account closed 2024"),
                         "AC04 — Closed account number: the account is closed: account closed 2024")
        self.assertIn("not in the ISO list", reason_text("ZZ99"))
        self.assertEqual(reason_text(None, "bank words"), "bank words")
        self.assertEqual(reason_text(None), "")

    def test_batch_state(self):
        self.assertEqual(batch_state(["paid", "paid", "excluded"]), "settled")
        self.assertEqual(batch_state(["accepted", "paid"]), "accepted")
        self.assertEqual(batch_state(["rejected", "paid"]), "partially_rejected")
        self.assertEqual(batch_state(["rejected", "returned"]), "rejected")
        self.assertIsNone(batch_state(["in_process", "accepted"]))
        self.assertIsNone(batch_state(["excluded"]))
