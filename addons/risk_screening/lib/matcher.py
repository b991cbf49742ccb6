"""Sanctions name matching: a blocking index for candidates, rapidfuzz for scores.

Each list name is indexed under its squashed tokens (repeated letters
collapsed) and a 4-letter prefix of its longer tokens, so a query finds
candidates despite doubled or dropped letters, a moved word boundary or a
changed word order. Keys shared by too many names ("mohammed", "al") are
not used for blocking when a rarer key is available. Candidates are scored
0-100 as the best of an order-free token comparison and a comparison of the
names with spaces removed, then qualifiers adjust the score.
"""
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .name_normalizer import name_tokens, squash

DEFAULT_THRESHOLD = 90.0
WEAK_ALIAS_PENALTY = 8.0
BIRTH_YEAR_PENALTY = 10.0
MAX_KEY_POSTINGS = 400
COMMON_TOKEN_SHARE = 0.004
COMMON_TOKEN_MIN = 20


@dataclass(frozen=True, slots=True)
class ScreenQuery:
    name: str
    entry_type: str | None = None      # person / entity when known
    country: str | None = None         # ISO alpha-2
    birth_year: int | None = None
    bic: str | None = None
    identifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    entry: object
    matched_name: str
    score: float
    explanation: dict = field(default_factory=dict)


@dataclass(slots=True)
class _Name:
    entry_idx: int
    text: str
    tokens: tuple[str, ...]
    norm: str
    compact: str
    strong: bool


def _prepare(text, entity):
    tokens = tuple(name_tokens(text, entity=entity))
    return tokens, " ".join(tokens), "".join(tokens)


