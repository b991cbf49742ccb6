"""`make bench` part: the cash position over 100 bank accounts, 5 companies and 1,000,000 statement lines.

The lines are generated set-based (SQL generate_series, FK triggers off for the load only); the timed
part is what the dashboard does: read the per-account view and the per-company position by horizon.
"""
import argparse
import pathlib
import statistics
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]

LOAD_SQL = """
    SET LOCAL session_replication_role = replica;
    CREATE TEMP TABLE bench_ids ON COMMIT DROP AS
        SELECT g, j.journal_id, j.company_id, j.currency_id,
               nextval('account_move_id_seq') AS move_id, nextval('account_bank_statement_line_id_seq') AS line_id,
               CURRENT_DATE - (g %% 365) AS day, ((g %% 20000) - 9990) / 100.0 AS amount
          FROM generate_series(1, %(lines)s) g
          JOIN (SELECT row_number() OVER (ORDER BY j.id) - 1 AS k, j.id AS journal_id, j.company_id,
                       COALESCE(j.currency_id, c.currency_id) AS currency_id
                  FROM account_journal j JOIN res_company c ON c.id = j.company_id
                 WHERE j.code LIKE 'BT%%') j ON j.k = g %% %(accounts)s;
    INSERT INTO account_move (id, journal_id, company_id, currency_id, state, move_type, auto_post, date, name,
                              statement_line_id, create_date, write_date)
        SELECT move_id, journal_id, company_id, currency_id, 'posted', 'entry', 'no', day, '/', line_id,
               now(), now() FROM bench_ids;
    INSERT INTO account_bank_statement_line (id, move_id, journal_id, company_id, currency_id, amount, payment_ref,
                                             internal_index, create_date, write_date)
        SELECT line_id, move_id, journal_id, company_id, currency_id, amount, NULL,
               to_char(day, 'YYYYMMDD') || lpad(g::text, 12, '0'), now(), now() FROM bench_ids;
    INSERT INTO finance_bank_balance (journal_id, company_id, kind, position, date, currency_id, amount,
                                      create_date, write_date)
        SELECT DISTINCT ON (journal_id) journal_id, company_id, 'booked', 'closing', CURRENT_DATE - 30,
               currency_id, 100000, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_ids ORDER BY journal_id;
    INSERT INTO finance_bank_balance (journal_id, company_id, kind, position, date, currency_id, amount,
                                      create_date, write_date)
        SELECT DISTINCT ON (journal_id) journal_id, company_id, 'intraday', 'interim', CURRENT_DATE,
               currency_id, 100500, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_ids ORDER BY journal_id;
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=100)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])
    registry = Registry(args.database)

    started = time.monotonic()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        eur = env.ref("base.EUR")
        eur.active = True
        companies = env.company
        for n in range(1, args.companies):
            companies |= env["res.company"].create({"name": f"Bench Treasury {n}",
                                                    "currency_id": (eur if n % 2 else env.company.currency_id).id})
        for k in range(args.accounts):
            company = companies[k % len(companies)]
            env["account.journal"].with_company(company).create({
                "name": f"Bench treasury {k}", "code": f"BT{k:03d}", "type": "bank", "company_id": company.id,
                "currency_id": (eur.id if k % 3 == 0 and company.currency_id != eur else False)})
        for company in companies:
            env["res.currency.rate"].create({"currency_id": eur.id if company.currency_id != eur
                                             else env.ref("base.USD").id, "rate": 0.92, "company_id": company.id})
        env.flush_all()
        print(f"bench cash position set-up: companies and journals in {time.monotonic() - started:.1f} s")
        cr.execute(LOAD_SQL, {"lines": args.lines, "accounts": args.accounts})
    with registry.cursor() as cr:
        cr._cnx.autocommit = True  # VACUUM: the visibility map lets the index-only range scans skip the heap
        cr.execute("VACUUM ANALYZE account_bank_statement_line")
        cr.execute("ANALYZE account_move")
        cr.execute("ANALYZE finance_bank_balance")
    print(f"bench cash position data: {args.lines} statement lines, {args.accounts} bank accounts, "
          f"{args.companies} companies generated in {time.monotonic() - started:.1f} s")

    timings = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for _run in range(4):
            env.invalidate_all()
            t0 = time.monotonic()
            accounts = env["finance.treasury.cash.account"].search_read([], ["balance", "balance_reporting", "stale"])
            positions = env["finance.treasury.position"].search_read([], ["position_90_company"])
            timings.append(time.monotonic() - t0)
        lines_total = sum(a["balance"] for a in accounts)
    print(f"bench cash position: {len(accounts)} accounts, {len(positions)} companies, balances total "
          f"{lines_total:,.2f}; runs {', '.join(f'{t:.3f}' for t in timings)} s (first cold)")
    print(f"bench cash_position_1m_lines_s={statistics.median(timings[1:]):.3f}")


if __name__ == "__main__":
    main()
