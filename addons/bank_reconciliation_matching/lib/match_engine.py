"""Runs the rules over statement lines and decides: reconcile automatically, suggest, or nothing.

A line is reconciled automatically only when its best candidate reaches the threshold and no other
candidate comes close (``ambiguity_margin``): ambiguous lines are always left for review.
"""
from .match_dto import LineResult, MatchConfig
from .match_index import MatchIndex
from .match_rules import default_rules


class MatchEngine:
    def __init__(self, items, partner_by_iban=None, user_rules=(), config=None, rules=None):
        self.config = config or MatchConfig()
        self.index = MatchIndex(items, partner_by_iban, self.config.min_key_length)
        self.rules = rules if rules is not None else default_rules(user_rules)

    def candidates(self, line):
        """Every rule's candidates, best first, one per (rule, items) pair."""
        seen, result = set(), []
        for rule in self.rules:
            for cand in rule.candidates(line, self.index, self.config):
                key = (cand.item_ids, cand.user_rule_id)
                if key in seen:
                    continue
                seen.add(key)
                result.append(cand)
        order = {rule.name: pos for pos, rule in enumerate(self.rules)}
        result.sort(key=lambda c: (-c.score, order.get(c.rule, 99)))
        return result

    def decide(self, line, candidates, threshold=None):
        threshold = self.config.auto_threshold if threshold is None else threshold
        res = LineResult(line_id=line.id, candidates=candidates)
        if not candidates:
            res.reason = "no candidate"
            return res
        best = candidates[0]
        rivals = [c for c in candidates[1:] if c.score > best.score - self.config.ambiguity_margin
                  and (c.item_ids, c.user_rule_id) != (best.item_ids, best.user_rule_id)]
        if best.score < threshold or not threshold:
            res.decision, res.reason = "review", f"best score {best.score} below {threshold}"
        elif rivals:
            res.decision, res.reason = "review", f"ambiguous: {len(rivals) + 1} candidates within " \
                                                 f"{self.config.ambiguity_margin} points"
        elif best.difference_kind == "overpaid":
            res.decision, res.reason = "review", "amount needs a decision"
        else:
            res.decision, res.reason = "auto", f"score {best.score} >= {threshold}"
        return res

    def match(self, lines, threshold=None, thresholds=None):
        """LineResults in line order; automatic decisions consume the items they settle.

        ``thresholds`` maps a journal id to its own threshold (0 = never automatic).
        """
        results = []
        for line in lines:
            limit = thresholds.get(line.journal_id, threshold) if thresholds else threshold
            res = self.decide(line, self.candidates(line), limit)
            if res.decision == "auto":
                self.index.consume(res.best.allocations)
            results.append(res)
        return results
