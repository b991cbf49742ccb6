"""The audit trail is append-only and its keyed chain exposes edits and deletions."""
import itertools

from odoo.exceptions import AccessError, UserError
from odoo.tests.common import TransactionCase

from . import factories


class TestAudit(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.Audit = cls.env["finance.audit.event"]
        for index in range(4):
            cls.Audit._log("test.event", summary=f"event {index}",
                           payload={"i": index, "iban": "DE89370400440532013000"})
        cls.Audit._seal_pending()

    def events(self):
        return self.Audit.search([("company_id", "=", self.env.company.id), ("hash", "!=", False)],
                                 order="sequence")

    def test_events_pending_until_sealed(self):
        event = self.Audit._log("test.pending", summary="not sealed yet")
        self.assertFalse(event.sequence or event.hash)
        self.Audit._seal_pending([self.env.company.id])
        self.assertEqual(event.sequence, self.events()[-1].sequence)
        self.assertEqual(event.prev_hash, self.events()[-2].hash)

    def test_chain_links(self):
        events = self.events()
        self.assertEqual(events.mapped("sequence"), list(range(1, len(events) + 1)))
        for previous, event in itertools.pairwise(events):
            self.assertEqual(event.prev_hash, previous.hash)
        self.assertIsNone(self.Audit._verify_company(self.env.company))

    def test_payload_is_masked(self):
        self.assertNotIn("0532013000", self.events()[-1].payload)

    def test_orm_refuses_write_unlink_create(self):
        event = self.events()[0]
        with self.assertRaises(UserError):
            event.write({"summary": "forged"})
        with self.assertRaises(UserError):
            event.unlink()
        with self.assertRaises(UserError):
            self.Audit.create({"company_id": self.env.company.id, "sequence": 999, "event_type": "x",
                               "occurred_at": "2026-01-01 00:00:00"})

    def test_users_have_no_write_access(self):
        user = self.env["res.users"].create({
            "name": "Auditor", "login": "fb_auditor",
            "group_ids": [(6, 0, [self.env.ref("finance_bridge_core.group_connection_admin").id])]})
        with self.assertRaises(UserError):
            self.events()[0].with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.env["finance.audit.event"].with_user(user).check_access("write")

    def test_sql_edit_detected(self):
        target = self.events()[1]
        self.env.cr.execute("UPDATE finance_audit_event SET summary = 'edited' WHERE id = %s", (target.id,))
        result = self.Audit._verify_company(self.env.company)
        self.assertEqual(result[0], target.sequence)
        self.assertIn("the row was edited", result[1])

    def test_payload_edit_detected(self):
        target = self.events()[2]
        self.env.cr.execute("UPDATE finance_audit_event SET payload = '{}' WHERE id = %s", (target.id,))
        self.assertEqual(self.Audit._verify_company(self.env.company)[0], target.sequence)

    def test_sql_delete_detected(self):
        target = self.events()[1]
        sequence = target.sequence
        self.env.cr.execute("DELETE FROM finance_audit_event WHERE id = %s", (target.id,))
        self.env.invalidate_all()
        result = self.Audit._verify_company(self.env.company)
        self.assertEqual(result[0], sequence + 1)
        self.assertIn("deleted", result[1])

    def test_verify_action_reports_broken_link(self):
        Result = self.env["finance.audit.verify.result"]
        ok = Result.browse(self.Audit.action_verify_chain()["res_id"])
        self.assertTrue(ok.intact)
        self.assertIn(f"{self.env.company.name}: intact", ok.result)
        target = self.events()[0]
        self.env.cr.execute("UPDATE finance_audit_event SET user_id = NULL WHERE id = %s", (target.id,))
        action = self.Audit.action_verify_chain()
        self.assertEqual((action["target"], action["name"]), ("new", "Audit trail broken"))
        broken = Result.browse(action["res_id"])
        self.assertFalse(broken.intact)
        self.assertIn(f"BROKEN at #{target.sequence}", broken.result)

    def test_chains_are_per_company(self):
        other = factories.CompanyFactory()
        event = self.Audit._log("test.other", summary="other company", company=other)
        self.Audit._seal_pending([other.id])
        self.assertEqual(event.sequence, 1)
        self.assertEqual(event.prev_hash, "0" * 64)
