"""The matching rules, each a small plug-in: ``rule.candidates(line, index, config)`` -> Candidates.

Rules never decide: they propose scored, explained candidates; the engine ranks them and decides
what is reconciled automatically and what is left for review.
"""
from decimal import Decimal

from . import structured_refs
from .allocation import PENALTY, allocate
from .match_dto import Candidate
from .match_index import text_key, text_ngrams


def _candidate(rule, base, line, index, config, item_ids, why, partner_source="", references=()):
    result = allocate(line, item_ids, index, config)
    if result is None:
        return None
    allocations, difference, kind, note = result
    score = base - PENALTY[kind]
    partner, source = index.partner_of(line)
    partners = {index.items[i].partner_id for i in item_ids} - {None}
    partner_note = ""
    if partner and partners and partners != {partner}:
        score -= 30
        partner_note = "; partner differs from the line's"
    elif partner and partners:
        partner_note = f"; partner from {source or partner_source}"
    explanation = f"{why}; {note}{partner_note}"
    return Candidate(line_id=line.id, rule=rule, score=max(0, min(100, score)),
                     item_ids=tuple(i for i, _a in allocations), allocations=allocations,
                     difference=difference, difference_kind=kind, explanation=explanation,
                     references=tuple(references))


class OwnPaymentRule:
    """(1) Our own outgoing payments, found by EndToEndId, UETR, or the batch's MsgId / PmtInfId."""
    name = "own_payment"

    def candidates(self, line, index, config):
        found = []
        for label, key, table in (("EndToEndId", (line.end_to_end_id or "").strip().upper(), index.by_e2e),
                                  ("UETR", (line.uetr or "").strip().lower(), index.by_uetr)):
            ids = index.open_ids(table.get(key, ())) if key and key != "NOTPROVIDED" else []
            if len(ids) == 1:
                cand = _candidate(self.name, 100, line, index, config, ids, f"{label} {key} of payment "
                                  f"{index.items[ids[0]].name}", references=(key,))
                if cand:
                    found.append(cand)
        if line.batch_end_to_end_ids:
            ids = []
            for e2e in line.batch_end_to_end_ids:
                ids.extend(index.open_ids(index.by_e2e.get((e2e or "").strip().upper(), ())))
            ids = list(dict.fromkeys(ids))
            cand = ids and _candidate(self.name, 99, line, index, config, ids,
                                      f"batch of {len(line.batch_end_to_end_ids)} transactions booked as one line "
                                      f"({len(ids)} of our payments by EndToEndId)")
            if cand and cand.difference_kind not in ("partial", "overpaid"):
                found.append(cand)
        for batch in line.batch_ids:
            ids = index.open_ids(index.by_batch.get(batch.strip().upper(), ()))
            if ids:
                cand = _candidate(self.name, 99, line, index, config, ids,
                                  f"batch {batch} booked as one line ({len(ids)} payments)", references=(batch,))
                # A batch either matches as a whole or is for a human to look at.
                if cand and cand.difference_kind in ("partial", "overpaid"):
                    cand = None
                if cand:
                    found.append(cand)
        return found


class StructuredReferenceRule:
    """(2) A structured reference (RF, OGM, FI, NO/SE, QRR, SI, DK) with valid check digits."""
    name = "structured_reference"

    def candidates(self, line, index, config):
        text = " ".join(filter(None, (line.structured_ref, line.text)))
        tokens, refused = structured_refs.find_references(text)
        ids, refs = [], []
        for token in dict.fromkeys(tokens):
            hit = index.open_ids(index.by_structured.get(token, ()))
            if hit:
                ids.extend(hit)
                refs.append(token)
        ids = sorted(set(ids), key=index.order.get)
        if not ids:
            return []
        why = "structured reference " + ", ".join(refs)
        if refused:
            why += " (refused, wrong check digits: " + ", ".join(refused) + ")"
        cand = _candidate(self.name, 99, line, index, config, ids, why, references=refs)
        return [cand] if cand else []


class FreeTextRule:
    """(3) Invoice numbers / payment references in unstructured text, checked against amount and
    partner: one candidate with every item named (one payment for several invoices), or, when the
    amounts disagree, one suggestion per item."""
    name = "free_text"

    def candidates(self, line, index, config):
        keys = text_ngrams(line.text)
        ids, refs = [], []
        for key in sorted(keys, key=lambda k: (-len(k), k)):
            hit = index.open_ids(index.by_text.get(key, ()))
            if hit and not any(key in longer for longer in refs):
                ids.extend(hit)
                refs.append(key)
        ids = sorted(set(ids), key=index.order.get)
        if not ids or len(ids) > 20:
            return []
        partner, _source = index.partner_of(line)
        found = []
        # Without a partner to confirm it, only an exact amount reaches the default threshold.
        cand = _candidate(self.name, 98 if partner else 96, line, index, config, ids,
                          "reference " + ", ".join(refs) + " in the remittance text", references=refs)
        if cand:
            found.append(cand)
        if len(ids) > 1:
            for item_id in ids:
                single = _candidate(self.name, 70, line, index, config, [item_id],
                                    f"reference {text_key(index.items[item_id].name)} in the remittance text",
                                    references=refs)
                if single:
                    found.append(single)
        return found


