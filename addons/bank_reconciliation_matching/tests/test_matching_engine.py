"""The pure matching engine and each of its rules, without a database."""
import unittest
from decimal import Decimal as D

from ..lib import structured_refs
from ..lib.match_dto import BankLine, MatchConfig, OpenItem, UserRule
from ..lib.match_engine import MatchEngine
from ..lib.match_index import MatchIndex
from ..lib.match_rules import (
    FreeTextRule,
    OwnPaymentRule,
    PartnerAmountRule,
    StructuredReferenceRule,
    UserRuleSet,
    subset_sums,
)


def item(id_, amount, partner=1, **kw):
    return OpenItem(id=id_, amount=D(amount), currency=kw.pop("currency", "EUR"), partner_id=partner, **kw)


def line(id_, amount, **kw):
    return BankLine(id=id_, amount=D(amount), currency=kw.pop("currency", "EUR"), **kw)


def run(rule, bank_line, items, config=None, ibans=None):
    config = config or MatchConfig()
    return rule.candidates(bank_line, MatchIndex(items, ibans), config)


class TestStructuredReferences(unittest.TestCase):
    def test_kinds_with_valid_check_digits(self):
        self.assertEqual(structured_refs.classify("RF18 5390 0754 7034"), "rf")
        self.assertEqual(structured_refs.classify("+++020/3430/57642+++"), "be")
        self.assertEqual(structured_refs.classify("210000000003139471430009017"), "ch")
        self.assertEqual(structured_refs.classify("+71<022646321691226+88655702<"), "dk")
        self.assertEqual(structured_refs.classify("SI01 1234-5678-9012"), None)   # wrong check digit
        self.assertEqual(structured_refs.classify("1232"), "fi")

    def test_wrong_check_digits_refused(self):
        self.assertIsNone(structured_refs.classify("RF19 5390 0754 7034"))
        self.assertIsNone(structured_refs.classify("+++020/3430/57643+++"))
        self.assertFalse(structured_refs.is_valid_qrr("210000000003139471430009018"))
        tokens, refused = structured_refs.find_references("pay RF19 5390 0754 7034 and +++020/3430/57643+++")
        self.assertIn("RF19539007547034", refused)
        self.assertIn("020343057643", refused)
        self.assertNotIn("RF19539007547034", tokens)

    def test_reference_split_over_lines_and_lower_case(self):
        tokens, _refused = structured_refs.find_references("rf18 5390\n0754 7034 thanks")
        self.assertIn("RF18539007547034", tokens)


class TestOwnPaymentRule(unittest.TestCase):
    def test_end_to_end_id(self):
        items = [item(1, "-250.00", kind="own_payment", name="P1", end_to_end_id="E2E-1"),
                 item(2, "-250.00", kind="own_payment", name="P2", end_to_end_id="E2E-2")]
        [cand] = run(OwnPaymentRule(), line(10, "-250.00", end_to_end_id="e2e-2"), items)
        self.assertEqual((cand.item_ids, cand.score), ((2,), 100))
        self.assertIn("EndToEndId E2E-2", cand.explanation)

    def test_uetr_and_charges(self):
        uetr = "97ed4827-7b6f-4491-a06f-b548d5a7512d"
        items = [item(1, "-100.00", kind="own_payment", name="P1", uetr=uetr)]
        [cand] = run(OwnPaymentRule(), line(10, "-102.50", uetr=uetr.upper(), charges=D("2.50")), items)
        self.assertEqual((cand.difference_kind, cand.difference), ("charges", D("-2.50")))

    def test_batch_listed_by_end_to_end_ids(self):
        items = [item(i, "-40.00", partner=i, kind="own_payment", end_to_end_id=f"E-{i}") for i in (1, 2, 3)]
        [cand] = run(OwnPaymentRule(), line(10, "-80.00", batch_end_to_end_ids=("E-1", "E-3")), items)
        self.assertEqual((cand.item_ids, cand.score), ((1, 3), 99))
        self.assertEqual(run(OwnPaymentRule(), line(11, "-70.00", batch_end_to_end_ids=("E-1", "E-3")), items), [])

    def test_batch_booked_as_one_line(self):
        items = [item(i, "-100.00", partner=i, kind="own_payment", batch_ids=("MSG-7", "PMT-7")) for i in (1, 2, 3)]
        items.append(item(4, "-100.00", kind="own_payment", batch_ids=("MSG-8",)))
        [cand] = run(OwnPaymentRule(), line(10, "-300.00", batch_ids=("MSG-7",)), items)
        self.assertEqual(cand.item_ids, (1, 2, 3))
        self.assertEqual(run(OwnPaymentRule(), line(11, "-250.00", batch_ids=("MSG-7",)), items), [])


