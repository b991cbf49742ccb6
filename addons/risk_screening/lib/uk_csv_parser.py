"""UK sanctions: the OFSI consolidated list CSV (one row per name, grouped by Group ID).

Row 1 is "Last Updated,<dd/mm/yyyy>", row 2 the header.
"""
import csv
import io
import re

from odoo.addons.finance_bridge_core.lib.errors import FormatError

from .list_dto import ListEntry, ListName, ListSnapshot

NAME_COLUMNS = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Name 6")
REQUIRED = ("Name 6", "Group Type", "Alias Type", "Group ID")
TYPES = {"individual": "person", "entity": "entity", "ship": "vessel"}
YEAR_RE = re.compile(r"(1[89]\d\d|20[0-2]\d)")


def parse_uk_csv(data, source_name="ConList.csv"):
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.reader(io.StringIO(text))
    try:
        first = next(reader)
        header = next(reader)
    except StopIteration:
        raise FormatError([("line 1", "file is empty or has no header")], source_name) from None
    if not first or first[0].strip().lower() != "last updated":
        raise FormatError([("line 1", "expected 'Last Updated,<date>'")], source_name)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FormatError([("line 2", f"missing columns: {', '.join(missing)}")], source_name)
    col = {name: header.index(name) for name in header}
    groups, order = {}, []
    for line_no, row in enumerate(reader, start=3):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise FormatError([(f"line {line_no}", f"{len(row)} columns, expected {len(header)}")], source_name)

        def get(name, row=row):
            return row[col[name]].strip() if name in col else ""
        group_id = get("Group ID")
        kind = TYPES.get(get("Group Type").lower())
        if not group_id or kind is None:
            raise FormatError([(f"line {line_no}", f"bad Group ID {group_id!r} or Group Type {get('Group Type')!r}")],
                              source_name)
        parts = [get(c) for c in NAME_COLUMNS[:5]]
        name = " ".join(p for p in parts if p) + (" " if any(parts) else "") + get("Name 6")
        name = name.strip()
        if not name:
            raise FormatError([(f"line {line_no}", "no name")], source_name)
        group = groups.get(group_id)
        if group is None:
            group = groups[group_id] = {"type": kind, "names": [], "years": set(), "countries": [],
                                        "regimes": [], "ids": {}}
            order.append(group_id)
        primary = get("Alias Type").lower() == "primary name"
        weak = get("Alias Quality").lower() in ("low", "low quality")
        group["names"].append(ListName(name, not weak, primary))
        group["years"].update(int(y) for y in YEAR_RE.findall(get("DOB")))
        for country in (get("Nationality"), get("Country")):
            if country and country not in group["countries"]:
                group["countries"].append(country)
        if get("Regime") and get("Regime") not in group["regimes"]:
            group["regimes"].append(get("Regime"))
        if get("Passport Number"):
            group["ids"].setdefault("passport", []).append(get("Passport Number").upper())
    entries = tuple(ListEntry(source="uk", ref=gid, entry_type=g["type"], names=tuple(dict.fromkeys(g["names"])),
                              countries=tuple(g["countries"]), birth_years=tuple(sorted(g["years"])),
                              identifiers={k: tuple(v) for k, v in g["ids"].items()},
                              programmes=tuple(g["regimes"]))
                    for gid, g in ((gid, groups[gid]) for gid in order))
    if not entries:
        raise FormatError([("line 3", "no entries")], source_name)
    return ListSnapshot(source="uk", version=first[1].strip() if len(first) > 1 else "", entries=entries)
