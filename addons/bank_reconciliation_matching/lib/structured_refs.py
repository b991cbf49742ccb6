"""Structured payment references found in remittance text, check digits verified.

The national validators are Odoo's own (``account/tools/structured_reference.py``); Odoo has none
for the Swiss QR reference, which is checked here (27 digits, recursive modulo 10). A token that
has the shape of a structured reference but wrong check digits is *refused*: it is reported and
never used, by this rule or by the free-text rule (digits alone gave false matches, odoo#39005).
"""
import functools
import re

from odoo.addons.account.tools import structured_reference as odoo_refs

_QRR_TABLE = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)


def is_valid_qrr(reference):
    """Swiss QR reference: 27 digits, the last one a recursive modulo 10 check digit."""
    ref = re.sub(r"\s", "", reference or "")
    if not re.fullmatch(r"\d{27}", ref):
        return False
    carry = 0
    for digit in ref[:-1]:
        carry = _QRR_TABLE[(carry + int(digit)) % 10]
    return (10 - carry) % 10 == int(ref[-1])


def _is_valid_si(ref):
    return bool(odoo_refs.is_valid_structured_reference_si(ref))


# (kind, shape of the compact token, validator). Order = priority when a token fits several shapes.
KINDS = (
    ("rf", re.compile(r"RF\d{2}[0-9A-Z]{1,21}"), odoo_refs.is_valid_structured_reference_iso),
    ("dk", re.compile(r"\+?7[15]<\d{15,16}\+\d{8}<"), odoo_refs.is_valid_structured_reference_dk),
    ("si", re.compile(r"SI01\d+-\d+-\d+"), _is_valid_si),
    ("be", re.compile(r"\d{12}"), odoo_refs.is_valid_structured_reference_be),
    ("ch", re.compile(r"\d{27}"), is_valid_qrr),
    ("fi", re.compile(r"\d{4,20}"), odoo_refs.is_valid_structured_reference_fi),
    ("no_se", re.compile(r"\d{4,25}"), odoo_refs.is_valid_structured_reference_no_se),
)
_KIND_BY_NAME = {kind: (shape, check) for kind, shape, check in KINDS}


def normalize(reference):
    """Compact upper-case form used as the index key (``+++020/3430/57642+++`` -> ``020343057642``)."""
    ref = odoo_refs.sanitize_structured_reference(reference or "").upper()
    return ref


@functools.lru_cache(maxsize=1 << 17)
def classify(reference):
    """The kind of a *valid* structured reference (an invoice's payment reference), or None.

    Cached: a matching run classifies each open item's reference when reading it and again when
    indexing it (check digits of 50,000 references cost about a second)."""
    ref = normalize(reference)
    if not ref:
        return None
    for kind, shape, check in KINDS:
        if shape.fullmatch(ref) and check(ref):
            return kind
    return None


def is_valid(kind, token):
    shape, check = _KIND_BY_NAME[kind]
    return bool(shape.fullmatch(token) and check(token))


_OGM = re.compile(r"([+*]{3})?\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:[+*]{3})?")
_RF = re.compile(r"R\s*F\s*\d\s*\d(?:\s*[0-9A-Z]){1,21}")
_DK = re.compile(r"\+?7[15]<\d{15,16}\+\d{8}<")
_SI = re.compile(r"SI\s*01\s*\d+-\d+-\d+")
_DIGITS = re.compile(r"\d[\d ]{2,40}\d")


def find_references(text):
    """(tokens, refused): compact tokens that may be structured references, and those refused.

    ``tokens`` holds every candidate form (RF with each plausible end, digit runs with and without
    their inner spaces); the caller looks them up in its index of valid references. ``refused``
    lists the tokens that have an unmistakable structured shape (RF…, +++…+++, SI01…, +71<…) but
    fail their check digits.
    """
    text = (text or "").upper()
    tokens, refused = [], []
    for match in _OGM.finditer(text):
        token = "".join(match.group(2, 3, 4))
        (tokens if is_valid("be", token) else refused).append(token)
    for match in _RF.finditer(text):
        compact = re.sub(r"\s", "", match.group(0))
        # The reference may be followed by other words: try each length, keep the valid ones.
        valid = [compact[:end] for end in range(len(compact), 4, -1) if is_valid("rf", compact[:end])]
        if valid:
            tokens.extend(valid)
        else:
            # Report the reference itself, not the words that follow it.
            refused.append(re.sub(r"\s", "", re.sub(r"(\s+[A-Z]+)+$", "", match.group(0))))
    for pattern, kind in ((_DK, "dk"), (_SI, "si")):
        for match in pattern.finditer(text):
            token = re.sub(r"\s", "", match.group(0))
            (tokens if is_valid(kind, token) else refused).append(token)
    for match in _DIGITS.finditer(text):
        run = match.group(0)
        tokens.append(run.replace(" ", ""))
        tokens.extend(part for part in run.split() if len(part) >= 4)
    return tokens, refused
