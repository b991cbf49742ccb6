"""UN Security Council consolidated list (CONSOLIDATED_LIST XML)."""
import hashlib
import re

from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.safe_xml import parse_xml

from .list_dto import ListEntry, ListName, ListSnapshot

YEAR_RE = re.compile(r"(1[89]\d\d|20[0-2]\d)")


def _text(node, path):
    found = node.find(path)
    return (found.text or "").strip() if found is not None and found.text else ""


def _values(node, path):
    return tuple(dict.fromkeys((v.text or "").strip() for v in node.findall(path) if v.text and v.text.strip()))


def _entry(node, kind, source_name):
    ref = _text(node, "REFERENCE_NUMBER") or _text(node, "DATAID")
    if not ref:
        raise FormatError([(f"{kind} line {node.sourceline}", "no REFERENCE_NUMBER or DATAID")], source_name)
    parts = [_text(node, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    primary = " ".join(p for p in parts if p)
    if not primary:
        raise FormatError([(f"{kind} {ref} (line {node.sourceline})", "no name")], source_name)
    names = [ListName(primary, True, True)]
    alias_tag = "INDIVIDUAL_ALIAS" if kind == "INDIVIDUAL" else "ENTITY_ALIAS"
    for alias in node.findall(alias_tag):
        name = _text(alias, "ALIAS_NAME")
        if name:
            names.append(ListName(name, _text(alias, "QUALITY").lower() != "low", False))
    years, dates = set(), []
    for dob in node.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        for tag in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
            value = _text(dob, tag)
            if value:
                years.update(int(y) for y in YEAR_RE.findall(value))
                if tag == "DATE":
                    dates.append(value[:10])
    countries = _values(node, "NATIONALITY/VALUE") + tuple(
        c for c in _values(node, "INDIVIDUAL_ADDRESS/COUNTRY") + _values(node, "ENTITY_ADDRESS/COUNTRY"))
    identifiers = {}
    for doc in node.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(doc, "NUMBER")
        if number:
            kind_key = _text(doc, "TYPE_OF_DOCUMENT").lower() or "document"
            identifiers.setdefault("passport" if "passport" in kind_key else "national_id", []).append(number)
    return ListEntry(source="un", ref=ref, entry_type="person" if kind == "INDIVIDUAL" else "entity",
                     names=tuple(dict.fromkeys(names)), countries=tuple(dict.fromkeys(countries)),
                     birth_years=tuple(sorted(years)), birth_dates=tuple(dates),
                     identifiers={k: tuple(v) for k, v in identifiers.items()},
                     programmes=_values(node, "UN_LIST_TYPE"), remarks=_text(node, "COMMENTS1") or None)


def parse_un_xml(data, source_name="UN consolidated list"):
    root = parse_xml(data, source_name)
    if root.tag != "CONSOLIDATED_LIST":
        raise FormatError([(f"line {root.sourceline}", f"root element is {root.tag}, expected CONSOLIDATED_LIST")],
                          source_name)
    entries = [_entry(n, "INDIVIDUAL", source_name) for n in root.iterfind("INDIVIDUALS/INDIVIDUAL")]
    entries += [_entry(n, "ENTITY", source_name) for n in root.iterfind("ENTITIES/ENTITY")]
    if not entries:
        raise FormatError([("CONSOLIDATED_LIST", "no INDIVIDUAL or ENTITY")], source_name)
    version = root.get("dateGenerated") or "sha256:" + hashlib.sha256(data).hexdigest()[:16]
    return ListSnapshot(source="un", version=version, entries=tuple(entries))
