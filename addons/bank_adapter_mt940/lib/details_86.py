"""Structured :86: information to account owner, for the common layouts.

German DK layout: ``166?00SEPA-GUTSCHRIFT?20EREF+…?21SVWZ+…?30BIC?31IBAN?32Name``.
Dutch layout: ``/EREF/ref//IBAN/NL…//BIC/…//NAME/…//REMI/USTD//text/``.
Anything else is kept as free text.
"""
import re

GERMAN_RE = re.compile(r"^(\d{3})\?")
GERMAN_FIELD_RE = re.compile(r"\?(\d{2})")
SEPA_KEYWORDS = ("EREF", "KREF", "MREF", "CRED", "DEBT", "SVWZ", "ABWA", "ABWE", "IBAN", "BIC")
SEPA_KEY_RE = re.compile(r"(" + "|".join(SEPA_KEYWORDS) + r")\+")
DUTCH_TAG_RE = re.compile(r"/(EREF|IBAN|BIC|NAME|REMI|MARF|CSID|TRTP|RTRN|ISDT|ORDP|BENM|ULTC|ULTD|PURP|ID|ADDR|"
                          r"CNTP|PREF|SUM)/")


def _german(text):
    match = GERMAN_RE.match(text)
    fields, code = {}, match.group(1)
    parts = GERMAN_FIELD_RE.split(text[len(code):])
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        fields.setdefault(key, []).append(value)
    remittance = "".join("".join(fields.get(f"{n:02d}", [])) for n in list(range(20, 30)) + list(range(60, 64)))
    result = {"layout": "de", "transaction_code": code, "posting_text": "".join(fields.get("00", [])) or None,
              "bic": "".join(fields.get("30", [])) or None, "account": "".join(fields.get("31", [])) or None,
              "name": ("".join(fields.get("32", [])) + "".join(fields.get("33", []))).strip() or None}
    pieces = SEPA_KEY_RE.split(remittance)
    if len(pieces) > 1:
        keyed = dict(zip(pieces[1::2], (p.strip() for p in pieces[2::2]), strict=False))
        result["end_to_end_id"] = keyed.get("EREF") if keyed.get("EREF") not in (None, "NOTPROVIDED") else None
        result["mandate"] = keyed.get("MREF")
        result["remittance"] = keyed.get("SVWZ") or (pieces[0].strip() or None)
    else:
        result["remittance"] = remittance.strip() or None
    return result


def _dutch(text):
    flat = text.replace("\n", "")
    pieces = DUTCH_TAG_RE.split(flat)
    values = {}
    for tag, value in zip(pieces[1::2], pieces[2::2], strict=False):
        values.setdefault(tag, value.strip("/").strip())
    # ING: /CNTP/account/BIC/name/city/ instead of separate /IBAN/, /BIC/ and /NAME/ fields.
    counterparty = [*values.get("CNTP", "").split("/"), "", "", ""][:3]
    remittance = values.get("REMI", "")
    if remittance.startswith("USTD//"):
        remittance = remittance[6:]
    elif remittance.startswith("STRD/"):
        remittance = remittance.split("/")[-1]
    return {"layout": "nl", "end_to_end_id": values.get("EREF") if values.get("EREF") != "NOTPROVIDED" else None,
            "account": values.get("IBAN") or counterparty[0] or None,
            "bic": values.get("BIC") or counterparty[1] or None,
            "name": values.get("NAME") or counterparty[2] or None, "remittance": remittance.strip("/").strip() or None,
            "return_reason": values.get("RTRN")}


def parse_details(text):
    text = (text or "").strip()
    if not text:
        return {"layout": "empty"}
    if GERMAN_RE.match(text.replace("\n", "")):
        return _german(text.replace("\n", ""))
    if DUTCH_TAG_RE.search(text.replace("\n", "")) and "//" in text:
        return _dutch(text)
    return {"layout": "free", "remittance": " ".join(text.split())}
