"""EU consolidated financial sanctions list (FSF export XML, namespace http://eu.europa.ec/fpi/fsd/export)."""
import hashlib

from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.safe_xml import local, parse_xml

from .list_dto import ListEntry, ListName, ListSnapshot

TYPES = {"person": "person", "enterprise": "entity", "entity": "entity", "vessel": "vessel",
         "aircraft": "aircraft"}


def _kids(node, name):
    return [c for c in node if local(c.tag) == name]


def parse_eu_xml(data, source_name="EU consolidated list"):
    root = parse_xml(data, source_name)
    if local(root.tag) != "export":
        raise FormatError([(f"line {root.sourceline}", f"root element is {local(root.tag)}, expected export")],
                          source_name)
    entries = []
    for node in _kids(root, "sanctionEntity"):
        ref = node.get("euReferenceNumber") or node.get("logicalId")
        where = f"sanctionEntity line {node.sourceline}"
        subject = _kids(node, "subjectType")
        code = subject[0].get("code", "").lower() if subject else ""
        if not ref or code not in TYPES:
            raise FormatError([(where, f"reference {ref!r} / subjectType {code!r} not usable")], source_name)
        names = []
        for alias in _kids(node, "nameAlias"):
            whole = alias.get("wholeName") or " ".join(
                p for p in (alias.get("firstName"), alias.get("middleName"), alias.get("lastName")) if p)
            if whole:
                names.append(ListName(whole, alias.get("strong", "true").lower() == "true", not names))
        if not names:
            raise FormatError([(where, "no nameAlias with a name")], source_name)
        years = set()
        for birth in _kids(node, "birthdate"):
            year = birth.get("year") or (birth.get("birthdate") or "")[:4]
            if year.isdigit():
                years.add(int(year))
        countries = [c.get("countryIso2Code") for c in _kids(node, "citizenship") if c.get("countryIso2Code")]
        countries += [c.get("countryIso2Code") for c in _kids(node, "address") if c.get("countryIso2Code")]
        identifiers = {}
        for ident in _kids(node, "identification"):
            kind = (ident.get("identificationTypeCode") or "").lower()
            number = ident.get("number")
            if number:
                identifiers.setdefault({"swiftbic": "bic", "bic": "bic", "imo": "imo"}.get(kind, kind or "id"),
                                       []).append(number.upper())
        programmes = [r.get("programme") for r in _kids(node, "regulation") if r.get("programme")]
        entries.append(ListEntry(source="eu", ref=ref, entry_type=TYPES[code], names=tuple(dict.fromkeys(names)),
                                 countries=tuple(dict.fromkeys(c.upper() for c in countries)),
                                 birth_years=tuple(sorted(years)),
                                 identifiers={k: tuple(v) for k, v in identifiers.items()},
                                 programmes=tuple(dict.fromkeys(programmes))))
    if not entries:
        raise FormatError([("export", "no sanctionEntity")], source_name)
    version = root.get("generationDate") or "sha256:" + hashlib.sha256(data).hexdigest()[:16]
    return ListSnapshot(source="eu", version=version, entries=tuple(entries))
