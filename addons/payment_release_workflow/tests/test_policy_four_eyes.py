"""Adversarial (segregation_of_duties): the approval policy changes only under four eyes, audited."""
from odoo.tests.common import tagged

from .approval_case import ApprovalCase

CHANGE = "finance.payment.policy.change"
RULE = "finance.payment.policy.rule"


@tagged("post_install", "-at_install")
class TestPolicyFourEyes(ApprovalCase):
    adversarial_class = "segregation_of_duties"

    def propose(self, login="adv_treasury_a", **vals):
        senior = self.env.ref("finance_bridge_core.group_treasury_manager")
        answer = self.call_kw(login, CHANGE, "create", [dict({
            "operation": "create", "reason": "large payments need a treasury manager", "amount_min": 10000,
            "required_approvals": 2, "senior_approvals": 1, "senior_group_ids": [(6, 0, senior.ids)]}, **vals)])
        return answer

    def rules(self):
        return self.env[RULE].search([("company_id", "=", self.company_a.id)])

    def test_same_manager_cannot_confirm_own_change(self):
        answer = self.propose()
        self.assertTrue(answer.ok, answer)
        change = self.env[CHANGE].browse(answer.result)
        self.assertEqual((change.state, change.proposed_by_id), ("pending", self.user("adv_treasury_a")))
        self.assertFalse(self.rules(), "a proposal took effect before confirmation")
        self.assertRefusedFor(self.call_button("adv_treasury_a", CHANGE, "action_confirm", [change.id]),
                              "four eyes")
        self.assertEqual(self.fresh(change).state, "pending")
        self.assertFalse(self.rules())

    def test_second_manager_confirms_and_it_is_audited(self):
        change = self.env[CHANGE].browse(self.propose().result)
        self.assertIn(self.user("adv_treasury2_a"), change.activity_ids.user_id)
        answer = self.call_button("adv_treasury2_a", CHANGE, "action_confirm", [change.id])
        self.assertTrue(answer.ok, answer)
        self.fresh(change)
        self.assertEqual((change.state, change.decided_by_id), ("applied", self.user("adv_treasury2_a")))
        rule = self.rules()
        self.assertEqual((rule.required_approvals, rule.senior_approvals, rule.amount_min), (2, 1, 10000))
        events = self.env["finance.audit.event"].search([("model", "=", CHANGE), ("res_id", "=", change.id)])
        self.assertEqual(set(events.mapped("event_type")),
                         {"payment_policy.change_proposed", "payment_policy.change_applied"})

    def test_rules_and_switch_not_writable_directly(self):
        rule = self.set_rule(amount_max=10000)
        for login in ("adv_treasury_a", "adv_conn_admin_a"):
            self.assertRefused(self.call_kw(login, RULE, "write", [[rule.id], {"required_approvals": 0}]))
            self.assertRefused(self.call_kw(login, RULE, "unlink", [[rule.id]]))
            self.assertRefused(self.call_kw(login, RULE, "create", [{"required_approvals": 1}]))
            self.assertRefused(self.call_kw(login, "res.company", "write",
                                            [[self.company_a.id], {"payment_small_team": True}]))
        self.assertEqual(self.fresh(rule).required_approvals, 1)
        self.assertFalse(self.company_a.payment_small_team)

    def test_proposal_cannot_be_edited_or_decided_directly(self):
        change = self.env[CHANGE].browse(self.propose().result)
        self.assertRefused(self.call_kw("adv_treasury_a", CHANGE, "write", [[change.id], {"required_approvals": 1}]))
        for vals in ({"state": "applied"}, {"proposed_by_id": self.user("adv_treasury2_a").id},
                     {"decided_by_id": self.user("adv_treasury2_a").id}):
            self.assertRefused(self.call_kw("adv_treasury_a", CHANGE, "write", [[change.id], vals]))
        self.assertRefused(self.call_kw("adv_treasury_a", CHANGE, "create", [{
            "operation": "small_team", "small_team": True, "reason": "x",
            "proposed_by_id": self.user("adv_treasury2_a").id}]))
        self.assertEqual(self.fresh(change).state, "pending")

    def test_only_treasury_managers_propose_and_confirm(self):
        self.assertRefused(self.propose("adv_approver_a"))
        change = self.env[CHANGE].browse(self.propose().result)
        for login in ("adv_approver_a", "adv_preparer_a", "adv_treasury_b"):
            self.assertRefused(self.call_button(login, CHANGE, "action_confirm", [change.id]))
        self.assertEqual(self.fresh(change).state, "pending")

    def test_small_team_switch_under_four_eyes(self):
        answer = self.call_kw("adv_treasury_a", CHANGE, "create",
                              [{"operation": "small_team", "small_team": True, "reason": "two people team"}])
        change = self.env[CHANGE].browse(answer.result)
        self.assertFalse(self.company_a.payment_small_team)
        self.assertTrue(self.call_button("adv_treasury2_a", CHANGE, "action_confirm", [change.id]).ok)
        self.company_a.invalidate_recordset()
        self.assertTrue(self.company_a.payment_small_team)

    def test_overlapping_rule_refused_at_confirmation(self):
        self.set_rule(amount_max=20000)
        change = self.env[CHANGE].browse(self.propose().result)  # > 10,000 overlaps ≤ 20,000
        self.assertRefusedFor(self.call_button("adv_treasury2_a", CHANGE, "action_confirm", [change.id]), "overlap")
        self.assertEqual(len(self.rules()), 1)
        self.assertEqual(self.fresh(change).state, "pending")

    def test_rejected_change_never_applies(self):
        change = self.env[CHANGE].browse(self.propose().result)
        self.assertTrue(self.call_button("adv_treasury2_a", CHANGE, "action_reject", [change.id]).ok)
        self.assertEqual(self.fresh(change).state, "rejected")
        self.assertRefused(self.call_button("adv_treasury2_a", CHANGE, "action_confirm", [change.id]))
        self.assertFalse(self.rules())
