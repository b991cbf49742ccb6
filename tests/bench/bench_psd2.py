"""`make bench` part: one PSD2 sync of 20,000 transactions over 200 pages from the simulated bank.

Set-up (not timed): the simulated NextGenPSD2 bank in this process (real HTTPS with mutual TLS and
signed requests on loopback), an account with ``--transactions`` booked transactions spread over 60
days served ``--pages`` pages, a EUR bank journal and a PSD2 connection whose consent is given on
the bank's SCA page (as a browser would) and completed through the core's OAuth callback.
Timed: one "Sync now" (the engine's run: every page fetched, parsed, de-duplicated and stored as
statement lines, the balances read). The share of time spent in HTTP is the sum of the exchanges'
durations the core recorded for the run (``finance.http.exchange``), the rest is ingestion (parsing,
cursor, statement lines). A second sync (nothing new: the look-back re-read) is timed too.
Summary line: ``bench psd2_sync_lines_per_s=<n>``.
"""
import argparse
import pathlib
import re
import sys
import time
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
IBAN = "DE89370400440532013000"


def connect(env, conn, bank):
    """Connect as the administrator would: the bank's page approved, the callback completed."""
    action = conn.action_oauth_connect()
    page = requests.get(action["url"], timeout=30)
    sca_id = re.search(r"name='sca_id' value='([^']+)'", page.text).group(1)
    answer = requests.post(bank.psu_url + "/authorize/decision", data={"sca_id": sca_id, "decision": "approve"},
                           allow_redirects=False, timeout=30)
    back = {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}
    env["finance.bank.connection"]._oauth_callback(back["state"], code=back["code"])
    conn.action_activate()


def setup(env, sim, count, pages):
    eur = env.ref("base.EUR")
    eur.active = True
    journal = env["account.journal"].create({
        "name": "PSD2 bench", "code": "PSDB", "type": "bank", "currency_id": eur.id,
        "bank_account_id": env["res.partner.bank"].create({"acc_number": IBAN,
                                                           "partner_id": env.company.partner_id.id}).id})
    today = sim.bank.clock.today()
    import datetime
    rid = sim.bank.add_account(IBAN, resource_id="acc-bench", opening_balance="100000.00")
    sim.bank.generate_transactions(rid, count, pages=pages, date_from=today - datetime.timedelta(days=59),
                                   date_to=today, seed=7)
    conn = env["finance.bank.connection"].create({
        "name": "PSD2 bench", "provider": "psd2_berlin_group", "bank_timezone": "Europe/Berlin",
        "account_ids": [(0, 0, {"journal_id": journal.id})]})
    settings = {"api_url": sim.api_url, "client_id": sim.tpp.client_id, "bank_ca_pem": sim.ca_pem.decode(),
                "frequency_per_day": 100, "initial_days": 90, "timeout_seconds": 60}
    for key, value in settings.items():
        conn.setting_ids.filtered(lambda s, k=key: s.key == k).value = str(value)
    secrets = {"tls_certificate": sim.tpp.tls_cert_pem, "tls_key": sim.tpp.tls_key_pem,
               "seal_certificate": sim.tpp.seal_cert_pem, "seal_key": sim.tpp.seal_key_pem}
    for key, value in secrets.items():
        conn.secret_ids.filtered(lambda s, k=key: s.key == k).value = value.decode()
    connect(env, conn, sim.bank)
    return conn, journal


def http_ms(env, run):
    env.cr.execute("SELECT COALESCE(SUM(duration_ms), 0), COUNT(*) FROM finance_http_exchange "
                   "WHERE correlation_id = %s", (run.correlation_id,))
    return env.cr.fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--transactions", type=int, default=20000)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])
    from simulators.psd2_bank import running_bank

    registry = Registry(args.database)
    with running_bank(seed=7) as sim, registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        conn, journal = setup(env, sim, args.transactions, args.pages)
        cr.commit()
        started = time.perf_counter()
        run = conn._technical()._run_sync(trigger="manual")
        cr.commit()
        wall = time.perf_counter() - started
        if run.state != "done":
            print(f"sync failed: {run.error}")
            return 1
        spent_http, exchanges = http_ms(env, run)
        lines = env["account.bank.statement.line"].search_count([("journal_id", "=", journal.id)])
        pages = len([e for e in sim.bank.request_log("transactions") if e["status"] == 200])
        rate = run.lines_created / wall
        share = spent_http / 1000 / wall
        print(f"psd2 sync: {run.lines_created} lines created ({lines} in the journal) from {pages} pages, "
              f"{run.statements_created} daily statements, {run.balances_recorded} balances in {wall:.1f} s "
              f"({rate:.0f} lines/s)")
        print(f"  HTTP (TLS, signing, bank): {spent_http / 1000:.1f} s over {exchanges} exchanges = {share:.0%}; "
              f"ingestion (parse, de-duplicate, store): {wall - spent_http / 1000:.1f} s = {1 - share:.0%}")
        started = time.perf_counter()
        again = conn._technical()._run_sync(trigger="manual")
        cr.commit()
        print(f"  second sync (look-back re-read, nothing new): {again.lines_created} created, "
              f"{again.lines_skipped} skipped in {time.perf_counter() - started:.2f} s")
        print(f"bench psd2_sync_lines_per_s={rate:.0f} http_share={share:.2f}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
