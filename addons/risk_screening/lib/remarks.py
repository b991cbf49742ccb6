"""Facts buried in free-text remarks (OFAC): birth years, BIC, IMO, passports, nationality."""
import re

DOB_RE = re.compile(r"\bDOB\b[^;]*", re.I)
YEAR_RE = re.compile(r"\b(1[89]\d\d|20[0-2]\d)\b")
BIC_RE = re.compile(r"SWIFT/BIC\s+([A-Z0-9]{8,11})", re.I)
IMO_RE = re.compile(r"\bIMO\s+(\d{7})", re.I)
PASSPORT_RE = re.compile(r"\bPassport\s+([A-Z0-9-]{5,})", re.I)
NATIONAL_RE = re.compile(r"\b(?:nationality|citizen)\s+([A-Za-z ]+?)(?:;|\.|$)", re.I)


def parse_remarks(text):
    text = text or ""
    years = set()
    for dob in DOB_RE.findall(text):
        years.update(int(y) for y in YEAR_RE.findall(dob))
    identifiers = {}
    for key, regex in (("bic", BIC_RE), ("imo", IMO_RE), ("passport", PASSPORT_RE)):
        found = tuple(dict.fromkeys(m.upper() for m in regex.findall(text)))
        if found:
            identifiers[key] = found
    nationalities = tuple(dict.fromkeys(n.strip() for n in NATIONAL_RE.findall(text)))
    return tuple(sorted(years)), identifiers, nationalities
