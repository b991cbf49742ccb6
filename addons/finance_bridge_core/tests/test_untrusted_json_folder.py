"""Adversarial: hostile files in the canonical JSON watched folder (issue #13, class 6)."""
import os
import tracemalloc

from .common import FinanceBridgeCase


class TestUntrustedJsonFolder(FinanceBridgeCase):
    """Adversarial (issue #13, class 6): a hostile file in the JSON watched folder is a failed
    Imported Files record with a clear error naming the file, never a RecursionError or a file
    read whole into memory."""
    adversarial_class = "untrusted_files"

    def drop(self, name, data=None, sparse=None):
        os.makedirs(self.inbox, exist_ok=True)
        with open(os.path.join(self.inbox, name), "wb") as handle:
            if sparse:
                handle.truncate(sparse)
            else:
                handle.write(data)

    def test_deeply_nested_json_is_a_clear_error(self):
        self.drop("deep.json", b'{"format": "finance_bridge.statement", "statement": ' + b"[" * 100000
                  + b"]" * 100000 + b"}")
        run = self.connection._run_sync()
        self.assertEqual(run.import_ids.state, "failed")
        self.assertIn("deep.json: $: nested 100001 levels deep, at most 32 allowed", run.import_ids.error)

    def test_oversized_json_not_read(self):
        self.drop("huge.json", sparse=60 * 1024 * 1024)
        tracemalloc.start()
        try:
            run = self.connection._run_sync()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        self.assertIn("huge.json: file: 62914560 bytes exceeds the limit of 52428800: not read", run.import_ids.error)
        self.assertFalse(run.import_ids.attachment_id, "a file refused unread keeps no original")
        self.assertLess(peak, 16 * 1024 * 1024, f"peak {peak} bytes")