class NameIndex:
    def __init__(self, entries):
        self.entries = list(entries)
        self.names = []
        postings = defaultdict(list)
        self.identifier_index = defaultdict(set)
        for idx, entry in enumerate(self.entries):
            entity = entry.entry_type != "person"
            for list_name in entry.names:
                tokens, norm, compact = _prepare(list_name.name, entity)
                if not tokens:
                    continue
                name_id = len(self.names)
                self.names.append(_Name(idx, list_name.name, tokens, norm, compact, list_name.strong))
                for key in self._keys(tokens):
                    postings[key].append(name_id)
            for values in entry.identifiers.values():
                for value in values:
                    self.identifier_index[_ident(value)].add(idx)
        self.postings = {key: tuple(sorted(set(ids))) for key, ids in postings.items()}
        self.exact = defaultdict(list)
        for name_id, name in enumerate(self.names):
            if len(name.tokens) >= 2 or len(name.compact) >= 5:
                self.exact[name.norm].append(name_id)
        token_df = Counter(squash(t) for name in self.names for t in set(name.tokens))
        total = max(len(self.names), 1)
        self.common_tokens = frozenset(t for t, n in token_df.items()
                                       if n >= COMMON_TOKEN_MIN and n / total > COMMON_TOKEN_SHARE)
        self.idf = {t: math.log(total / n) for t, n in token_df.items()}

    @staticmethod
    def _keys(tokens):
        keys = set()
        for token in tokens:
            keys.add(squash(token))
            if len(token) >= 5:
                keys.add("p:" + token[:4])
        if len(tokens) > 1:
            keys.add("c:" + squash("".join(tokens))[:6])
        return keys

    def candidates(self, tokens):
        lists = [self.postings.get(key, ()) for key in self._keys(tokens)]
        lists = [ids for ids in lists if ids]
        if not lists:
            return set()
        rare = [ids for ids in lists if len(ids) <= MAX_KEY_POSTINGS]
        chosen = rare or [min(lists, key=len)]
        found = set()
        for ids in chosen:
            found.update(ids)
        return found

    def screen(self, query, threshold=DEFAULT_THRESHOLD, limit=10):
        """Return matches at or above ``threshold``, best first, one per list entry."""
        entity = query.entry_type not in (None, "person")
        tokens, norm, compact = _prepare(query.name, entity)
        best = {}
        if tokens:
            for name_id in self.candidates(tokens):
                cand = self.names[name_id]
                sort_score = fuzz.token_sort_ratio(norm, cand.norm)
                compact_score = fuzz.ratio(compact, cand.compact)
                base = max(sort_score, compact_score)
                if base < threshold - 20:
                    continue
                score, qualifiers = self._qualify(base, tokens, cand, query)
                if score >= threshold and score > best.get(cand.entry_idx, (0,))[0]:
                    best[cand.entry_idx] = (score, cand, base, sort_score, compact_score, qualifiers)
        for ident in _query_identifiers(query):
            for idx in self.identifier_index.get(ident, ()):
                entry = self.entries[idx]
                listed = _Name(idx, entry.primary_name, (), "", "", True)
                best[idx] = (100.0, listed, 100.0, 0, 0, [("identifier equal", ident)])
        matches = []
        for idx, (score, cand, base, sort_score, compact_score, qualifiers) in best.items():
            matches.append(Match(
                entry=self.entries[idx], matched_name=cand.text, score=round(score, 1),
                explanation={"name": cand.text, "alias_strength": "strong" if cand.strong else "weak",
                             "query_tokens": list(tokens), "list_tokens": list(cand.tokens),
                             "token_sort": round(sort_score, 1), "compact": round(compact_score, 1),
                             "base": round(base, 1), "qualifiers": qualifiers}))
        matches.sort(key=lambda m: -m.score)
        return matches[:limit]

    def names_in_text(self, text, max_ngram=6):
        """Listed names that appear word for word in free text (remittance information)."""
        tokens = name_tokens(text, entity=True)
        found = {}
        for size in range(1, max_ngram + 1):
            for start in range(len(tokens) - size + 1):
                for name_id in self.exact.get(" ".join(tokens[start:start + size]), ()):
                    name = self.names[name_id]
                    found.setdefault(name.entry_idx, Match(
                        entry=self.entries[name.entry_idx], matched_name=name.text, score=100.0,
                        explanation={"name": name.text, "in_text": True, "qualifiers": []}))
        return list(found.values())

    def _qualify(self, base, tokens, cand, query):
        score, qualifiers = base, []
        if not cand.strong:
            score -= WEAK_ALIAS_PENALTY
            qualifiers.append(("weak alias", -WEAK_ALIAS_PENALTY))
        entry = self.entries[cand.entry_idx]
        shared = {squash(t) for t in tokens} & {squash(t) for t in cand.tokens}
        if shared and shared <= self.common_tokens and len(cand.tokens) <= 2:
            score -= 6
            qualifiers.append(("only common name parts", -6))
        if query.birth_year and entry.birth_years:
            if any(abs(query.birth_year - y) <= 1 for y in entry.birth_years):
                score += 3
                qualifiers.append(("birth year", +3))
            else:
                # Lists often carry several uncertain dates: a different year lowers the
                # score, it does not clear an identical name.
                score -= BIRTH_YEAR_PENALTY
                qualifiers.append(("birth year differs", -BIRTH_YEAR_PENALTY))
        if query.country and entry.countries and len(query.country) == 2:
            if query.country.upper() in entry.countries:
                score += 2
                qualifiers.append(("country", +2))
        if query.entry_type and entry.entry_type != query.entry_type and \
                {query.entry_type, entry.entry_type} == {"person", "entity"}:
            score -= 10
            qualifiers.append(("type differs", -10))
        return min(score, 100.0), qualifiers


def _ident(value):
    return "".join(ch for ch in str(value).upper() if ch.isalnum())


def _query_identifiers(query):
    idents = [_ident(v) for v in query.identifiers if v]
    if query.bic:
        bic = _ident(query.bic)
        idents.append(bic)
        if len(bic) == 11 and bic.endswith("XXX"):
            idents.append(bic[:8])
        elif len(bic) == 8:
            idents.append(bic + "XXX")
    return [i for i in idents if len(i) >= 6]
