"""`make bench` part: 1,000 concurrent webhook deliveries against a real Odoo HTTP server, then the worker.

Set-up (not timed): a bank journal and a webhook-capable connection (``test_webhook_folder`` of the
test-only addon) with a signing secret, committed; then an Odoo server for this database is started
as its own process (multi-threaded, on a free loopback port, no cron threads). Timed:

0. warm-up: ``--serial`` deliveries from one client, whose latency is the service time without
   queueing (printed apart, applied like the others);
1. delivery: ``--clients`` threads POST ``--deliveries`` signed status events to the connection's
   webhook URL over HTTP (``--redeliveries`` of them are a second delivery of an event already sent,
   as a bank does after a lost answer: they must be refused as replays); the latency of every answer
   is recorded;
2. apply: ``--workers`` cron workers (threads, own cursors) drain the inbox concurrently.

Then it checks: lost = events answered 2xx but not in the inbox, or not applied; duplicated = inbox
rows with the same event id, events applied more than once (one "applied" audit event per
application) and payment status events recorded more than once.
Summary line: ``bench webhook_p99_ms=<n> lost=<n> duplicated=<n>``.
"""
import argparse
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
SECRET = "whsec-bench-" + "0123456789abcdef" * 2


def iban_de(n):
    bban = f"37040044{n:010d}"
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def setup(env, folder):
    company = env.company
    bank = env["res.partner.bank"].create({"acc_number": iban_de(8_800_001), "partner_id": company.partner_id.id})
    journal = env["account.journal"].create({"name": "Bench webhooks", "code": "BWH", "type": "bank",
                                             "bank_account_id": bank.id, "company_id": company.id})
    conn = env["finance.bank.connection"].create({"name": "Bench webhooks", "provider": "test_webhook_folder"})
    conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = folder
    conn.account_ids = [(0, 0, {"journal_id": journal.id})]
    conn.action_activate()
    conn._webhook_store_secret("webhook_signing_secret", SECRET)
    return conn


