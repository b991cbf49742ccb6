"""Status events are stored once, and the apply hook is there for later addons."""
from datetime import datetime, timezone
from decimal import Decimal

from odoo.tests.common import TransactionCase

from ..lib.dto import Money, StatusEventDTO


def event(status="ACSC", e2e="E2E-1", reason=None):
    return StatusEventDTO(source="pain.002", status=status, end_to_end_id=e2e, msg_id="MSG-1", reason_code=reason,
                          occurred_at=datetime(2026, 3, 2, 10, tzinfo=timezone.utc),
                          amount=Money(Decimal("10.00"), "EUR"))


class TestStatusEvents(TransactionCase):
    def test_recorded_once(self):
        Events = self.env["finance.status.event"]
        first = Events._record([event(), event("RJCT", reason="AC04")])
        again = Events._record([event(), event("RJCT", reason="AC04")])
        self.assertEqual(len(first), 2)
        self.assertFalse(again)
        self.assertEqual(set(first.mapped("state")), {"unmatched"})
        rejected = first.filtered(lambda e: e.status == "RJCT")
        self.assertEqual((rejected.reason_code, rejected.amount), ("AC04", 10.0))

    def test_reapply_keeps_unmatched_without_extension(self):
        events = self.env["finance.status.event"]._record([event(e2e="NOBODY")])
        events.action_reapply()
        self.assertEqual(events.state, "unmatched")
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "status.event"),
                                                                ("res_id", "=", events.id)]))


class TestScreeningHook(TransactionCase):
    def test_passes_without_extension_and_is_audited(self):
        partner = self.env["res.partner"].create({"name": "Someone"})
        self.assertEqual(self.env["finance.screening"].screen(partner, "partner"), [])
        audit = self.env["finance.audit.event"].search([("event_type", "=", "screening.decision")], limit=1)
        self.assertIn("partner screening: pass", audit.summary)

    def test_unknown_stage(self):
        with self.assertRaises(ValueError):
            self.env["finance.screening"].screen(self.env.user.partner_id, "whenever")
