"""Sanctions list entries as every list parser returns them."""
from collections.abc import Mapping
from dataclasses import dataclass, field

ENTRY_TYPES = ("person", "entity", "vessel", "aircraft")


@dataclass(frozen=True, slots=True)
class ListName:
    name: str
    strong: bool = True      # weak aliases (OFAC "weak", UN "Low" quality) score lower
    primary: bool = False


@dataclass(frozen=True, slots=True)
class ListEntry:
    source: str              # ofac, un, eu, uk
    ref: str                 # the list's own id (OFAC ent_num, UN reference number, EU logicalId…)
    entry_type: str
    names: tuple[ListName, ...]
    countries: tuple[str, ...] = ()          # ISO 3166 alpha-2 where known, else the list's text
    birth_years: tuple[int, ...] = ()
    birth_dates: tuple[str, ...] = ()
    identifiers: Mapping = field(default_factory=dict)   # {"bic": ("DEUTDEFF",), "imo": (...)}
    programmes: tuple[str, ...] = ()
    remarks: str | None = None

    def __post_init__(self):
        if self.entry_type not in ENTRY_TYPES:
            raise ValueError(f"entry {self.ref}: unknown type {self.entry_type!r}")
        if not self.names:
            raise ValueError(f"entry {self.ref}: has no name")

    @property
    def primary_name(self):
        return next((n.name for n in self.names if n.primary), self.names[0].name)

    def content_key(self):
        """What makes two versions of an entry the same (for added/changed/removed counts)."""
        return (self.entry_type, tuple(sorted((n.name, n.strong) for n in self.names)),
                tuple(sorted(self.countries)), tuple(sorted(self.birth_years)),
                tuple(sorted((k, tuple(v)) for k, v in self.identifiers.items())),
                tuple(sorted(self.programmes)))


@dataclass(frozen=True, slots=True)
class ListSnapshot:
    source: str
    version: str             # the publisher's date or a content hash
    entries: tuple[ListEntry, ...]