class TestStructuredReferenceRule(unittest.TestCase):
    def test_rf_in_text_matches_invoice(self):
        items = [item(1, "100.00", name="INV/1", reference="RF18 5390 0754 7034"), item(2, "100.00", name="INV/2")]
        [cand] = run(StructuredReferenceRule(), line(10, "100.00", text="Thanks RF18 5390 0754 7034"), items)
        self.assertEqual((cand.item_ids, cand.score, cand.difference_kind), ((1,), 99, ""))

    def test_wrong_check_digit_never_matches(self):
        # The invoice reference RF18...; the payer typed RF19... (refused) : no structured match.
        items = [item(1, "100.00", name="X", reference="RF18 5390 0754 7034")]
        self.assertEqual(run(StructuredReferenceRule(), line(10, "100.00", text="RF19 5390 0754 7034"), items), [])

    def test_ogm_partial_payment(self):
        items = [item(1, "500.00", name="F1", reference="+++020/3430/57642+++")]
        [cand] = run(StructuredReferenceRule(), line(10, "200.00", structured_ref="020343057642"), items)
        self.assertEqual((cand.difference_kind, cand.allocations), ("partial", ((1, D("200.00")),)))
        self.assertEqual(cand.score, 96)

    def test_qrr(self):
        items = [item(1, "42.00", name="F1", reference="21 00000 00003 13947 14300 09017")]
        [cand] = run(StructuredReferenceRule(), line(10, "42.00", structured_ref="210000000003139471430009017"), items)
        self.assertEqual(cand.item_ids, (1,))


class TestFreeTextRule(unittest.TestCase):
    def test_invoice_number_with_noise(self):
        items = [item(1, "119.00", name="INV/2026/00012"), item(2, "119.00", name="INV/2026/00013")]
        [cand] = run(FreeTextRule(), line(10, "119.00", partner_id=1, text="pmt  inv/2026/000\n12 thx"), items)
        self.assertEqual((cand.item_ids, cand.score), ((1,), 98))

    def test_one_payment_for_several_invoices(self):
        items = [item(1, "100.00", name="INV/2026/00001"), item(2, "50.00", name="INV/2026/00002")]
        cands = run(FreeTextRule(), line(10, "150.00", partner_id=1, text="INV/2026/00001 INV/2026/00002"), items)
        self.assertEqual((cands[0].item_ids, cands[0].difference_kind), ((1, 2), ""))

    def test_partner_conflict_lowers_the_score(self):
        items = [item(1, "100.00", partner=2, name="INV/2026/00001")]
        [cand] = run(FreeTextRule(), line(10, "100.00", partner_id=1, text="INV/2026/00001"), items)
        self.assertLess(cand.score, 70)

    def test_short_digit_tokens_are_noise(self):
        items = [item(1, "100.00", name="1234")]
        self.assertEqual(run(FreeTextRule(), line(10, "100.00", text="order 1234"), items), [])

    def test_write_off_within_tolerance(self):
        items = [item(1, "100.00", name="INV/2026/00001")]
        config = MatchConfig(writeoff_tolerance=D("0.50"))
        [cand] = run(FreeTextRule(), line(10, "99.70", partner_id=1, text="INV/2026/00001"), items, config)
        self.assertEqual((cand.difference_kind, cand.difference), ("writeoff", D("-0.30")))


