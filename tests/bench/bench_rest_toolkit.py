"""`make bench` part: cost of the REST toolkit per bank call.

Over real loopback HTTP, 1,000 GETs of a 4 KB JSON answer: plain session, then a session that
records every exchange masked (the connection's recorder), then storing those 1,000 exchanges as
evidence rows; and Berlin Group request signing / verification (RSA 2048) per second.
"""
import argparse
import json
import pathlib
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

ROOT = pathlib.Path(__file__).resolve().parents[2]
BODY = json.dumps({"transactions": [{"transactionId": f"T{i}", "debtorAccount": {"iban": "DE89370400440532013000"},
                                     "transactionAmount": {"currency": "EUR", "amount": "12.30"}}
                                    for i in range(40)]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        # one write for head and body: separate small writes meet delayed ACKs (~40 ms per call)
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n")
        self.wfile.write(head.encode("ascii") + BODY)

    def log_message(self, *args):
        pass


def timed_calls(session, url, count):
    started = time.perf_counter()
    for _ in range(count):
        session.get(url, headers={"Authorization": "Bearer at-secret-token"}).raise_for_status()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1/accounts/DE89370400440532013000/transactions?page=2"
    with Registry(args.database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        from odoo.addons.finance_bridge_core.lib.provider_context import make_http_session
        from odoo.addons.finance_bridge_core.lib.request_signing import sign_headers, verify_request
        from odoo.addons.finance_bridge_core.tests.pki import Pki

        plain = timed_calls(make_http_session(retries=0), url, args.calls)
        recorded = []
        logged = timed_calls(make_http_session(retries=0, recorder=recorded.append, correlation_id="bench"),
                             url, args.calls)
        conn = env["finance.bank.connection"].create({"name": "bench REST", "provider": "json_folder"})
        started = time.perf_counter()
        env["finance.http.exchange"]._record(conn, recorded)
        env.flush_all()
        stored = time.perf_counter() - started
        leaked = env["finance.http.exchange"].search_count([("connection_id", "=", conn.id), "|",
                                                            ("response_body", "ilike", "0532013000"),
                                                            ("request_headers", "ilike", "at-secret-token")])
        pki = Pki("Bench CA")
        cert, key = pki.issue("Bench TPP")
        body = BODY[:1024]
        started = time.perf_counter()
        signed = [sign_headers({"X-Request-ID": f"r{i}"}, body, key, cert) for i in range(200)]
        sign_s = time.perf_counter() - started
        started = time.perf_counter()
        for i, headers in enumerate(signed):
            verify_request(dict(headers, **{"X-Request-ID": f"r{i}"}), body)
        verify_s = time.perf_counter() - started
        cr.rollback()
    httpd.shutdown()
    per_call_ms = (logged - plain) / args.calls * 1000
    print(f"{args.calls} loopback GETs: plain {plain:.2f} s, recorded+masked {logged:.2f} s "
          f"(+{per_call_ms:.2f} ms per call); storing {len(recorded)} exchanges {stored:.2f} s "
          f"({stored / max(len(recorded), 1) * 1000:.2f} ms each); unmasked secrets found: {leaked}")
    print(f"request signing: {200 / sign_s:.0f} signatures/s, {200 / verify_s:.0f} verifications/s (RSA 2048)")
    print(f"bench rest_exchange_overhead_ms={per_call_ms + stored / max(len(recorded), 1) * 1000:.2f}")


if __name__ == "__main__":
    main()
