"""lib/batch_content: the same content gives the same hash; every content field changes it."""
import dataclasses
import unittest
from decimal import Decimal

from ..lib.batch_content import BatchContent, ContentLine, canonical_bytes, content_hash


def line(e2e="E2E1", **kw):
    values = {"end_to_end_id": e2e, "bill": "BILL/1", "beneficiary": "Vendor", "account": "DE89 3704 0044 0532 0130 00",
              "bic": "COBADEFFXXX", "amount": Decimal("100.50"), "currency": "EUR", "decimals": 2,
              "remittance": "INV 1"}
    values.update(kw)
    return ContentLine(**values)


def content(lines=None, **kw):
    values = {"company": "1", "journal": "DE02120300000000202051", "connection": "7", "currency": "EUR",
              "execution_date": "2026-04-07", "lines": tuple(lines or (line("E2E1"), line("E2E2", bill="BILL/2")))}
    values.update(kw)
    return BatchContent(**values)


class TestBatchContent(unittest.TestCase):
    def test_hash_is_sha256_hex_and_stable(self):
        digest = content_hash(content())
        self.assertRegex(digest, r"^[0-9a-f]{64}$")
        self.assertEqual(digest, content_hash(content()))

    def test_line_order_and_formatting_do_not_matter(self):
        a = content([line("E2E1"), line("E2E2", bill="BILL/2")])
        b = content([line("E2E2", bill="BILL/2"), line("E2E1", account="de89370400440532013000",
                                                         amount=Decimal("100.5"))])
        self.assertEqual(content_hash(a), content_hash(b))

    def test_every_content_field_changes_the_hash(self):
        base = content_hash(content())
        for name, value in (("amount", Decimal("100.51")), ("account", "DE02120300000000202051"),
                            ("bic", "BYLADEMMXXX"), ("beneficiary", "Other"), ("currency", "CHF"),
                            ("remittance", "INV 2"), ("bill", "BILL/9"), ("end_to_end_id", "E2E9")):
            changed = content([dataclasses.replace(line("E2E1"), **{name: value}), line("E2E2", bill="BILL/2")])
            self.assertNotEqual(content_hash(changed), base, name)
        for name, value in (("execution_date", "2026-04-08"), ("journal", "X"), ("connection", "8"),
                            ("currency", "USD"), ("company", "2")):
            self.assertNotEqual(content_hash(content(**{name: value})), base, name)
        self.assertNotEqual(content_hash(content([line("E2E1")])), base, "a line removed")

    def test_canonical_bytes_are_json_with_fixed_decimals(self):
        raw = canonical_bytes(content([line("E2E1", amount=Decimal("7"), currency="JPY", decimals=0)]))
        self.assertIn(b'"amount":"7"', raw)
        raw = canonical_bytes(content([line("E2E1", amount=Decimal("7"))]))
        self.assertIn(b'"amount":"7.00"', raw)
