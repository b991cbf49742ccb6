"""OFAC SDN list in its legacy XML form (sdnList / sdnEntry)."""
import hashlib
import re

from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.safe_xml import local, parse_xml

from .list_dto import ListEntry, ListName, ListSnapshot

YEAR_RE = re.compile(r"(1[89]\d\d|20[0-2]\d)")
TYPES = {"individual": "person", "entity": "entity", "vessel": "vessel", "aircraft": "aircraft"}
ID_KEYS = {"swift/bic": "bic", "vessel registration identification": "imo", "passport": "passport"}


def _children(node, name):
    return [c for c in node if local(c.tag) == name]


def _child_text(node, name):
    for child in node:
        if local(child.tag) == name and child.text:
            return child.text.strip()
    return ""


def _descend(node, *path):
    nodes = [node]
    for name in path:
        nodes = [c for n in nodes for c in _children(n, name)]
    return nodes


def _full_name(node):
    return " ".join(p for p in (_child_text(node, "firstName"), _child_text(node, "lastName")) if p)


def parse_ofac_xml(data, source_name="sdn.xml"):
    root = parse_xml(data, source_name)
    if local(root.tag) != "sdnList":
        raise FormatError([(f"line {root.sourceline}", f"root element is {local(root.tag)}, expected sdnList")],
                          source_name)
    entries = []
    for node in _children(root, "sdnEntry"):
        uid = _child_text(node, "uid")
        name = _full_name(node)
        where = f"sdnEntry line {node.sourceline}"
        if not uid or not name:
            raise FormatError([(where, "uid and lastName are required")], source_name)
        sdn_type = _child_text(node, "sdnType").lower()
        if sdn_type not in TYPES:
            raise FormatError([(where, f"unknown sdnType {sdn_type!r}")], source_name)
        names = [ListName(name, True, True)]
        for aka in _descend(node, "akaList", "aka"):
            alias = _full_name(aka)
            if alias:
                names.append(ListName(alias, _child_text(aka, "category").lower() != "weak", False))
        identifiers = {}
        for ident in _descend(node, "idList", "id"):
            key = ID_KEYS.get(_child_text(ident, "idType").lower())
            number = _child_text(ident, "idNumber")
            if key and number:
                identifiers.setdefault(key, []).append(number.upper())
        years = {int(y) for dob in _descend(node, "dateOfBirthList", "dateOfBirthItem")
                 for y in YEAR_RE.findall(_child_text(dob, "dateOfBirth"))}
        countries = [_child_text(c, "country") for c in _descend(node, "nationalityList", "nationality")]
        countries += [_child_text(c, "country") for c in _descend(node, "addressList", "address")]
        entries.append(ListEntry(
            source="ofac", ref=uid, entry_type=TYPES[sdn_type], names=tuple(dict.fromkeys(names)),
            countries=tuple(dict.fromkeys(c for c in countries if c)), birth_years=tuple(sorted(years)),
            identifiers={k: tuple(v) for k, v in identifiers.items()},
            programmes=tuple(p.text.strip() for p in _descend(node, "programList", "program") if p.text),
            remarks=_child_text(node, "remarks") or None))
    if not entries:
        raise FormatError([("sdnList", "no sdnEntry")], source_name)
    published = _descend(root, "publshInformation")
    version = (_child_text(published[0], "Publish_Date") if published else "") or \
        "sha256:" + hashlib.sha256(data).hexdigest()[:16]
    return ListSnapshot(source="ofac", version=version, entries=tuple(entries))
