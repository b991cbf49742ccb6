"""Masking, backoff, import keys, audit hashing and the secret box, without a database."""
import logging
import random
import unittest
from datetime import date, datetime, timedelta
from decimal import Decimal

from ..lib.audit_chain import (
    GENESIS,
    UNSEALED_GRACE,
    Anchor,
    chain_key,
    chain_key_id,
    entry_mac,
    event_mac,
    format_head,
    parse_head_lines,
    verify_chain,
)
from ..lib.backoff import retry_delay
from ..lib.dto import Money, StatementLineDTO
from ..lib.errors import SecretKeyError
from ..lib.import_keys import line_import_keys
from ..lib.masking import MaskingLogger, mask_account, mask_text
from ..lib.readable import key_value_table, parse_json, rows_table
from ..lib.secret_box import SecretBox, derive_key, generate_master_key, key_fingerprint, parse_master_key


class TestMasking(unittest.TestCase):
    def test_mask_iban_keeps_country_and_tail(self):
        self.assertEqual(mask_account("DE89370400440532013000"), "DE89••••••••••••••3000")

    def test_mask_text_masks_ibans_digits_and_secrets(self):
        text = mask_text("pay DE89 3704 0044 0532 0130 00 acct 123456789012 token s3cr3t-value",
                         secrets=["s3cr3t-value"])
        self.assertNotIn("0532", text)
        self.assertNotIn("123456789012", text)
        self.assertNotIn("s3cr3t-value", text)
        self.assertIn("[secret]", text)

    def test_masking_logger(self):
        logger = logging.getLogger("fb.test.masking")
        records = []
        handler = logging.Handler()
        handler.emit = records.append
        logger.addHandler(handler)
        self.addCleanup(logger.removeHandler, handler)
        logger.setLevel(logging.INFO)
        MaskingLogger(logger, secrets=["hunter22"]).info("login %s with %s", "DE89370400440532013000", "hunter22")
        self.assertEqual([r.getMessage() for r in records], ["login DE89••••••••••••••3000 with [secret]"])


class TestBackoff(unittest.TestCase):
    def test_exponential_and_capped(self):
        delays = [retry_delay(n, base_seconds=60, cap_seconds=3600, jitter=0) for n in range(1, 9)]
        self.assertEqual([d.total_seconds() for d in delays], [60, 120, 240, 480, 960, 1920, 3600, 3600])
        self.assertEqual(retry_delay(0), timedelta(0))

    def test_jitter_bounded(self):
        rng = random.Random(7)
        for _ in range(50):
            self.assertTrue(54 <= retry_delay(1, jitter=0.1, rng=rng).total_seconds() <= 66)


def line(amount="-3.50", label="coffee", unique_id=None, day=date(2026, 3, 2)):
    return StatementLineDTO(booking_date=day, amount=Money(Decimal(amount), "EUR"), label=label,
                            unique_id=unique_id)


class TestImportKeys(unittest.TestCase):
    def test_bank_reference_wins(self):
        self.assertEqual(line_import_keys("ACC", [line(unique_id="REF-1")]), ["ref:REF-1"])

    def test_identical_lines_stay_distinct_and_stable(self):
        keys = line_import_keys("ACC", [line(), line(), line("-4.00")])
        self.assertEqual(len(set(keys)), 3)
        self.assertEqual(keys, line_import_keys("ACC", [line(), line(), line("-4.00")]))

    def test_amount_scale_does_not_matter(self):
        self.assertEqual(line_import_keys("ACC", [line("-3.5")]), line_import_keys("ACC", [line("-3.50")]))

    def test_account_is_part_of_key(self):
        self.assertNotEqual(line_import_keys("A", [line()]), line_import_keys("B", [line()]))


