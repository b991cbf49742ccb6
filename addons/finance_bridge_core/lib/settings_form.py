"""A provider's config schema as a form: which typed widget holds each field, and what a person reads.

Pure. The settings form (``wizards/connection_settings.py``) has a fixed set of typed slots
(text, integer, checkbox, dropdown); ``slot_map`` gives each ConfigField of a schema its slot in
declaration order, the converters move values between the stored text and the widget, and
``form_problems`` names every field that cannot be saved by its label.
"""
from .errors import ConfigurationError

# ConfigField type -> slot kind; the widget follows from the slot's Odoo field type.
SLOT_KINDS = {"char": "char", "path": "char", "url": "char", "int": "int", "bool": "bool",
              "selection": "choice"}
SLOT_COUNTS = {"char": 12, "int": 6, "bool": 6, "choice": 6}
TRUE_TEXTS = ("true", "1", "yes")
PLACEHOLDERS = {"path": "/path/on/the/odoo/server", "url": "https://", "int": "", "char": "", "selection": ""}


def slot_names():
    return [f"{kind}_{n}" for kind, count in SLOT_COUNTS.items() for n in range(1, count + 1)]


def slot_map(schema):
    """[(slot name, ConfigField)] in schema order; a schema with more fields of a kind than slots is refused."""
    used, result = {}, []
    for spec in schema:
        kind = SLOT_KINDS[spec.type]
        used[kind] = used.get(kind, 0) + 1
        if used[kind] > SLOT_COUNTS[kind]:
            raise ConfigurationError(f"{spec.name}: the settings form holds at most {SLOT_COUNTS[kind]} "
                                     f"{kind} fields")
        result.append((f"{kind}_{used[kind]}", spec))
    return result


def to_widget(spec, stored):
    """The stored text (or the schema default when unset) as the widget's value."""
    value = spec.default if stored in (None, False, "") else stored
    if spec.type == "bool":
        return value if isinstance(value, bool) else str(value).strip().lower() in TRUE_TEXTS
    if spec.type == "int":
        try:
            return int(value) if value not in (None, "") else 0
        except (TypeError, ValueError):
            return 0
    return False if value in (None, "") else str(value)


def to_stored(spec, value):
    """The widget's value as the stored text: "True"/"False", digits, or the text (False when empty)."""
    if spec.type == "bool":
        return "True" if value else "False"
    if spec.type == "int":
        return str(int(value or 0))
    text = (value or "").strip() if isinstance(value, str) else value
    return text or False


def form_problems(schema, values):
    """Every field that cannot be saved, as "<label>: <reason>" (``values``: name -> stored text)."""
    problems = []
    for spec in schema:
        value = values.get(spec.name)
        label = spec.label or spec.name
        if value in (None, False, ""):
            if spec.required:
                problems.append(f"{label}: required")
            continue
        if spec.type == "url" and not str(value).startswith(("https://", "http://")):
            problems.append(f"{label}: {value!r} is not a web address (https://…)")
        elif spec.type == "selection" and value not in spec.choices:
            problems.append(f"{label}: choose one of {', '.join(spec.choices)}")
        elif spec.type == "int" and spec.required and int(value) <= 0:
            problems.append(f"{label}: a positive number is required")
    return problems