def start_server(args, port, logfile):
    command = [sys.executable, "-m", "odoo", "-c", args.config, f"--addons-path={ROOT / 'addons'}",
               "-d", args.database, f"--db-filter=^{args.database}$", "--http-interface=127.0.0.1",
               f"--http-port={port}", "--workers=0", "--max-cron-threads=0", "--log-level=warn"]
    server = subprocess.Popen(command, stdout=logfile, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the Odoo server exited with {server.returncode} (log: {logfile.name})")
        try:
            requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the Odoo server did not answer within 120 s")


def deliver(url, deliveries, clients, redeliveries, scheme, prefix="bench"):
    """POST every delivery from ``clients`` threads; returns [(event id, status, seconds)]."""
    unique = deliveries - redeliveries
    plan = [f"{prefix}-{n:05d}" for n in range(unique)]
    plan += [f"{prefix}-{n:05d}" for n in range(0, unique, max(1, unique // max(1, redeliveries)))][:redeliveries]
    results, lock, cursor = [], threading.Lock(), iter(range(len(plan)))

    def client():
        session = requests.Session()
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            event_id = plan[index]
            body = json.dumps({"id": event_id, "type": "status", "occurred_at": "2026-03-02T10:00:00Z",
                               "data": {"status": "ACSC", "end_to_end_id": f"E2E-{event_id}"}}).encode()
            stamp = str(int(time.time()))
            headers = {"Content-Type": "application/json", "X-Webhook-Timestamp": stamp,
                       "X-Webhook-Signature": scheme.sign(SECRET, stamp, body)}
            started = time.perf_counter()
            try:
                status = session.post(url, data=body, headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                results.append((event_id, status, elapsed))

    threads = [threading.Thread(target=client, name=f"bench-client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--redeliveries", type=int, default=50)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--serial", type=int, default=50, help="deliveries from one client first (warm-up)")
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])
    from odoo.addons.finance_bridge_core.lib.webhook_verify import DEFAULT_SCHEME

    registry = Registry(args.database)
    folder = tempfile.mkdtemp(prefix="fb_bench_webhook_", dir="/tmp")
    log = tempfile.NamedTemporaryFile("w", prefix="fb_bench_webhook_server_", suffix=".log", delete=False)
    server, keep_log = None, False
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            conn = setup(env, folder)
            conn_id, token = conn.id, conn.webhook_token
            cr.commit()
        port = free_port()
        server = start_server(args, port, log)
        url = f"http://127.0.0.1:{port}/finance_bridge/webhook/{token}"
        print(f"server: pid {server.pid} on 127.0.0.1:{port} (threaded, --workers=0); "
              f"{args.deliveries} deliveries ({args.redeliveries} redeliveries) from {args.clients} clients")

        # One client first: the service time of a delivery without queueing (also warms the server).
        serial = deliver(url, args.serial, 1, 0, DEFAULT_SCHEME, prefix="serial")
        serial_ms = [elapsed * 1000 for _event, _status, elapsed in serial]
        if serial_ms:
            print(f"one client: {len(serial)} deliveries, latency p50 {percentile(serial_ms, 0.5):.1f} ms, "
                  f"p99 {percentile(serial_ms, 0.99):.1f} ms (service time without queueing; not in the checks)")
        started = time.perf_counter()
        results = deliver(url, args.deliveries, args.clients, args.redeliveries, DEFAULT_SCHEME)
        wall = time.perf_counter() - started
        latencies = [elapsed * 1000 for _event, _status, elapsed in results]
        by_status = {}
        for _event, status, _elapsed in results:
            by_status[status] = by_status.get(status, 0) + 1
        accepted = {event for event, status, _elapsed in results if 200 <= status < 300}
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        print(f"delivery: {len(results)} answers in {wall:.2f} s ({len(results) / wall:.0f}/s); "
              f"statuses {dict(sorted(by_status.items()))}; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
              f"max {max(latencies):.1f} ms")

        def worker(index):
            with registry.cursor() as cr:
                env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
                env["finance.webhook.inbox"]._cron_apply()

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(n,), name=f"bench-worker-{n}") for n in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        drain = time.perf_counter() - started

        with registry.cursor() as cr:
            cr.execute("SELECT event_id, count(*), min(state), max(state), max(id) FROM finance_webhook_inbox "
                       "WHERE connection_id = %s GROUP BY event_id", (conn_id,))
            rows = {event_id: (count, low, high) for event_id, count, low, high, _id in cr.fetchall()}
            cr.execute("""SELECT count(*) FROM (SELECT res_id FROM finance_audit_event
                           WHERE event_type = 'webhook.apply' AND model = 'finance.webhook.inbox'
                             AND summary LIKE '%%: applied %%' AND res_id IN (
                                 SELECT id FROM finance_webhook_inbox WHERE connection_id = %s)
                           GROUP BY res_id HAVING count(*) > 1) twice""", (conn_id,))
            applied_twice = cr.fetchone()[0]
            cr.execute("""SELECT count(*) FROM (SELECT end_to_end_id FROM finance_status_event
                           WHERE end_to_end_id LIKE 'E2E-bench-%%' GROUP BY end_to_end_id
                           HAVING count(*) > 1) twice""")
            status_twice = cr.fetchone()[0]
            cr.execute("SELECT count(*) FROM finance_status_event WHERE end_to_end_id LIKE 'E2E-bench-%%'")
            status_events = cr.fetchone()[0]
        applied = sum(1 for count, low, high in rows.values() if low == high == "applied")
        lost = sum(1 for event in accepted if event not in rows or rows[event][1:] != ("applied", "applied"))
        duplicated = sum(1 for count, _low, _high in rows.values() if count > 1) + applied_twice + status_twice
        refused_replays = by_status.get(409, 0)
        print(f"apply: {applied} event(s) applied by {args.workers} workers in {drain:.2f} s "
              f"({applied / drain if drain else 0:.0f}/s); {status_events} payment status events; "
              f"{refused_replays} redeliveries refused as replays")
        in_inbox = sum(1 for event in rows if event.startswith("bench-"))
        print(f"check: {len(accepted)} accepted, {in_inbox} in the inbox; lost {lost}; "
              f"duplicated {duplicated} (inbox rows, applications, status events)")
        print(f"bench webhook_p99_ms={p99:.0f} lost={lost} duplicated={duplicated}")
        failed = lost or duplicated or any(status == 0 or status >= 500 for status in by_status)
        if failed:
            keep_log = True
            print(f"server log kept: {log.name}")
        return 1 if failed else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        log.close()
        shutil.rmtree(folder, True)
        if not keep_log and os.path.exists(log.name):
            os.unlink(log.name)


if __name__ == "__main__":
    sys.exit(main())
