"""The HTTP session providers get: timeouts, retries with backoff, Retry-After, over real loopback HTTP."""
import time
import unittest

import requests

from ..lib.provider_context import make_http_session
from .loopback_server import ScriptedServer


class TestHttpSession(unittest.TestCase):
    def test_retries_503_then_succeeds(self):
        with ScriptedServer() as srv:
            srv.responses = [(503, {}, b"busy", 0), (503, {}, b"busy", 0), (200, {}, b"done", 0)]
            session = make_http_session(backoff_factor=0.01)
            response = session.get(srv.url + "/statements")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(srv.requests), 3)

    def test_retry_after_is_honoured(self):
        with ScriptedServer() as srv:
            srv.responses = [(429, {"Retry-After": "1"}, b"slow down", 0), (200, {}, b"ok", 0)]
            make_http_session(backoff_factor=0).get(srv.url)
        gap = srv.requests[1][4] - srv.requests[0][4]
        self.assertGreaterEqual(gap, 0.9)

    def test_retry_after_is_capped(self):
        with ScriptedServer() as srv:
            srv.responses = [(503, {"Retry-After": "3600"}, b"", 0), (200, {}, b"ok", 0)]
            started = time.monotonic()
            make_http_session(backoff_factor=0, max_retry_after=0.2).get(srv.url)
        self.assertLess(time.monotonic() - started, 5)

    def test_read_timeout_raises(self):
        with ScriptedServer() as srv:
            srv.responses = [(200, {}, b"late", 8)]
            session = make_http_session(timeout=(1, 0.3), retries=0)
            started = time.monotonic()
            with self.assertRaisesRegex(requests.exceptions.RequestException, r"Read timed out. \(read timeout=0.3\)"):
                session.get(srv.url)
        self.assertLess(time.monotonic() - started, 5, "the answer would have taken 8 s")

    def test_post_not_retried_by_default(self):
        with ScriptedServer() as srv:
            srv.responses = [(503, {}, b"", 0), (200, {}, b"", 0)]
            response = make_http_session(backoff_factor=0).post(srv.url, data=b"pay")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(len(srv.requests), 1)

    def test_timeout_none_refused(self):
        with self.assertRaisesRegex(ValueError, "must have a timeout"):
            make_http_session().get("http://127.0.0.1:9", timeout=None)

    def test_connection_refused_surfaces(self):
        with self.assertRaises(requests.exceptions.ConnectionError):
            make_http_session(retries=1, backoff_factor=0).get("http://127.0.0.1:9/")
