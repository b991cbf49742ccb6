"""Normalisation, scoring, qualifiers and explanations of the matcher."""
import unittest
from datetime import date
from decimal import Decimal

from ..lib.fallback_policy import fallback_holds
from ..lib.list_dto import ListEntry, ListName
from ..lib.matcher import NameIndex, ScreenQuery
from ..lib.name_normalizer import fold, name_tokens, reorder_comma


def entry(ref, *names, kind="person", years=(), countries=(), ids=None, weak=()):
    return ListEntry(source="t", ref=ref, entry_type=kind,
                     names=tuple(ListName(n, n not in weak, i == 0) for i, n in enumerate(names)),
                     birth_years=years, countries=countries, identifiers=ids or {})


INDEX = NameIndex([
    entry("1", "SALEK, Abdulhai", years=(1965,), countries=("AF",)),
    entry("2", "Blackwater Trading LLC", "Black Water Trading", kind="entity", ids={"bic": ("BLKWAEAD",)}),
    entry("3", "Ivan PETROV", "Vanya", weak=("Vanya",), years=(1961,)),
    entry("4", "Green Crescent Relief Foundation", kind="entity"),
    entry("5", "Владимир Кузнецов"),
])


def best(name, **kw):
    matches = INDEX.screen(ScreenQuery(name=name, **kw), threshold=kw.pop("threshold", 80) if False else 80)
    return matches[0] if matches else None


class TestNormaliser(unittest.TestCase):
    def test_fold_and_transliterate(self):
        self.assertEqual(fold("Müller-Lüdenscheidt & Co."), "muller ludenscheidt co")
        self.assertEqual(fold("Владимир"), "vladimir")

    def test_comma_reorder_but_not_suffixes(self):
        self.assertEqual(reorder_comma("SALEK, ABDULHAI"), "ABDULHAI SALEK")
        self.assertEqual(reorder_comma("LAVILLA, JR"), "LAVILLA, JR")

    def test_legal_forms_dropped_for_entities(self):
        self.assertEqual(name_tokens("Blackwater Trading GmbH", entity=True), ["blackwater", "trading"])
        self.assertEqual(name_tokens("OOO Romashka", entity=True), ["romashka"])


class TestMatcher(unittest.TestCase):
    def test_reordered_person(self):
        match = best("Abdulhai Salek")
        self.assertEqual((match.entry.ref, match.score), ("1", 100.0))

    def test_typo_and_double_letter(self):
        self.assertEqual(best("Abdullhai Saleck").entry.ref, "1")

    def test_legal_form_does_not_matter(self):
        match = best("BLACKWATER TRADING L.L.C.", entry_type="entity")
        self.assertEqual((match.entry.ref, match.score), ("2", 100.0))

    def test_cyrillic_list_name_matches_latin_query(self):
        self.assertEqual(best("Vladimir Kuznetsov").entry.ref, "5")

    def test_weak_alias_scores_lower(self):
        match = INDEX.screen(ScreenQuery(name="Vanya"), threshold=50)[0]
        self.assertEqual(match.score, 92.0)
        self.assertIn(("weak alias", -8.0), match.explanation["qualifiers"])

    def test_birth_year_qualifiers(self):
        same = best("Ivan Petrov", birth_year=1961)
        other = INDEX.screen(ScreenQuery(name="Ivan Petrov", birth_year=1990), threshold=50)[0]
        self.assertEqual(same.score, 100.0)
        self.assertEqual(other.score, 90.0)
        self.assertIn(("birth year differs", -10.0), other.explanation["qualifiers"])

    def test_type_mismatch_lowers(self):
        match = INDEX.screen(ScreenQuery(name="Ivan Petrov", entry_type="entity"), threshold=50)[0]
        self.assertEqual(match.score, 90.0)

    def test_bic_identifier_equality(self):
        match = INDEX.screen(ScreenQuery(name="Totally Different Name", bic="BLKWAEADXXX"))[0]
        self.assertEqual((match.entry.ref, match.score), ("2", 100.0))
        self.assertEqual(match.explanation["qualifiers"], [("identifier equal", "BLKWAEAD")])

    def test_unrelated_name_no_hit(self):
        self.assertEqual(INDEX.screen(ScreenQuery(name="Maria Lopez Garcia")), [])

    def test_explanation(self):
        exp = best("Salek, Abdulhai").explanation
        self.assertEqual(exp["query_tokens"], ["abdulhai", "salek"])
        self.assertEqual(exp["name"], "SALEK, Abdulhai")

    def test_names_in_remittance_text(self):
        found = INDEX.names_in_text("Donation to Green Crescent Relief Foundation, invoice 42")
        self.assertEqual([m.entry.ref for m in found], ["4"])
        self.assertEqual(INDEX.names_in_text("Invoice 42 for office chairs"), [])


class TestFallbackPolicy(unittest.TestCase):
    def test_block(self):
        holds = fallback_holds("block", Decimal("1"), Decimal("1000"), "timeout")
        self.assertEqual(holds[0].code, "screening.unavailable.block")
        self.assertIn("timeout", holds[0].reason)

    def test_allow_below(self):
        self.assertEqual(fallback_holds("allow_below", Decimal("999.99"), Decimal("1000"), "down"), [])
        self.assertEqual(fallback_holds("allow_below", Decimal("1000"), Decimal("1000"), "down")[0].code,
                         "screening.unavailable.amount")

    def test_review(self):
        self.assertEqual(fallback_holds("review", Decimal("5"), Decimal("1000"), "slow")[0].code,
                         "screening.unavailable.review")

    def test_unknown(self):
        with self.assertRaises(ValueError):
            fallback_holds("maybe", Decimal("5"), Decimal("1"), "x")


del date
