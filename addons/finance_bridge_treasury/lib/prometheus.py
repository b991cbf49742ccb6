"""Prometheus text exposition (format 0.0.4): pure formatting, no database."""
import math
import re

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _escape(value) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value) -> str:
    if value is None:
        return "NaN"
    value = float(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def render(families) -> str:
    """``families``: iterable of (name, type, help, [(labels dict, value), ...])."""
    out = []
    for name, kind, help_text, samples in families:
        if not _NAME.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        out.append(f"# HELP {name} {_escape(help_text)}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            text = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            out.append(f"{name}{{{text}}} {_number(value)}" if text else f"{name} {_number(value)}")
    return "\n".join(out) + "\n"


def parse(text: str) -> dict:
    """{(name, frozenset(labels.items())): float} — used by tests and scrapers alike."""
    result = {}
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = sample.match(line)
        if not match:
            raise ValueError(f"not a sample line: {line!r}")
        labels = frozenset((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                           for k, v in label.findall(match.group(2) or ""))
        result[(match.group(1), labels)] = float(match.group(3))
    return result
