"""A generated, labelled corpus for the bank matching engine: open items and bank lines with the
noise real remittance data has, and for every line the items (or rule) it really settles.

Deterministic for a given seed. Used by ``make matching-eval`` and the matching benchmark.
"""
import random
from dataclasses import dataclass
from decimal import Decimal

from odoo.addons.account.tools.structured_reference import format_structured_reference_iso
from odoo.addons.bank_reconciliation_matching.lib.match_dto import BankLine, OpenItem, UserRule

CENT = Decimal("0.01")


def ogm(number):
    base = f"{number:010d}"
    check = int(base) % 97 or 97
    digits = f"{base}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def iban(n):
    bban = f"37040044{n:010d}"
    return f"DE{98 - int(bban + '131400') % 97:02d}{bban}"


@dataclass
class Labelled:
    line: BankLine
    expected: tuple          # item ids it settles; () = nothing; ("rule", id) = a user rule
    kind: str


FEE_RULE = UserRule(id=1, name="Bank fees", account_id=1, label_contains="KONTOFUEHRUNG", amount_max=Decimal(0))


def noisy(text, rng):
    """Wrong case, doubled spaces, a line break inside, a prefix and a suffix."""
    roll = rng.random()
    if roll < 0.25:
        text = text.lower()
    elif roll < 0.5:
        text = text.replace(" ", "  ")
    elif roll < 0.7 and len(text) > 8:
        cut = rng.randrange(4, len(text) - 2)
        text = text[:cut] + "\n" + text[cut:]
    prefix = rng.choice(["", "Payment ", "SEPA Credit ", "Ueberweisung ", "REF: "])
    suffix = rng.choice(["", " thank you", " / order 88", " KD-Nr 4471", ""])
    return f"{prefix}{text}{suffix}"


