"""Walk the PSD2 demo of a running `make run` as a browser would (used by `make demo-psd2`).

Logs in, presses **Connect** on *Simulated PSD2 bank (demo)*, approves on the simulated bank's SCA
page (the browser's redirect back to Odoo's OAuth callback carries the session), then **Activate**
and **Sync now**; prints the consent, the sync's message and what the journals hold. Every step is
a real HTTP call: Odoo's JSON-RPC, the bank's page and the callback.
"""
import argparse
import re
import sys
from urllib.parse import urljoin

import requests

FORM = re.compile(r"<form[^>]*action=['\"]([^'\"]*)['\"][^>]*>(.*?)</form>", re.S)
HIDDEN = re.compile(r"<input[^>]*name=['\"]([^'\"]+)['\"][^>]*value=['\"]([^'\"]*)['\"]")
APPROVE = re.compile(r"<button[^>]*name=['\"]([^'\"]+)['\"][^>]*value=['\"](approve)['\"]", re.I)


class Odoo:
    def __init__(self, url, db, login, password):
        self.url, self.session = url.rstrip("/"), requests.Session()
        answer = self._post("/web/session/authenticate", {"db": db, "login": login, "password": password})
        if not answer:
            sys.exit("login refused")

    def _post(self, path, params, timeout=300):
        reply = self.session.post(self.url + path, json={"jsonrpc": "2.0", "params": params}, timeout=timeout).json()
        if "error" in reply:
            sys.exit(f"{path}: {reply['error']['data']['message']}")
        return reply["result"]

    def call(self, model, method, args, **kwargs):
        return self._post("/web/dataset/call_kw", {"model": model, "method": method, "args": args, "kwargs": kwargs})

    def button(self, model, method, ids):
        return self._post("/web/dataset/call_button", {"model": model, "method": method, "args": [ids], "kwargs": {}})


def approve_at_the_bank(session, url):
    page = session.get(url, timeout=30)
    page.raise_for_status()
    for action, body in FORM.findall(page.text):
        button = APPROVE.search(body)
        if button:
            data = dict(HIDDEN.findall(body), **{button.group(1): button.group(2)})
            back = session.post(urljoin(page.url, action), data=data, timeout=60)
            back.raise_for_status()
            return back.url
    sys.exit(f"no Approve button on the bank's page {page.url}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="finance_bridge")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    odoo = Odoo(args.url, args.db, args.login, args.password)
    found = odoo.call("finance.bank.connection", "search_read", [[("name", "=", "Simulated PSD2 bank (demo)")]],
                      fields=["id", "state"])
    if not found:
        sys.exit("no PSD2 demo connection in this database (was it created with demo data by `make run`?)")
    conn_id = found[0]["id"]
    action = odoo.button("finance.bank.connection", "action_oauth_connect", [conn_id])
    print(f"Connect: the bank's page {action['url'].split('?')[0]}")
    print(f"Approve: back at {approve_at_the_bank(odoo.session, action['url'])}")
    consent = odoo.call("finance.bank.connection", "read", [[conn_id], ["consent_state", "consent_reference",
                                                                        "consent_expires_on", "state"]])[0]
    print(f"consent {consent['consent_reference']}: {consent['consent_state']}, expires on "
          f"{consent['consent_expires_on']}")
    if consent["state"] != "active":
        odoo.button("finance.bank.connection", "action_activate", [conn_id])
    result = odoo.button("finance.bank.connection", "action_sync_now", [conn_id])
    print(f"Sync now: {result['params']['message']}")
    journals = odoo.call("finance.bank.connection.account", "search_read", [[("connection_id", "=", conn_id)]],
                         fields=["journal_id"])
    journal_ids = [j["journal_id"][0] for j in journals]
    lines = odoo.call("account.bank.statement.line", "search_count", [[("journal_id", "in", journal_ids)]])
    balances = odoo.call("finance.bank.balance", "search_count", [[("journal_id", "in", journal_ids)]])
    pending = odoo.call("finance.bank.pending.line", "search_count", [[("journal_id", "in", journal_ids)]])
    print(f"PSD2 journals: {lines} statement line(s), {balances} balance(s), {pending} pending transaction(s)")


if __name__ == "__main__":
    main()