class PartnerAmountRule:
    """(4) Partner (from the line or its counterparty IBAN / virtual account) and an amount equal to
    one open item, or to a combination of the partner's open items (bounded subset-sum)."""
    name = "partner_amount"

    def candidates(self, line, index, config):
        partner, source = index.partner_of(line)
        if not partner:
            return []
        ids = [i for i in index.open_ids(index.by_partner.get(partner, ()))
               if line.amount_in(index.items[i].currency) is not None]
        exact = [i for i in ids if index.residual[i] == line.amount_in(index.items[i].currency)]
        found = []
        if exact:
            base = 90 if len(exact) == 1 else 60
            for item_id in exact:
                cand = _candidate(self.name, base, line, index, config, [item_id],
                                  f"partner from {source}, amount equal to {index.items[item_id].name}"
                                  + ("" if len(exact) == 1 else f" (one of {len(exact)} equal items)"))
                if cand:
                    found.append(cand)
            return found
        combos = subset_sums(line, ids, index, config)
        for combo in combos:
            cand = _candidate(self.name, 85 if len(combos) == 1 else 55, line, index, config, list(combo),
                              f"partner from {source}, amount equal to the sum of {len(combo)} open items"
                              + ("" if len(combos) == 1 else f" (one of {len(combos)} combinations)"))
            if cand:
                found.append(cand)
        return found


def subset_sums(line, ids, index, config, limit=3):
    """Combinations of 2..subset_max_size items (same currency) whose residuals sum to the line.

    Bounded: only the ``subset_max_items`` oldest items, and at most ``subset_max_nodes`` steps, so a
    partner with thousands of open items costs a constant per line.
    """
    by_currency = {}
    for item_id in ids[: config.subset_max_items]:
        by_currency.setdefault(index.items[item_id].currency, []).append(item_id)
    results, budget = [], [config.subset_max_nodes]
    for currency, pool in by_currency.items():
        target = line.amount_in(currency)
        values = [index.residual[i] for i in pool]

        def walk(start, chosen, total, target=target, values=values, pool=pool):
            if budget[0] <= 0 or len(results) >= limit:
                return
            budget[0] -= 1
            if total == target and len(chosen) >= 2:
                results.append(tuple(pool[i] for i in chosen))
                return
            if len(chosen) >= config.subset_max_size:
                return
            for pos in range(start, len(pool)):
                value = values[pos]
                if (value > 0) != (target > 0):
                    continue
                if abs(total + value) > abs(target):
                    continue
                walk(pos + 1, [*chosen, pos], total + value)

        walk(0, [], Decimal(0))
    return results


class UserRuleSet:
    """(5) User-defined rules: label / partner / amount conditions -> an account (bank fees, ...),
    taxes included; one rule settles every line it fits, in one run."""
    name = "user_rule"

    def __init__(self, rules=()):
        self.rules = tuple(rules)

    def candidates(self, line, index, config):
        found = []
        text = "".join((line.text or "").upper().split())     # spaces and line breaks do not count
        partner, _source = index.partner_of(line)
        for rule in self.rules:
            if rule.label_contains and "".join(rule.label_contains.upper().split()) not in text:
                continue
            if rule.partner_id and rule.partner_id != partner:
                continue
            if rule.amount_min is not None and line.amount < rule.amount_min:
                continue
            if rule.amount_max is not None and line.amount > rule.amount_max:
                continue
            conditions = [f"label contains '{rule.label_contains}'" if rule.label_contains else "",
                          "partner" if rule.partner_id else "",
                          "amount range" if rule.amount_min is not None or rule.amount_max is not None else ""]
            found.append(Candidate(line_id=line.id, rule=self.name, score=rule.score, user_rule_id=rule.id,
                                   difference=line.amount, difference_kind="account",
                                   explanation=f"rule '{rule.name}' ({', '.join(c for c in conditions if c)})"
                                               " -> account"))
        return found


def default_rules(user_rules=()):
    return [OwnPaymentRule(), StructuredReferenceRule(), FreeTextRule(), PartnerAmountRule(), UserRuleSet(user_rules)]
