"""A scriptable HTTP server on 127.0.0.1 for provider and session tests."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from odoo.tests import common as odoo_test_common


class LoopbackHttpMixin:
    """For Odoo test classes: let requests to our loopback simulators through untouched.

    Odoo's test harness wraps ``requests`` and raises every timeout below 10 s
    to 10 s (and breaks ``(connect, read)`` tuples); timeouts are what these
    tests check. Other hosts stay blocked by Odoo's handler.
    """

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname == "127.0.0.1":
            return odoo_test_common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


class LoopbackServer:
    """A threading HTTP server on 127.0.0.1:<free port>, used as a context manager."""

    def _serve(self, handler, wrap=None, scheme="http"):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        # a client that gave up (timeout tests) is expected, not an error to print
        self.httpd.handle_error = lambda request, address: None
        if wrap:
            self.httpd.socket = wrap(self.httpd.socket)
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _listen(self, handler):
        """Plain HTTP (the name the generic JSON API server of the protocol tests uses)."""
        self._serve(handler)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class ScriptedServer(LoopbackServer):
    """Answers requests from a queue of ``(status, headers, body, delay)``; records what it got."""

    def __init__(self):
        self.responses = []
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((self.command, self.path, dict(self.headers), body, time.monotonic()))
                status, headers, payload, delay = (server.responses.pop(0) if server.responses
                                                   else (200, {}, b"ok", 0))
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args):
                pass

        self._serve(Handler)
