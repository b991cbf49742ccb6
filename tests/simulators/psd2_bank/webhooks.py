"""Outgoing webhooks: JSON events POSTed to one configured URL, signed with HMAC-SHA256.

Headers: ``X-Webhook-Id`` (the event id, unique: receivers refuse replays by it),
``X-Webhook-Timestamp`` (Unix seconds when sent) and ``X-Webhook-Signature: v1=<hex>`` where hex is
HMAC-SHA256(secret, timestamp + "." + raw body). Body: ``{"id", "type", "created", "data"}`` with type
``payment.status`` (data: paymentId, transactionStatus, endToEndIds), ``consent.status`` or
``transactions.available`` (data: resourceId). Deliveries run on a background thread, at most once
each unless `redeliver` is called; `deliver` sends synchronously with optional tampering for tests.
"""
import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
import uuid


def sign(secret, timestamp, body):
    secret = secret.encode() if isinstance(secret, str) else secret
    return "v1=" + hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(self, clock, timeout=5.0):
        self.clock = clock
        self.timeout = timeout
        self.url = None
        self.secret = None
        self.headers = {}
        self.deliveries = []
        self.events = {}
        self._queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread = None

    def configure(self, url, secret, headers=None):
        """``headers``: sent with every delivery besides ours (a gateway's routing header, a test cookie)."""
        self.url, self.secret, self.headers = url, secret, dict(headers or {})
        if url and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="psd2-sim-webhooks", daemon=True)
            self._thread.start()

    def emit(self, event_type, data):
        """Queue an event for the configured URL (nothing happens without one); returns the event."""
        event = {"id": "evt-" + uuid.uuid4().hex, "type": event_type, "created": self.clock.now().isoformat(),
                 "data": data}
        with self._lock:
            self.events[event["id"]] = event
        if self.url:
            self._queue.put(event)
        return event

    def deliver(self, event, timestamp=None, secret=None, signature=None, url=None, body=None):
        """POST one event now; returns the HTTP status (0 when unreachable). Tests pass `timestamp`,
        `secret`, `signature` or `body` to send stale, wrongly signed or tampered deliveries."""
        raw = body if body is not None else json.dumps(event, separators=(",", ":")).encode()
        stamp = int(time.time()) if timestamp is None else int(timestamp)
        headers = dict(self.headers, **{"Content-Type": "application/json", "X-Webhook-Id": event["id"],
                                        "X-Webhook-Timestamp": str(stamp)})
        if signature is not False:
            headers["X-Webhook-Signature"] = signature or sign(secret or self.secret or "", stamp, raw)
        request = urllib.request.Request(url or self.url, data=raw, headers=headers, method="POST")
        started = time.monotonic()
        answer_text = ""
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status = answer.status
                answer_text = answer.read(300).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status = exc.code
            answer_text = exc.read(300).decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            status, answer_text = 0, str(exc)
        with self._lock:
            self.deliveries.append({"id": event["id"], "type": event["type"], "status": status,
                                    "ms": round((time.monotonic() - started) * 1000, 2), "answer": answer_text})
        return status

    def redeliver(self, event_id):
        return self.deliver(self.events[event_id])

    def wait_idle(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._queue.unfinished_tasks

    def _run(self):
        while True:
            event = self._queue.get()
            try:
                if self.url:
                    self.deliver(event)
            finally:
                self._queue.task_done()
