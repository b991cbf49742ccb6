"""Which approvals a payment batch still needs: policy rules in, missing tiers out (no database).

A rule applies to a company's batches by journal, currency and amount range and asks for a number
of approvals; each approval fills one *tier*, a set of groups whose members may give it (e.g.
"≤ 10,000: one Payment Approver; above: two, one of them a Treasury Manager"). Approvals are
matched to tiers as a bipartite matching, so the order in which people approve never matters: a
Treasury Manager who is also an Approver approving first does not use up the only senior tier if
the ordinary tier can take them instead.
"""
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PolicyRule:
    """One row of a policy. ``None`` means "any" for journal/currency and "no bound" for amounts."""

    rule_id: int
    approvals_required: int
    approver_groups: frozenset
    senior_approvals: int = 0
    senior_groups: frozenset = field(default_factory=frozenset)
    journal_id: int | None = None
    currency_id: int | None = None
    amount_min: Decimal | None = None  # exclusive: the rule applies to amounts above it
    amount_max: Decimal | None = None  # inclusive: ... up to and including it

    def __post_init__(self):
        if self.approvals_required < 1:
            raise ValueError("a policy rule needs at least one approval")
        if not 0 <= self.senior_approvals <= self.approvals_required:
            raise ValueError("senior approvals must be between 0 and the approvals required")
        if self.senior_approvals and not self.senior_groups:
            raise ValueError("senior approvals need the groups allowed to give them")
        if self.senior_approvals < self.approvals_required and not self.approver_groups:
            raise ValueError("approvals need the groups allowed to give them")
        if self.amount_min is not None and self.amount_max is not None and self.amount_min >= self.amount_max:
            raise ValueError("the minimum amount must be below the maximum amount")

    def tiers(self):
        """One frozenset of allowed groups per approval required (senior tiers first)."""
        ordinary = self.approvals_required - self.senior_approvals
        return ((frozenset(self.senior_groups),) * self.senior_approvals
                + (frozenset(self.approver_groups),) * ordinary)

    def matches(self, journal_id, currency_id, amount):
        return ((self.journal_id is None or self.journal_id == journal_id)
                and (self.currency_id is None or self.currency_id == currency_id)
                and (self.amount_min is None or amount > self.amount_min)
                and (self.amount_max is None or amount <= self.amount_max))

    def specificity(self):
        return (self.journal_id is not None, self.currency_id is not None)


@dataclass(frozen=True)
class Approver:
    """A valid approval: who gave it and the groups that person held when giving it."""

    user_id: int
    groups: frozenset


def select_rule(rules, journal_id, currency_id, amount):
    """The most specific matching rule (journal beats currency beats generic), else ``None``.

    Two equally specific rules both matching is a configuration error the caller must not guess.
    """
    matching = [r for r in rules if r.matches(journal_id, currency_id, Decimal(amount))]
    if not matching:
        return None
    best = max(r.specificity() for r in matching)
    top = [r for r in matching if r.specificity() == best]
    if len(top) > 1:
        raise ValueError(f"policy rules {sorted(r.rule_id for r in top)} overlap for this batch")
    return top[0]


def overlapping(rules):
    """Pairs of rule ids that would both apply to some batch with the same specificity."""
    pairs = []
    for i, a in enumerate(rules):
        for b in rules[i + 1:]:
            if a.journal_id != b.journal_id or a.currency_id != b.currency_id:
                continue
            low = max(x for x in (a.amount_min, b.amount_min, Decimal("-Infinity")) if x is not None)
            highs = [x for x in (a.amount_max, b.amount_max) if x is not None]
            if not highs or low < min(highs):
                pairs.append((a.rule_id, b.rule_id))
    return pairs


def _match(tiers, approvers):
    """Maximum matching approver -> tier (augmenting paths; sizes are tiny). Returns {tier: approver}."""
    owner = {}

    def place(index, seen):
        for tier, groups in enumerate(tiers):
            if tier in seen or not (groups & approvers[index].groups):
                continue
            seen.add(tier)
            if tier not in owner or place(owner[tier], seen):
                owner[tier] = index
                return True
        return False

    for index in range(len(approvers)):
        place(index, set())
    return {tier: approvers[index] for tier, index in owner.items()}


def missing_tiers(rule, approvers):
    """The tiers (frozensets of groups) no valid approval fills yet."""
    tiers = rule.tiers()
    filled = _match(tiers, list(approvers))
    return [tiers[t] for t in range(len(tiers)) if t not in filled]


def is_complete(rule, approvers):
    return not missing_tiers(rule, approvers)


def would_fill(rule, approvers, candidate):
    """True when ``candidate``'s approval fills one more tier (possibly by moving the others)."""
    approvers = list(approvers)
    if any(a.user_id == candidate.user_id for a in approvers):
        return False
    tiers = rule.tiers()
    return len(_match(tiers, [*approvers, candidate])) > len(_match(tiers, approvers))


# ---------------------------------------------------------------- segregation of duties
def approval_refusal(user_id, preparer_id, content_editor_id, approver_ids, bank_editors):
    """Why ``user_id`` may not approve the batch, or ``None``.

    ``approver_ids``: users with a valid approval of the current content; ``bank_editors``: for each
    beneficiary account (label -> user ids who created it or changed it last).
    """
    if user_id == preparer_id:
        return "the preparer of a batch cannot approve it"
    if content_editor_id and user_id == content_editor_id:
        return "the last person who changed the batch's content cannot approve it"
    if user_id in approver_ids:
        return "you have already approved this batch; a second approval must come from someone else"
    for label, editors in sorted(bank_editors.items()):
        if user_id in editors:
            return f"you created or last changed the beneficiary account {label}, so you cannot approve a payment to it"
    return None


def release_refusal(user_id, preparer_id, approver_ids, small_team):
    """Why ``user_id`` may not release, or ``None``: strict = neither preparer nor approver.

    The small-team switch lets the preparer or an approver release (never both roles in one person
    — self-approval stays refused by ``approval_refusal``).
    """
    if small_team:
        return None
    if user_id == preparer_id:
        return "the preparer of a batch cannot release it"
    if user_id in approver_ids:
        return "an approver of a batch cannot release it"
    return None


def to_decimal(value):
    """A stored threshold (float, 0 = no bound) as a Decimal rounded to cents, or ``None``."""
    return Decimal(str(value)).quantize(Decimal("0.01")) if value else None
