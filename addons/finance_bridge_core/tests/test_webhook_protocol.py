"""The webhook contract without a database: signature, tolerance, size, events and status mapping."""
import json
import unittest
from datetime import UTC, datetime

from ..lib.dto import StatusEventDTO
from ..lib.webhook_protocol import WebhookEvent, WebhookProtocol, parse_canonical
from ..lib.webhook_verify import (
    DEFAULT_SCHEME,
    HARD_MAX_BODY_BYTES,
    REFUSAL_STATUS,
    SignatureScheme,
    WebhookRefused,
    check_size,
    verify_signature,
)

NOW = 1_790_000_000
BODY = b'{"id": "e1", "type": "status", "data": {"status": "ACSC", "end_to_end_id": "E1"}}'


def headers(body=BODY, secret="s3cret", stamp=NOW, scheme=DEFAULT_SCHEME):
    return {scheme.timestamp_header.lower(): str(stamp),
            scheme.signature_header.lower(): scheme.sign(secret, str(stamp), body)}


class TestVerify(unittest.TestCase):
    def refused(self, reason, *args):
        with self.assertRaises(WebhookRefused) as caught:
            verify_signature(*args)
        self.assertEqual(caught.exception.reason, reason)
        return caught.exception

    def test_valid_signature_names_the_secret_that_matched(self):
        self.assertEqual(verify_signature(DEFAULT_SCHEME, headers(), BODY, ["s3cret"], NOW), 0)
        self.assertEqual(verify_signature(DEFAULT_SCHEME, headers(secret="old"), BODY, ["new", "old"], NOW), 1)

    def test_signature_is_over_timestamp_and_raw_body(self):
        self.refused("bad_signature", DEFAULT_SCHEME, headers(), BODY + b"\n", ["s3cret"], NOW)
        moved = headers()
        moved["x-webhook-timestamp"] = str(NOW + 1)   # same signature, other timestamp
        self.refused("bad_signature", DEFAULT_SCHEME, moved, BODY, ["s3cret"], NOW)
        self.refused("bad_signature", DEFAULT_SCHEME, headers(secret="other"), BODY, ["s3cret"], NOW)

    def test_several_offered_signatures_one_valid(self):
        value = headers()
        value["x-webhook-signature"] = "v1=00ff, " + value["x-webhook-signature"]
        self.assertEqual(verify_signature(DEFAULT_SCHEME, value, BODY, ["s3cret"], NOW), 0)

    def test_unsigned_and_unconfigured(self):
        self.refused("unsigned", DEFAULT_SCHEME, {}, BODY, ["s3cret"], NOW)
        self.refused("unsigned", DEFAULT_SCHEME, {"x-webhook-signature": "v1=ab"}, BODY, ["s3cret"], NOW)
        value = headers()
        value["x-webhook-timestamp"] = "yesterday"
        self.refused("unsigned", DEFAULT_SCHEME, value, BODY, ["s3cret"], NOW)
        self.refused("not_configured", DEFAULT_SCHEME, headers(), BODY, [], NOW)
        self.refused("not_configured", DEFAULT_SCHEME, headers(), BODY, [None, ""], NOW)

    def test_tolerance_both_ways_checked_after_the_signature(self):
        tolerance = DEFAULT_SCHEME.tolerance_seconds
        self.assertEqual(verify_signature(DEFAULT_SCHEME, headers(stamp=NOW - tolerance), BODY, ["s3cret"], NOW), 0)
        self.refused("stale", DEFAULT_SCHEME, headers(stamp=NOW - tolerance - 1), BODY, ["s3cret"], NOW)
        self.refused("stale", DEFAULT_SCHEME, headers(stamp=NOW + tolerance + 1), BODY, ["s3cret"], NOW)
        # a forged old delivery is a bad signature, not "stale"
        self.refused("bad_signature", DEFAULT_SCHEME, headers(secret="x", stamp=NOW - 9999), BODY, ["s3cret"], NOW)

    def test_size_checked_on_the_announced_length(self):
        check_size(100, 100)
        with self.assertRaises(WebhookRefused) as caught:
            check_size(101, 100)
        self.assertEqual((caught.exception.reason, caught.exception.http_status), ("too_large", 413))
        with self.assertRaises(WebhookRefused) as caught:
            check_size(None, 100)
        self.assertEqual(caught.exception.http_status, 411)
        with self.assertRaises(WebhookRefused):
            check_size(HARD_MAX_BODY_BYTES + 1, 10 * HARD_MAX_BODY_BYTES)

    def test_scheme_is_validated_and_overridable(self):
        with self.assertRaises(ValueError):
            SignatureScheme(algorithm="md5")
        with self.assertRaises(ValueError):
            SignatureScheme(tolerance_seconds=0)
        with self.assertRaises(ValueError):
            SignatureScheme(max_body_bytes=HARD_MAX_BODY_BYTES + 1)
        bank = SignatureScheme(signature_header="X-Bank-Signature", timestamp_header="X-Bank-Time",
                               algorithm="sha512", prefix="")
        self.assertEqual(verify_signature(bank, headers(scheme=bank), BODY, ["s3cret"], NOW), 0)
        self.refused("unsigned", bank, headers(), BODY, ["s3cret"], NOW)

    def test_every_reason_has_a_status(self):
        for reason, status in REFUSAL_STATUS.items():
            self.assertEqual(WebhookRefused(reason).http_status, status)
        with self.assertRaises(ValueError):
            WebhookRefused("because")