class TestAuditChainPure(unittest.TestCase):
    key = chain_key(bytes(range(32)))

    def chain(self, n):
        events, prev = [], GENESIS
        for seq in range(1, n + 1):
            event = {"id": 100 + seq, "company_id": 1, "sequence": seq, "event_type": "t", "model": None,
                     "res_id": 0, "user_id": 2, "occurred_at": "2026-03-02 10:00:00", "summary": f"e{seq}",
                     "payload_hash": "x", "key_id": chain_key_id(self.key), "prev_hash": prev}
            event["entry_mac"] = entry_mac(self.key, event)
            event["hash"] = event_mac(self.key, event)
            events.append(event)
            prev = event["hash"]
        return events

    def test_intact(self):
        verdict = verify_chain(self.chain(5), self.key)
        self.assertTrue(verdict.ok)
        self.assertEqual((verdict.count, verdict.head.sequence), (5, 5))

    def test_edit_detected(self):
        events = self.chain(5)
        events[2]["summary"] = "forged"
        self.assertEqual(verify_chain(events, self.key).as_tuple(),
                         (3, "content does not match its entry MAC: the row was edited or not written by the server"))

    def test_deletion_detected(self):
        events = self.chain(5)
        del events[1]
        self.assertEqual(verify_chain(events, self.key).as_tuple()[0], 3)

    def test_other_key_detected(self):
        self.assertFalse(verify_chain(self.chain(3), chain_key(bytes(32))).ok)

    def test_head_line_round_trip_and_anchor_rules(self):
        events = self.chain(4)
        head = verify_chain(events, self.key).head
        lines = ["noise", format_head("db1", head, "2026-03-02T10:00:00+00:00"),
                 format_head("other_db", head, "x"), "FINANCE_BRIDGE_AUDIT_HEAD db=db1 company=1 seq=oops"]
        anchors = list(parse_head_lines(lines, "db1"))
        self.assertEqual(anchors, [Anchor(1, 4, head.mac, head.key_id, "file")])
        self.assertTrue(verify_chain(events, self.key, anchors=anchors).ok)
        self.assertIn("truncated after anchor #4", verify_chain(events[:3], self.key, anchors=anchors).reason)

    def test_unsealed_rows_grace_and_authenticity(self):
        row = {"id": 500, "company_id": 1, "event_type": "t", "model": None, "res_id": 0, "user_id": 2,
               "occurred_at": "2026-03-02 10:00:00", "summary": "late", "payload_hash": "x"}
        row["entry_mac"] = entry_mac(self.key, row)
        at = datetime(2026, 3, 2, 10, 0, 0)
        self.assertTrue(verify_chain([], self.key, unsealed=[row], now=at + UNSEALED_GRACE).ok)
        self.assertIn("unsealed since", verify_chain([], self.key, unsealed=[row],
                                                      now=at + UNSEALED_GRACE + timedelta(seconds=1)).reason)
        self.assertIn("not authentic", verify_chain([], self.key, unsealed=[dict(row, id=501)], now=at).reason)

class TestSecretBox(unittest.TestCase):
    def test_round_trip_and_binding(self):
        box = SecretBox(parse_master_key(generate_master_key()))
        token = box.seal("p@ss", "finance.bank.secret:1:password")
        self.assertNotIn("p@ss", token)
        self.assertEqual(box.open(token, "finance.bank.secret:1:password"), "p@ss")
        with self.assertRaisesRegex(SecretKeyError, "moved to another record"):
            box.open(token, "finance.bank.secret:2:password")

    def test_nonce_is_fresh(self):
        box = SecretBox(bytes(32))
        self.assertNotEqual(box.seal("x", "a"), box.seal("x", "a"))

    def test_wrong_key_named(self):
        token = SecretBox(bytes(32)).seal("x", "a")
        with self.assertRaisesRegex(SecretKeyError, "master key is wrong"):
            SecretBox(bytes([1]) * 32).open(token, "a")

    def test_derive_key_separates_purposes(self):
        master = bytes(range(32))
        audit = derive_key(master, "finance_bridge/audit-chain/v1")
        self.assertEqual(len(audit), 32)
        self.assertEqual(audit, derive_key(master, b"finance_bridge/audit-chain/v1"))
        self.assertNotEqual(audit, derive_key(master, "finance_bridge/other"))
        self.assertNotEqual(audit, derive_key(bytes(32), "finance_bridge/audit-chain/v1"))
        self.assertNotIn(master, audit)
        with self.assertRaisesRegex(SecretKeyError, "32 bytes"):
            derive_key(b"short", "x")

    def test_key_fingerprint_tells_keys_apart(self):
        self.assertEqual(key_fingerprint(bytes(32)), key_fingerprint(bytes(32)))
        self.assertNotEqual(key_fingerprint(bytes(32)), key_fingerprint(bytes([1]) * 32))
        self.assertEqual(len(key_fingerprint(bytes(32))), 64)

    def test_key_formats(self):
        self.assertEqual(parse_master_key("00" * 32), bytes(32))
        with self.assertRaisesRegex(SecretKeyError, "no master key"):
            parse_master_key("")
        with self.assertRaisesRegex(SecretKeyError, "32 bytes"):
            parse_master_key("c2hvcnQ=")


class TestReadable(unittest.TestCase):
    """lib/readable: structured data as escaped HTML tables."""

    def test_key_value_table_escapes_and_labels(self):
        html = str(key_value_table({"end_to_end_id": "<b>E2E</b>", "raw": {"a": 1}}, {"end_to_end_id": "EndToEndId"}))
        self.assertIn("<th class='text-nowrap pe-3 align-top'>EndToEndId</th>", html)
        self.assertIn("&lt;b&gt;E2E&lt;/b&gt;", html)
        self.assertIn("&#34;a&#34;: 1", html)
        self.assertIn(">Raw<", html)
        self.assertFalse(key_value_table({}))

    def test_rows_table_and_parse_json(self):
        html = str(rows_table(("Name", "Strong"), [("Ivan <Petrov>", "yes")]))
        self.assertIn("<th>Name</th>", html)
        self.assertIn("Ivan &lt;Petrov&gt;", html)
        self.assertEqual(parse_json('{"a": [1]}'), {"a": [1]})
        self.assertEqual(parse_json("not json"), "not json")
        self.assertFalse(rows_table(("x",), []))
