"""Name normalisation shared by list indexing and screening queries.

ASCII transliteration (``anyascii``), case and punctuation folding, legal
forms dropped from entity names, and "LAST, First" turned into "First LAST".
"""
import re

from anyascii import anyascii

NON_ALNUM_RE = re.compile(r"[^a-z0-9]+")
JOINED_PUNCT_RE = re.compile(r"[.'’‘`]")
REPEAT_RE = re.compile(r"(.)\1+")
LEGAL_FORMS = frozenset("""
    llc ltd limited gmbh mbh ooo oao zao pao ao jsc pjsc cjsc ojsc sa sarl sas spa srl bv nv ag kg
    inc incorporated corp corporation co company plc llp lp fze fzco fzc pte pvt sdn bhd tov
    ug ab oy as aps kft sro spol zrt doo dd ad ead jv llc.
""".split())
STOP_WORDS = frozenset("the and of for de del la le et".split())
NAME_SUFFIXES = frozenset("jr sr ii iii iv".split())


def fold(text):
    """ASCII, lower case, punctuation to spaces."""
    text = JOINED_PUNCT_RE.sub("", anyascii(text or "").lower())   # L.L.C. → llc, O'Neil → oneil
    return NON_ALNUM_RE.sub(" ", text).strip()


def reorder_comma(text):
    """'SALEK, ABDULHAI' → 'ABDULHAI SALEK'; 'LAVILLA, JR' stays."""
    if text.count(",") != 1:
        return text
    last, first = (part.strip() for part in text.split(","))
    if not first or fold(first) in NAME_SUFFIXES or fold(first) in LEGAL_FORMS:
        return text
    return f"{first} {last}"


def name_tokens(text, entity=False):
    tokens = fold(reorder_comma(text)).split()
    drop = LEGAL_FORMS | STOP_WORDS if entity else STOP_WORDS
    kept = [t for t in tokens if t not in drop and t not in NAME_SUFFIXES]
    return kept or tokens


def squash(token):
    """Blocking key: repeated letters collapsed ('abdullah' and 'abdulah' meet)."""
    return REPEAT_RE.sub(r"\1", token)
