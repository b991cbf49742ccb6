"""describe_error: real failures (closed loopback port, missing folder) read as one sentence."""
import socket
import unittest

import requests

from ..lib.errors import ProviderError
from ..lib.provider_context import make_http_session
from ..lib.user_errors import describe_error


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestDescribeError(unittest.TestCase):
    def _failure(self, call):
        try:
            call()
        except Exception as exc:
            return exc
        self.fail("no failure")

    def test_refused_connection_names_host_and_reason(self):
        url = f"http://127.0.0.1:{closed_port()}/list.csv"
        exc = self._failure(lambda: make_http_session(retries=1, backoff_factor=0).get(url))
        self.assertIsInstance(exc, requests.ConnectionError)
        self.assertEqual(describe_error(exc, url), "cannot reach 127.0.0.1: connection refused")

    def test_raw_socket_error_uses_the_given_url(self):
        port = closed_port()
        exc = self._failure(lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
        self.assertEqual(describe_error(exc, f"sftp://127.0.0.1:{port}"), "cannot reach 127.0.0.1: connection refused")

    def test_missing_folder_names_the_path(self):
        exc = self._failure(lambda: open("/nonexistent/fb/inbound/x.xml", "rb"))
        self.assertEqual(describe_error(exc), "/nonexistent/fb/inbound/x.xml: no such file or directory")

    def test_suite_errors_keep_their_message_and_others_their_class(self):
        self.assertEqual(describe_error(ProviderError("bank said no")), "bank said no")
        self.assertEqual(describe_error(KeyError("iban")), "KeyError: 'iban'")
        self.assertEqual(describe_error(ValueError()), "ValueError")