def generate(n_lines, n_items=None, seed=7, n_partners=None):
    """(items, partner_by_iban, labelled lines). ``n_items`` >= the items the lines settle."""
    rng = random.Random(seed)
    n_partners = n_partners or max(20, n_lines // 5)
    partner_ibans = {p: iban(10_000 + p) for p in range(1, n_partners + 1)}
    items, lines = [], []
    next_id = [1]

    def new_item(partner, amount, reference="", kind="invoice", **kw):
        item_id = next_id[0]
        next_id[0] += 1
        name = f"INV/2026/{item_id:05d}" if kind == "invoice" else f"PAY/2026/{item_id:05d}"
        item = OpenItem(id=item_id, amount=amount, currency="EUR", partner_id=partner, kind=kind, name=name,
                        reference=reference or name, **kw)
        items.append(item)
        return item

    def amount():
        return (Decimal(rng.randrange(1000, 500000)) / 100).quantize(CENT)

    mix = [("rf", 0.30), ("ogm", 0.12), ("free_text", 0.22), ("own_payment", 0.08), ("batch", 0.02),
           ("partial", 0.05), ("multi", 0.04), ("fees", 0.04), ("charges", 0.03), ("iban_amount", 0.04),
           ("typo_rf", 0.02), ("truncated", 0.02), ("noise", 0.02)]
    kinds = [k for k, _w in mix]
    weights = [w for _k, w in mix]
    for line_id in range(1, n_lines + 1):
        kind = rng.choices(kinds, weights)[0]
        partner = rng.randrange(1, n_partners + 1)
        use_iban = rng.random() < 0.7
        line_kw = {"counterparty_iban": partner_ibans[partner] if use_iban else None,
                   "counterparty_name": f"Customer {partner}"}
        value = amount()
        expected = ()
        if kind in ("rf", "typo_rf"):
            ref = format_structured_reference_iso(rng.randrange(10**6, 10**12))
            item = new_item(partner, value, ref)
            shown = ref
            if kind == "typo_rf":      # one digit wrong: the check digits refuse it
                digits = list(shown)
                pos = rng.randrange(5, len(digits))
                while not digits[pos].isdigit():
                    pos = rng.randrange(5, len(digits))
                digits[pos] = str((int(digits[pos]) + 1) % 10)
                shown = "".join(digits)
                line_kw["counterparty_iban"] = None      # nothing else says who paid
                expected = ()
            else:
                expected = (item.id,)
            text = noisy(shown, rng)
            bank = BankLine(id=line_id, amount=value, currency="EUR", text=text, **line_kw)
        elif kind == "ogm":
            ref = ogm(rng.randrange(10**9))
            item = new_item(partner, value, ref)
            expected = (item.id,)
            structured = rng.random() < 0.5
            bank = BankLine(id=line_id, amount=value, currency="EUR",
                            structured_ref=ref.strip("+").replace("/", "") if structured else None,
                            text="" if structured else noisy(ref, rng), **line_kw)
        elif kind in ("free_text", "truncated"):
            item = new_item(partner, value)
            text = noisy(item.name, rng)
            if kind == "truncated":    # remittance cut before the reference ends: only IBAN + amount left
                text = f"Rechnung {item.name[:6]}"
            expected = (item.id,)
            bank = BankLine(id=line_id, amount=value, currency="EUR", text=text, **line_kw)
        elif kind == "own_payment":
            e2e = f"E2E-{line_id:08d}"
            item = new_item(partner, -value, kind="own_payment", end_to_end_id=e2e)
            expected = (item.id,)
            bank = BankLine(id=line_id, amount=-value, currency="EUR", end_to_end_id=e2e,
                            text=f"SEPA Overboeking {line_id}", **line_kw)
        elif kind == "batch":
            msg = f"MSG-{line_id:08d}"
            batch = [new_item(rng.randrange(1, n_partners + 1), -amount(), kind="own_payment",
                              batch_ids=(msg, f"{msg}-1")) for _i in range(rng.randrange(2, 6))]
            expected = tuple(i.id for i in batch)
            bank = BankLine(id=line_id, amount=sum((i.amount for i in batch), Decimal(0)), currency="EUR",
                            batch_ids=(msg,), text=f"Sammler {msg}")
        elif kind == "partial":
            item = new_item(partner, value)
            paid = (value * Decimal(rng.choice(["0.5", "0.3", "0.25"]))).quantize(CENT)
            expected = (item.id,)
            bank = BankLine(id=line_id, amount=paid, currency="EUR", text=noisy(f"{item.name} teilzahlung", rng),
                            **line_kw)
        elif kind == "multi":
            group = [new_item(partner, amount()) for _i in range(rng.randrange(2, 4))]
            expected = tuple(i.id for i in group)
            bank = BankLine(id=line_id, amount=sum((i.amount for i in group), Decimal(0)), currency="EUR",
                            text=noisy(" ".join(i.name for i in group), rng), **line_kw)
        elif kind == "fees":
            expected = ("rule", FEE_RULE.id)
            bank = BankLine(id=line_id, amount=-(Decimal(rng.randrange(100, 2500)) / 100), currency="EUR",
                            text=noisy("Kontofuehrung Gebuehren", rng))
        elif kind == "charges":
            item = new_item(partner, -value, kind="own_payment", end_to_end_id=f"E2E-C-{line_id}")
            fee = Decimal(rng.choice(["2.50", "5.00", "12.00"]))
            expected = (item.id,)
            bank = BankLine(id=line_id, amount=-value - fee, currency="EUR", end_to_end_id=f"E2E-C-{line_id}",
                            charges=fee, text="SWIFT payment", **line_kw)
        elif kind == "iban_amount":
            item = new_item(partner, value)
            expected = (item.id,)
            line_kw["counterparty_iban"] = partner_ibans[partner]
            bank = BankLine(id=line_id, amount=value, currency="EUR", text="Zahlung", **line_kw)
        else:   # noise: nothing of ours
            bank = BankLine(id=line_id, amount=amount(), currency="EUR", text=f"Gutschrift {rng.randrange(10**6)}")
        lines.append(Labelled(bank, expected, kind))
    # Distractors: other open items of the same partners (same-looking names, other amounts).
    while len(items) < (n_items or 0) or len(items) < n_lines // 2:
        new_item(rng.randrange(1, n_partners + 1), amount(),
                 format_structured_reference_iso(rng.randrange(10**6, 10**12)) if rng.random() < 0.5 else "")
    partner_by_iban = {v: k for k, v in partner_ibans.items()}
    return items, partner_by_iban, lines


def judge(results, labelled):
    """(precision of automatic reconciliations, recall of the top suggestion, auto rate, details)."""
    auto = wrong_auto = top_right = matchable = 0
    wrong = []
    for res, lab in zip(results, labelled, strict=True):
        best = res.best
        if lab.expected and lab.expected[0] == "rule":
            got = ("rule", best.user_rule_id) if best and best.user_rule_id else None
        else:
            got = tuple(sorted(best.item_ids)) if best and best.item_ids else None
        want = tuple(sorted(lab.expected)) if lab.expected and lab.expected[0] != "rule" else lab.expected
        if lab.expected:
            matchable += 1
            top_right += got == want
        if res.decision == "auto":
            auto += 1
            if got != want or not lab.expected:
                wrong_auto += 1
                wrong.append((lab.kind, lab.line.text, want, got, best.explanation))
    precision = (auto - wrong_auto) / auto if auto else 1.0
    recall = top_right / matchable if matchable else 1.0
    auto_rate = auto / matchable if matchable else 0.0
    return precision, recall, auto_rate, {"lines": len(labelled), "matchable": matchable, "auto": auto,
                                          "wrong_auto": wrong_auto, "wrong": wrong}
