"""OFAC SDN list in its legacy CSV form (sdn.csv, alt.csv, add.csv: no header row).

"-0- " means empty; files end with CRLF and often a 0x1A byte.
"""
import csv
import io

from odoo.addons.finance_bridge_core.lib.errors import FormatError

from .list_dto import ListEntry, ListName, ListSnapshot
from .remarks import parse_remarks

SDN_COLUMNS = 12
TYPES = {"": "person", "individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
# OFAC SDN_Type is empty for entities, "individual", "vessel" or "aircraft".


def _clean(value):
    value = (value or "").strip()
    return "" if value == "-0-" else value


def _rows(data, name, columns):
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("latin-1")
    data = data.replace("\x1a", "")
    for line_no, row in enumerate(csv.reader(io.StringIO(data)), start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != columns:
            raise FormatError([(f"line {line_no}", f"{len(row)} columns, expected {columns}")], name)
        yield line_no, [_clean(c) for c in row]


def parse_ofac_csv(sdn, alt=None, add=None, version=None):
    """Build a snapshot from the CSV trio (``alt`` and ``add`` optional)."""
    entries, order = {}, []
    for line_no, row in _rows(sdn, "sdn.csv", SDN_COLUMNS):
        ent_num, name, sdn_type, program, _title, _call, _vess_type, _t, _g, vess_flag, _o, remarks = row
        if not ent_num.isdigit():
            raise FormatError([(f"line {line_no}", f"ent_num {ent_num!r} is not a number")], "sdn.csv")
        if not name:
            raise FormatError([(f"line {line_no}", "SDN_Name is empty")], "sdn.csv")
        entry_type = TYPES.get(sdn_type.lower(), "entity") if sdn_type else "entity"
        years, identifiers, nationalities = parse_remarks(remarks)
        entries[ent_num] = {"type": entry_type, "names": [ListName(name, True, True)],
                            "programmes": tuple(p.strip() for p in program.replace("]", "").replace("[", "")
                                                .split() if p.strip()),
                            "years": years, "identifiers": identifiers, "countries": list(nationalities),
                            "remarks": remarks or None}
        if vess_flag:
            entries[ent_num]["countries"].append(vess_flag)
        order.append(ent_num)
    if alt:
        for _line_no, row in _rows(alt, "alt.csv", 5):
            ent_num, _alt_num, alt_type, alt_name, _remarks = row
            if ent_num in entries and alt_name:
                # OFAC marks low-quality aliases "fka"/"nka" as strong too; only "weak" is weak.
                entries[ent_num]["names"].append(ListName(alt_name, alt_type.lower() != "weak", False))
    if add:
        for _line_no, row in _rows(add, "add.csv", 6):
            ent_num, _add_num, _address, _city, country, _rem = row
            if ent_num in entries and country and country not in entries[ent_num]["countries"]:
                entries[ent_num]["countries"].append(country)
    result = tuple(ListEntry(source="ofac", ref=num, entry_type=e["type"], names=tuple(e["names"]),
                             countries=tuple(e["countries"]), birth_years=e["years"],
                             identifiers=e["identifiers"], programmes=e["programmes"], remarks=e["remarks"])
                   for num, e in ((n, entries[n]) for n in order))
    if not result:
        raise FormatError([("sdn.csv", "no entries")], "sdn.csv")
    return ListSnapshot(source="ofac", version=version or _digest(sdn), entries=result)


def _digest(data):
    import hashlib
    return "sha256:" + hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()[:16]
