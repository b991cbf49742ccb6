"""Namespace-aware helpers over lxml for ISO 20022 documents of any version."""
import re
from decimal import Decimal, InvalidOperation

from odoo.addons.finance_bridge_core.lib.amounts import amount_problem, currency_problem
from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.safe_xml import parse_xml

NS_RE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(?P<msg>(camt|pain)\.\d{3})\.001\.(?P<ver>\d{2})$")
AMOUNT_RE = re.compile(r"^\d{1,18}(\.\d{1,5})?$")


class IsoDoc:
    """A parsed ISO 20022 document: message name (camt.053), version (08) and XPath helpers."""

    def __init__(self, data, source, root=None):
        """Parse ``data``, or wrap the ``root`` of a document being read incrementally."""
        self.source = source
        self.root = parse_xml(data, source) if root is None else root
        ns = self.root.nsmap.get(None) or ""
        match = NS_RE.match(ns)
        if not match or self.root.tag != f"{{{ns}}}Document":
            raise FormatError([(f"line {self.root.sourceline}",
                                f"not an ISO 20022 camt/pain document (root {self.root.tag})")], source)
        self.ns, self.message, self.version = ns, match["msg"], int(match["ver"])
        self._paths = {}

    def q(self, path):
        """'Ntry/Amt' → '{ns}Ntry/{ns}Amt' (ElementPath, cached: much faster than XPath per call)."""
        found = self._paths.get(path)
        if found is None:
            found = self._paths[path] = "/".join(f"{{{self.ns}}}{part}" for part in path.split("/"))
        return found

    def all(self, node, path):
        return node.findall(self.q(path))

    def one(self, node, path):
        return node.find(self.q(path))

    def text(self, node, *paths):
        for path in paths:
            found = node.findtext(self.q(path))
            if found and found.strip():
                return found.strip()
        return None

    def where(self, node):
        return f"{self.path(node)} (line {node.sourceline})"

    def path(self, node):
        parts = []
        while node is not None and node is not self.root:
            parts.append(node.tag.split("}")[-1])
            node = node.getparent()
        return "/".join(reversed(parts))

    def amount(self, node, path="Amt", currency=None):
        """(Decimal, Ccy) of an amount element; its Ccy (else ``currency``) must be ISO 4217 and
        the amount within that currency's minor units and the magnitude bound (lib/amounts.py)."""
        element = self.one(node, path) if path else node
        if element is None or not element.text:
            raise FormatError([(self.where(node), f"{path} is missing")], self.source)
        text = element.text.strip()
        if not AMOUNT_RE.match(text):
            raise FormatError([(self.where(element), f"invalid amount {text!r}")], self.source)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise FormatError([(self.where(element), f"invalid amount {text!r}")], self.source) from None
        ccy = element.get("Ccy")
        code = ccy if ccy is not None else currency
        problem = (currency_problem(code) if code is not None else None) or amount_problem(value, code)
        if problem:
            raise FormatError([(self.where(element), problem)], self.source)
        return value, ccy

    def date(self, node, path):
        """A bank-local date from <X><Dt> or <X><DtTm> (the timestamp's own local date)."""
        from datetime import date
        value = self.text(node, f"{path}/Dt", f"{path}/DtTm", path)
        if not value:
            return None
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise FormatError([(self.where(node), f"{path}: invalid date {value!r}")], self.source) from None
