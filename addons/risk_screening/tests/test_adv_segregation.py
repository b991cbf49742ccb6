"""Segregation of duties on screening decisions, attacked over JSON-RPC as the users would.

The review found that the requester of a hit, refused by the review wizard, could still write the
hit's state and create an allowlist entry for the same name directly. Every path to a decision
(hit state, allowlist entries, list content, a partner's screening state) must go through the
review methods, which apply the four-eyes rule; nothing else may change them.
"""
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.addons.risk_screening.models.risk_list_entry import name_hash
from odoo.exceptions import AccessError
from odoo.tests.common import TransactionCase, new_test_user, tagged

from . import fixtures as fx


@tagged("post_install", "-at_install")
class TestScreeningSegregationOverRpc(RpcAttackCase):
    adversarial_class = "segregation_of_duties"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a.risk_threshold = 90
        cls.ofac = cls.env.ref("risk_screening.source_ofac_sdn")
        cls.first_version = cls.ofac._import_files({"main": fx.OFAC_SDN.encode(), "alt": fx.OFAC_ALT.encode()})
        cls.entry = cls.env["risk.list.entry"].search(
            [("source_id", "=", cls.ofac.id), ("name", "ilike", "PETROV")], limit=1)
        cls.requester = cls.users[("reviewer", "a")]
        cls.other_reviewer = new_test_user(
            cls.env, "adv_reviewer2_a", password="adv_reviewer2_a",
            groups="base.group_user,risk_screening.group_screening_reviewer",
            company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)])
        cls.hit = cls._hit("Ivan Petrov", cls.requester)

    @classmethod
    def _hit(cls, name, requester, partner=None):
        return cls.env["risk.screening.hit"].create({
            "company_id": cls.company_a.id, "entry_id": cls.entry.id, "screened_name": name,
            "name_hash": name_hash(name), "stage": "approval", "score": 95.0,
            "requested_by_id": requester.id, "partner_id": partner.id if partner else False,
            "list_version_id": cls.entry.version_id.id})

    def _allowlist_count(self):
        return self.env["risk.allowlist"].with_context(active_test=False).search_count(
            [("entry_id", "=", self.entry.id)])

    def assertStillOpen(self, hit=None):
        hit = hit or self.hit
        hit.invalidate_recordset()
        self.assertEqual((hit.state, hit.reviewer_id.id, hit.allowlist_id.id), ("open", False, False))

    # ------------------------------------------------------------------ the review's own example
    def test_requester_writes_the_hit_state(self):
        for vals in ({"state": "false_positive"}, {"state": "false_positive", "reviewer_id": self.other_reviewer.id,
                                                    "review_reason": "namesake"}):
            self.assertRefused(self.call_kw(self.requester.login, "risk.screening.hit", "write",
                                            [self.hit.ids, vals]))
        self.assertStillOpen()
        self._requester_uses_the_review_methods()

    def test_requester_creates_an_allowlist_entry_for_the_name(self):
        vals = {"company_id": self.company_a.id, "entry_id": self.entry.id, "screened_name": "Ivan Petrov",
                "name_hash": name_hash("Ivan Petrov"), "reason": "namesake", "reviewer_id": self.requester.id}
        for login in (self.requester.login, self.other_reviewer.login, "admin"):
            self.assertRefused(self.call_kw(login, "risk.allowlist", "create", [vals]))
        self.assertEqual(self._allowlist_count(), 0)

    def _requester_uses_the_review_methods(self):
        self.assertRefused(self.call_button(self.requester.login, "risk.screening.hit", "action_false_positive",
                                            self.hit.ids, {"reason": "namesake"}))
        wizard = self.call_kw(self.requester.login, "risk.hit.review", "create", [{
            "hit_ids": [(6, 0, self.hit.ids)], "decision": "false_positive", "reason": "namesake"}])
        self.assertTrue(wizard.ok, wizard)
        self.assertRefused(self.call_button(self.requester.login, "risk.hit.review", "action_apply", [wizard.result]))
        self.assertStillOpen()
        self.assertEqual(self._allowlist_count(), 0)

    def test_requester_hands_the_request_to_someone_else(self):
        self.assertRefused(self.call_kw(self.requester.login, "risk.screening.hit", "write",
                                        [self.hit.ids, {"requested_by_id": self.other_reviewer.id}]))
        self.hit.invalidate_recordset()
        self.assertEqual(self.hit.requested_by_id, self.requester)

    def test_requester_is_told_before_the_review_opens(self):
        """The refusal is visible on the hit (the form hides Review and shows why) and the Review
        button refuses at once, before a wizard is filled in; another reviewer sees no refusal."""
        refusal = self.call_kw(self.requester.login, "risk.screening.hit", "read",
                               [self.hit.ids, ["review_refusal"]])
        self.assertTrue(refusal.ok, refusal)
        self.assertIn("another reviewer must decide", refusal.result[0]["review_refusal"])
        answer = self.call_button(self.requester.login, "risk.screening.hit", "action_open_review", self.hit.ids)
        self.assertRefused(answer)
        self.assertIn("another reviewer must decide", answer.message)
        other = self.call_kw(self.other_reviewer.login, "risk.screening.hit", "read", [self.hit.ids, ["review_refusal"]])
        self.assertFalse(other.result[0]["review_refusal"])
        self.assertTrue(self.call_button(self.other_reviewer.login, "risk.screening.hit", "action_open_review",
                                         self.hit.ids).ok)
        self.assertStillOpen()

    def test_reviewer_of_his_own_contact(self):
        hit = self._hit(self.requester.partner_id.name, self.other_reviewer, partner=self.requester.partner_id)
        self.assertRefused(self.call_button(self.requester.login, "risk.screening.hit", "action_false_positive",
                                            hit.ids, {"reason": "that is me"}))
        self.assertStillOpen(hit)

    # ------------------------------------------------------------------ decisions already taken
    def test_decided_allowlist_entry_cannot_be_extended_or_revived(self):
        answer = self.call_button(self.other_reviewer.login, "risk.screening.hit", "action_false_positive",
                                  self.hit.ids, {"reason": "born 1990 in Minsk", "expires_on": "2030-01-01"})
        self.assertTrue(answer.ok, answer)  # the four-eyes path works for another reviewer
        allow = self.hit.allowlist_id
        self.assertTrue(allow)
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "screening.review.false_positive"),
                                                                 ("res_id", "=", self.hit.id)]))
        for vals in ({"expires_on": "2099-12-31"}, {"screened_name": "Ivan S. Petrov"},
                     {"name_hash": name_hash("Ivan S. Petrov")}, {"reviewer_id": self.other_reviewer.id}):
            self.assertRefused(self.call_kw(self.requester.login, "risk.allowlist", "write", [allow.ids, vals]))
        self.assertRefused(self.call_kw(self.requester.login, "risk.allowlist", "unlink", [allow.ids]))
        self.assertRefused(self.call_kw(self.requester.login, "risk.screening.hit", "write",
                                        [self.hit.ids, {"state": "open"}]))
        self.assertTrue(self.call_button(self.requester.login, "risk.allowlist", "action_revoke", allow.ids).ok)
        self.assertRefused(self.call_kw(self.requester.login, "risk.allowlist", "write",
                                        [allow.ids, {"active": True}]))
        allow.invalidate_recordset()
        self.assertEqual((allow.active, str(allow.expires_on)), (False, "2030-01-01"))

    def test_confirmed_hit_cannot_be_deleted_or_reopened(self):
        self.assertTrue(self.call_button(self.other_reviewer.login, "risk.screening.hit", "action_confirm",
                                         self.hit.ids, {"reason": "same passport"}).ok)
        for login in (self.requester.login, self.other_reviewer.login, "admin"):
            self.assertRefused(self.call_kw(login, "risk.screening.hit", "unlink", [self.hit.ids]))
            self.assertRefused(self.call_kw(login, "risk.screening.hit", "write",
                                            [self.hit.ids, {"state": "false_positive"}]))
        self.hit.invalidate_recordset()
        self.assertEqual(self.hit.state, "confirmed")

    # ------------------------------------------------------------------ what screening is decided against
    def test_client_context_cannot_skip_screening(self):
        """``risk_skip_screening`` is honoured for server code only: sent by a client it changes nothing."""
        new_test_user(self.env, "adv_contacts_a", password="adv_contacts_a",
                      groups="base.group_user,base.group_partner_manager,finance_bridge_core.group_finance_user",
                      company_id=self.company_a.id, company_ids=[(6, 0, self.company_a.ids)])
        answer = self.call_kw("adv_contacts_a", "res.partner", "create",
                              [{"name": "Ivan Petrov", "is_company": True}],
                              {"context": {"risk_skip_screening": True}})
        self.assertTrue(answer.ok, answer)
        partner = self.env["res.partner"].browse(answer.result[0] if isinstance(answer.result, list)
                                                 else answer.result)
        self.assertTrue(partner.sudo().risk_hit_ids, "the partner was created unscreened")

    def test_listed_name_switched_off_by_a_connection_admin(self):
        admin = self.users[("conn_admin", "a")].login
        self.assertRefused(self.call_kw(admin, "risk.list.entry", "write", [self.entry.ids, {"active": False}]))
        self.assertRefused(self.call_kw(admin, "risk.list.entry", "write", [self.entry.ids, {"name": "NOBODY"}]))
        self.assertRefused(self.call_kw(admin, "risk.list.version", "write",
                                        [self.first_version.ids, {"state": "superseded", "rescreen_state": "done"}]))
        self.entry.invalidate_recordset()
        self.assertTrue(self.entry.active)
        self._partner_screening_state_cleared_by_hand()

    def _partner_screening_state_cleared_by_hand(self):
        partner = self.env["res.partner"].create({"name": "Ivan Petrov"})
        self.assertEqual(partner.risk_state, "hit")
        for role in ("accountant", "user", "treasury", "reviewer"):
            self.assertRefused(self.call_kw(self.users[(role, "a")].login, "res.partner", "write",
                                            [partner.ids, {"risk_state": "clear"}]))
        partner.invalidate_recordset()
        self.assertEqual(partner.risk_state, "hit")


class TestAllowlistRevoke(TransactionCase):
    """Revoking a false positive (the stricter direction) screens the partner again at once."""

    def test_revoke_screens_the_partner_again(self):
        self.env.company.risk_threshold = 90
        self.env.ref("risk_screening.source_ofac_sdn")._import_files(
            {"main": fx.OFAC_SDN.encode(), "alt": fx.OFAC_ALT.encode()})
        reviewer = new_test_user(self.env, "fb_revoke_reviewer", groups="risk_screening.group_screening_reviewer")
        partner = self.env["res.partner"].create({"name": "Ivan Petrov"})
        partner.risk_hit_ids.with_user(reviewer).action_false_positive("born 1990 in Minsk")
        self.assertEqual(partner.risk_state, "clear")
        allow = partner.risk_hit_ids.allowlist_id
        with self.assertRaisesRegex(AccessError, "reserved to"):
            allow.with_user(new_test_user(self.env, "fb_revoke_plain", groups="base.group_user")).action_revoke()
        allow.with_user(reviewer).action_revoke()
        self.assertFalse(allow.active)
        self.assertEqual(partner.risk_state, "hit")
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "screening.allowlist.revoked")]))
