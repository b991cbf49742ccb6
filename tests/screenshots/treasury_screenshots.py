"""Screenshots of the treasury dashboards against the running demo (what `make run` serves).

Starts Odoo like `make run` on a throw-away database with demo data and every addon `make run`
installs, on its own port; logs in as admin in headless Chromium (DevTools protocol) and saves
one PNG per dashboard; then stops the server and drops the database (unless ``--keep``). With
``--url`` it shoots an Odoo that is already running instead. Used by `make screenshots`.

    python3 tests/screenshots/treasury_screenshots.py --out .local/screenshots/treasury
"""
import argparse
import base64
import contextlib
import http.client
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import xmlrpc.client

import websocket

ROOT = pathlib.Path(__file__).resolve().parents[2]
ADDONS = ROOT / "addons"
SHOTS = (
    # (file name, action xml id, JavaScript that is true once the view has rendered its data)
    ("treasury_cash_dashboard", "finance_bridge_treasury.action_cash_dashboard",
     "document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost) .o_treasury_badge').length >= 2"),
    ("treasury_cash_position", "finance_bridge_treasury.action_cash_position",
     "document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost) .o_treasury_horizons').length >= 1"),
    ("treasury_operations_dashboard", "finance_bridge_treasury.action_ops_dashboard",
     "document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost) .o_treasury_signal').length >= 5"),
    ("treasury_connection_health", "finance_bridge_treasury.action_ops_connections",
     "document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost) .o_treasury_badge').length >= 1"),
)
WIDTH, HEIGHT = 1440, 900


def run_addons():
    """What `make run` installs: every addon but the test-only ones (*_test)."""
    return sorted(p.parent.name for p in ADDONS.glob("*/__manifest__.py") if not p.parent.name.endswith("_test"))


@contextlib.contextmanager
def demo_server(db, port, keep, log_path):
    """`make run` on a new database ``db`` (demo data), served on 127.0.0.1:``port``.

    Installed first (``--stop-after-init``), then served: the same two steps as a first `make run`,
    without requests waiting on the installation (Odoo restarts a server whose request outlives
    ``limit_time_real``).
    """
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    # Like `make run`: a master key for this database only, and the demo's inbox under the data dir allowed.
    data_dir = subprocess.run([sys.executable, "-c", "from odoo.tools import config; print(config['data_dir'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, FINANCE_BRIDGE_MASTER_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
               FINANCE_BRIDGE_FOLDER_ROOTS=os.path.join(data_dir, "finance_bridge_demo"))
    odoo = [sys.executable, "-m", "odoo", f"--addons-path={ADDONS}", "-d", db, f"--db-filter=^{db}$",
            "--http-interface=127.0.0.1", f"--http-port={port}", "--max-cron-threads=0", "--workers=0",
            "--log-level=warn"]
    server = None
    try:
        with open(log_path, "wb") as log:
            print(f"installing {', '.join(run_addons())} with demo data into {db} (a few minutes)", flush=True)
            subprocess.run([*odoo, "-i", ",".join(run_addons()), "--with-demo", "--stop-after-init"],
                           stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env, check=True)
            server = subprocess.Popen(odoo, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        yield f"http://127.0.0.1:{port}"
    finally:
        if server:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        if not keep:
            subprocess.run(["dropdb", "--if-exists", db], check=False)


def wait_installed(url, db, timeout):
    """Until the server answers, admin can log in and the treasury addon is installed."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common", allow_none=True)
            uid = common.authenticate(db, "admin", "admin", {})
            if uid:
                models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)
                state = models.execute_kw(db, uid, "admin", "ir.module.module", "search_read",
                                          [[("name", "=", "finance_bridge_treasury")]], {"fields": ["state"]})
                if state and state[0]["state"] == "installed":
                    return
        except (OSError, xmlrpc.client.Error, http.client.HTTPException):
            pass
        time.sleep(5)
    raise SystemExit(f"{url}: database {db} not ready after {timeout} s")


def session_id(url, db):
    body = json.dumps({"jsonrpc": "2.0", "params": {"db": db, "login": "admin", "password": "admin"}}).encode()
    request = urllib.request.Request(f"{url}/web/session/authenticate", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        for header in answer.headers.get_all("Set-Cookie") or []:
            if header.startswith("session_id="):
                return header.split(";")[0].split("=", 1)[1]
    raise SystemExit("login refused: no session cookie")


class Chrome:
    """Headless Chromium driven over the DevTools protocol (one page)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="treasury_shots_chrome_")
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={WIDTH},{HEIGHT}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = pathlib.Path(self.profile, "DevToolsActivePort")
        for _ in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.ids = 0

    def send(self, method, **params):
        self.ids += 1
        self.ws.send(json.dumps({"id": self.ids, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.ids:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def wait_for(self, expression, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(f"!!({expression})"):
                return True
            time.sleep(0.5)
        return False

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.profile, ignore_errors=True)


def shoot(url, db, out):
    out.mkdir(parents=True, exist_ok=True)
    sid = session_id(url, db)
    chrome = Chrome()
    saved = []
    try:
        chrome.send("Network.enable")
        host = url.split("//", 1)[1].split(":")[0]
        chrome.send("Network.setCookie", name="session_id", value=sid, domain=host, path="/")
        for name, action, ready in SHOTS:
            chrome.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1,
                        mobile=False)
            chrome.send("Page.navigate", url=f"{url}/odoo/action-{action}")
            if not chrome.wait_for(ready):
                raise SystemExit(f"{name}: the dashboard did not render ({ready})")
            time.sleep(1.0)   # fonts and the last re-render
            height = chrome.evaluate("Math.max(document.querySelector('.o_content')?.scrollHeight || 0, 0)"
                                     " + (document.querySelector('.o_content')?.getBoundingClientRect().top || 0)")
            chrome.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=max(HEIGHT, int(height or 0) + 16),
                        deviceScaleFactor=1, mobile=False)
            time.sleep(0.5)
            data = base64.b64decode(chrome.send("Page.captureScreenshot", format="png")["data"])
            if not data.startswith(b"\x89PNG") or len(data) < 20_000:
                raise SystemExit(f"{name}: not a screenshot of a rendered page ({len(data)} bytes)")
            path = out / f"{name}.png"
            path.write_bytes(data)
            saved.append(path)
            print(f"saved {path} ({len(data)} bytes)")
    finally:
        chrome.close()
    return saved


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="treasury_shots", help="throw-away database (dropped first)")
    parser.add_argument("--port", type=int, default=8186)
    parser.add_argument("--out", default=str(ROOT / ".local" / "screenshots" / "treasury"))
    parser.add_argument("--url", help="shoot an Odoo already running here (with --db) instead of starting one")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait for the installation")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    if args.url:
        wait_installed(args.url, args.db, args.timeout)
        shoot(args.url, args.db, out)
        return
    out.mkdir(parents=True, exist_ok=True)
    with demo_server(args.db, args.port, args.keep, out / "server.log") as url:
        wait_installed(url, args.db, args.timeout)
        shoot(url, args.db, out)


if __name__ == "__main__":
    main()