class TestPartnerAmountRule(unittest.TestCase):
    def test_iban_to_partner_and_single_amount(self):
        items = [item(1, "80.00", partner=7, name="A"), item(2, "90.00", partner=7, name="B")]
        [cand] = run(PartnerAmountRule(), line(10, "90.00", counterparty_iban="DE89 3704 0044 0532 0130 00"),
                     items, ibans={"DE89370400440532013000": 7})
        self.assertEqual((cand.item_ids, cand.score), ((2,), 90))
        self.assertIn("counterparty IBAN", cand.explanation)

    def test_equal_amounts_are_ambiguous(self):
        items = [item(1, "90.00", name="A"), item(2, "90.00", name="B")]
        engine = MatchEngine(items)
        [res] = engine.match([line(10, "90.00", partner_id=1)])
        self.assertEqual(res.decision, "review")

    def test_subset_sum(self):
        items = [item(1, "10.00"), item(2, "25.00"), item(3, "40.00"), item(4, "7.00")]
        cands = run(PartnerAmountRule(), line(10, "65.00", partner_id=1), items)
        self.assertEqual([c.item_ids for c in cands], [(2, 3)])

    def test_subset_sum_is_bounded(self):
        items = [item(i, "1.00") for i in range(1, 40)]
        config = MatchConfig(subset_max_items=5, subset_max_size=3)
        index = MatchIndex(items)
        # 39 items could make 6.00 but only the 5 oldest, at most 3 at a time, are searched.
        self.assertEqual(subset_sums(line(10, "6.00", partner_id=1), list(index.items), index, config), [])
        found = subset_sums(line(10, "3.00", partner_id=1), list(index.items), index, config)
        self.assertTrue(found and all(set(c) <= {1, 2, 3, 4, 5} for c in found))
        budget = MatchConfig(subset_max_nodes=3)
        self.assertEqual(subset_sums(line(10, "3.00", partner_id=1), list(index.items), index, budget), [])


class TestUserRules(unittest.TestCase):
    def test_rule_applies_to_many_lines(self):
        fees = UserRule(id=5, name="Bank fees", account_id=99, label_contains="fee", amount_max=D("0"))
        lines = [line(i, "-3.50", text=f"Account FEE {i}") for i in range(1, 30)]
        engine = MatchEngine([], user_rules=[fees])
        results = engine.match([*lines, line(40, "3.50", text="fee refund")])
        self.assertEqual([r.decision for r in results[:-1]], ["auto"] * 29)
        self.assertEqual(results[-1].decision, "none")
        self.assertEqual(results[0].best.user_rule_id, 5)

    def test_rule_conditions(self):
        rule = UserRule(id=1, name="r", account_id=1, partner_id=3)
        self.assertEqual(run(UserRuleSet([rule]), line(1, "5", partner_id=4), []), [])
        self.assertEqual(len(run(UserRuleSet([rule]), line(1, "5", partner_id=3), [])), 1)


class TestEngine(unittest.TestCase):
    def test_threshold_and_explanation(self):
        items = [item(1, "100.00", name="INV/2026/00001", reference="RF18 5390 0754 7034")]
        [res] = MatchEngine(items).match([line(1, "100.00", text="RF18539007547034")])
        self.assertEqual(res.decision, "auto")
        self.assertIn("structured reference RF18539007547034", res.best.explanation)
        [res] = MatchEngine(items, config=MatchConfig(auto_threshold=100)).match(
            [line(1, "100.00", text="RF18539007547034")])
        self.assertEqual(res.decision, "review")

    def test_threshold_zero_per_journal_is_never_automatic(self):
        items = [item(1, "100.00", reference="RF18 5390 0754 7034")]
        [res] = MatchEngine(items).match([line(1, "100.00", text="RF18539007547034", journal_id=3)],
                                         thresholds={3: 0})
        self.assertEqual(res.decision, "review")

    def test_several_payments_for_one_invoice(self):
        items = [item(1, "300.00", name="INV/2026/00009")]
        engine = MatchEngine(items)
        first, second, third = engine.match([line(i, "100.00", partner_id=1, text="INV/2026/00009")
                                             for i in (1, 2, 3)])
        self.assertEqual([r.best.difference_kind for r in (first, second)], ["partial", "partial"])
        self.assertEqual(third.best.difference_kind, "")
        self.assertEqual(engine.index.residual[1], 0)
        [late] = engine.match([line(4, "100.00", partner_id=1, text="INV/2026/00009")])
        self.assertEqual(late.decision, "none")

    def test_overpayment_goes_to_review(self):
        items = [item(1, "100.00", name="INV/2026/00001")]
        [res] = MatchEngine(items).match([line(1, "150.00", partner_id=1, text="INV/2026/00001")])
        self.assertEqual((res.decision, res.best.difference_kind), ("review", "overpaid"))

    def test_foreign_currency_line(self):
        items = [item(1, "200.00", name="INV/2026/00077", currency="USD")]
        bank = line(1, "182.00", partner_id=1, text="INV/2026/00077", foreign_amount=D("200.00"), foreign_currency="USD")
        [res] = MatchEngine(items).match([bank])
        self.assertEqual((res.decision, res.best.allocations), ("auto", ((1, D("200.00")),)))
        self.assertEqual(MatchEngine(items).match([line(2, "182.00", partner_id=1, text="INV/2026/00077")])[0].decision,
                         "none")