class TestEvents(unittest.TestCase):
    def test_single_event_and_list(self):
        (event,) = parse_canonical(BODY)
        self.assertEqual((event.event_id, event.kind, event.payload["status"]), ("e1", "status", "ACSC"))
        body = json.dumps({"events": [
            {"id": "a", "type": "sync_account", "account": "DE89 3704 0044 0532 0130 00",
             "occurred_at": "2026-03-02T10:00:00+01:00"},
            {"id": "b", "type": "consent.expired"}]}).encode()
        first, second = parse_canonical(body)
        self.assertEqual(first.occurred_at, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        self.assertEqual((second.kind, second.account), ("other", None))

    def test_bad_documents_name_the_spot(self):
        cases = {b"not json": "UTF-8 JSON", b"[]": "events", b'{"events": []}': "non-empty",
                 b'{"events": [1]}': "events[0]", b'{"type": "status"}': "needs an id",
                 b'{"id": "x", "type": "sync_account"}': "needs the account",
                 b'{"id": "x", "occurred_at": "2026-03-02T10:00:00"}': "no time zone",
                 b'{"id": "x", "data": [1]}': "data", b"\xff\xfe": "UTF-8",
                 json.dumps({"events": [{"id": str(n)} for n in range(101)]}).encode(): "at most 100"}
        for body, words in cases.items():
            with self.assertRaises(ValueError) as caught:
                parse_canonical(body)
            self.assertIn(words, str(caught.exception), body[:40])
        with self.assertRaises(ValueError):
            parse_canonical(b"[" * 100000 + b"]" * 100000)

    def test_event_is_frozen_and_validated(self):
        event = WebhookEvent("e", "status", {"a": 1})
        with self.assertRaises(AttributeError):
            event.kind = "other"
        with self.assertRaises(TypeError):
            event.payload["a"] = 2
        for bad in ({"event_id": ""}, {"event_id": "x" * 129}, {"event_id": "a\nb"}, {"kind": "refund"},
                    {"occurred_at": datetime(2026, 1, 1)}):
            with self.assertRaises(ValueError, msg=bad):
                WebhookEvent(**dict({"event_id": "e", "kind": "status"}, **bad))

    def test_status_mapping(self):
        event = WebhookEvent("e9", "status", {"status": "RJCT", "end_to_end_id": "E2E", "reason_code": "AC04"},
                             occurred_at=datetime(2026, 3, 2, tzinfo=UTC))
        (dto,) = WebhookProtocol.webhook_status_events(event)
        self.assertIsInstance(dto, StatusEventDTO)
        self.assertEqual((dto.source, dto.status, dto.end_to_end_id, dto.reason_code), ("webhook", "RJCT", "E2E", "AC04"))
        with self.assertRaises(ValueError):   # no reference: the DTO refuses it
            WebhookProtocol.webhook_status_events(WebhookEvent("e", "status", {"status": "ACSC"}))
        with self.assertRaises(ValueError):
            WebhookProtocol.webhook_status_events(WebhookEvent("e", "status", {"status": "WHAT", "msg_id": "M"}))
