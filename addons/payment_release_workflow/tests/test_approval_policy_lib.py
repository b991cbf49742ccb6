"""The pure approval rules: rule selection, tier filling in any order, SoD refusals."""
from decimal import Decimal

import pytest

from odoo.addons.payment_release_workflow.lib.approval_policy import (
    Approver,
    PolicyRule,
    approval_refusal,
    is_complete,
    missing_tiers,
    overlapping,
    release_refusal,
    select_rule,
    would_fill,
)

APPROVER, TREASURY = 10, 20
SMALL = PolicyRule(rule_id=1, approvals_required=1, approver_groups=frozenset({APPROVER}),
                   amount_max=Decimal("10000"))
LARGE = PolicyRule(rule_id=2, approvals_required=2, approver_groups=frozenset({APPROVER}), senior_approvals=1,
                   senior_groups=frozenset({TREASURY}), amount_min=Decimal("10000"))


def test_threshold_is_inclusive_up_to_and_exclusive_above():
    assert select_rule([SMALL, LARGE], 1, 1, Decimal("10000")) is SMALL
    assert select_rule([SMALL, LARGE], 1, 1, Decimal("10000.01")) is LARGE


def test_journal_specific_rule_wins_and_no_rule_is_none():
    special = PolicyRule(rule_id=3, approvals_required=3, approver_groups=frozenset({APPROVER}), journal_id=7)
    assert select_rule([SMALL, LARGE, special], 7, 1, Decimal(5)) is special
    assert select_rule([LARGE], 1, 1, Decimal(5)) is None


def test_overlapping_rules_are_refused_not_guessed():
    twin = PolicyRule(rule_id=4, approvals_required=1, approver_groups=frozenset({APPROVER}),
                      amount_max=Decimal("5000"))
    assert overlapping([SMALL, LARGE, twin]) == [(1, 4)]
    with pytest.raises(ValueError, match="overlap"):
        select_rule([SMALL, twin], None, None, Decimal(10))
    assert overlapping([SMALL, LARGE]) == []


def test_senior_tier_needs_the_senior_group():
    two_approvers = [Approver(1, frozenset({APPROVER})), Approver(2, frozenset({APPROVER}))]
    assert not is_complete(LARGE, two_approvers)
    assert missing_tiers(LARGE, two_approvers) == [frozenset({TREASURY})]
    assert not would_fill(LARGE, two_approvers[:1], two_approvers[1])
    assert would_fill(LARGE, two_approvers[:1], Approver(3, frozenset({TREASURY})))


def test_order_of_approvals_does_not_matter():
    both = Approver(1, frozenset({APPROVER, TREASURY}))
    plain = Approver(2, frozenset({APPROVER}))
    assert would_fill(LARGE, [both], plain)  # the senior person moves to the senior tier
    assert is_complete(LARGE, [both, plain]) and is_complete(LARGE, [plain, both])


def test_same_person_never_fills_two_tiers():
    both = Approver(1, frozenset({APPROVER, TREASURY}))
    assert not would_fill(LARGE, [both], both)
    assert not is_complete(LARGE, [both])


def test_rule_validation():
    with pytest.raises(ValueError):
        PolicyRule(rule_id=1, approvals_required=0, approver_groups=frozenset({APPROVER}))
    with pytest.raises(ValueError):
        PolicyRule(rule_id=1, approvals_required=1, approver_groups=frozenset(), senior_approvals=2,
                   senior_groups=frozenset({TREASURY}))
    with pytest.raises(ValueError):
        PolicyRule(rule_id=1, approvals_required=1, approver_groups=frozenset({APPROVER}),
                   amount_min=Decimal(10), amount_max=Decimal(5))


def test_approval_refusals():
    assert "preparer" in approval_refusal(1, 1, None, set(), {})
    assert "last person" in approval_refusal(2, 1, 2, set(), {})
    assert "already approved" in approval_refusal(3, 1, None, {3}, {})
    assert "DE89" in approval_refusal(4, 1, None, set(), {"DE89 3704": frozenset({4})})
    assert approval_refusal(5, 1, 2, {3}, {"DE89 3704": frozenset({4})}) is None


def test_release_refusals_strict_and_small_team():
    assert "preparer" in release_refusal(1, 1, {2}, small_team=False)
    assert "approver" in release_refusal(2, 1, {2}, small_team=False)
    assert release_refusal(3, 1, {2}, small_team=False) is None
    assert release_refusal(2, 1, {2}, small_team=True) is None
