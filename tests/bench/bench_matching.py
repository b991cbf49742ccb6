"""`make bench` part: bank matching. The engine on 10,000 statement lines against 50,000 open items
(and 20,000 lines, to show the cost per line does not grow with the number of lines), then the
whole path in the database: import, matching and Odoo reconciliation writes of every line."""
import argparse
import pathlib
import statistics
import sys
import time
from contextlib import closing
from datetime import date
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))


def engine_run(n_lines, n_items, seed=11):
    import matching_corpus

    from odoo.addons.bank_reconciliation_matching.lib.match_engine import MatchEngine
    items, ibans, labelled = matching_corpus.generate(n_lines, n_items, seed)
    lines = [lab.line for lab in labelled]
    started = time.perf_counter()
    engine = MatchEngine(items, ibans, [matching_corpus.FEE_RULE])
    results = engine.match(lines)
    elapsed = time.perf_counter() - started
    auto = sum(res.decision == "auto" for res in results)
    return elapsed, auto, len(items)


def n_items_total(args):
    return max(args.db_items, 2 * args.db_lines)


def db_setup(env, n_items, per_entry=1000, first=0):
    """Open items as receivable lines of posted miscellaneous entries (``per_entry`` lines each,
    as an opening-balance import books them), each line with a partner (200 customers) and an RF
    reference as its label: created and posted through the ORM, one entry at a time."""
    from odoo import Command
    from odoo.addons.account.tools.structured_reference import format_structured_reference_iso
    company = env.company
    receivable = env["account.account"].search([("account_type", "=", "asset_receivable"),
                                                ("company_ids", "in", company.id)], limit=1)
    income = env["account.account"].search([("account_type", "=", "income"), ("company_ids", "in", company.id)],
                                           limit=1)
    partners = env["res.partner"].search([("name", "=like", "Bench customer %")], order="id", limit=200) \
        or env["res.partner"].create([{"name": f"Bench customer {i}"} for i in range(200)])
    misc = env["account.journal"].search([("type", "=", "general"), ("company_id", "=", company.id)], limit=1)
    started = time.perf_counter()
    refs = []
    for start in range(0, n_items, per_entry):
        lines, total = [], Decimal(0)
        for i in range(start, min(start + per_entry, n_items)):
            ref = format_structured_reference_iso(100_000 + first + i)
            amount = Decimal(1000 + i % 5000) / 100
            refs.append((ref, amount))
            total += amount
            lines.append(Command.create({"account_id": receivable.id, "partner_id": partners[i % 200].id,
                                         "name": ref, "debit": float(amount)}))
        lines.append(Command.create({"account_id": income.id, "name": "Bench opening balances",
                                     "credit": float(total)}))
        move = env["account.move"].create({"journal_id": misc.id, "date": "2026-03-01",
                                           "ref": f"Bench opening balances {start}", "line_ids": lines})
        move.action_post()
        env.flush_all()
        env.invalidate_all()
    return refs, time.perf_counter() - started


def bench_statement(env, refs, code, prefix):
    from odoo.addons.finance_bridge_core.lib.dto import Money, StatementDTO, StatementLineDTO
    currency = env.company.currency_id.name
    lines = tuple(StatementLineDTO(booking_date=date(2026, 3, 5), amount=Money(Decimal(str(amount)).quantize(
        Decimal("0.01")), currency), label=f"Payment {ref.lower()}", unique_id=f"{prefix}-{code}-{i}")
        for i, (ref, amount) in enumerate(refs))
    env["ir.config_parameter"].set_param("bank_reconciliation_matching.background_from", str(len(refs) + 1))
    return StatementDTO(account=f"BENCH{code}", currency=currency, date=date(2026, 3, 5), lines=lines)


def timed_import(env, refs, code, auto=True, orm_only=False):
    """A statement paying ``refs`` imported into a new journal: import, matching and (``auto``) the
    reconciliation writes, timed together (the ORM path alone when ``orm_only``).
    Returns (seconds, lines reconciled, lines written set-based, the run's notes)."""
    if orm_only:
        env = env(context=dict(env.context, finance_reconcile_orm_only=True))
    journal = env["account.journal"].create({"name": f"Bench matching {code}", "code": code, "type": "bank",
                                             "finance_auto_reconcile": auto})
    statement = bench_statement(env, refs, code, "BM")
    started = time.perf_counter()
    env["finance.sync.engine"]._ingest(journal=journal, statements=[statement])
    env.flush_all()
    elapsed = time.perf_counter() - started
    reconciled = env["account.bank.statement.line"].search_count([("journal_id", "=", journal.id),
                                                                  ("is_reconciled", "=", True)])
    run = env["finance.reconcile.run"].search([("journal_id", "=", journal.id)], limit=1)
    return elapsed, reconciled, run.lines_bulk, run.notes or ""


def repeated(env, repeat, refs, code, **kwargs):
    """``timed_import`` ``repeat`` times, each rolled back to a savepoint (the same open items every
    time), each run's time printed: (median seconds, (reconciled, set-based, notes) of the last run,
    runs done)."""
    times, last = [], None
    for k in range(repeat):
        with closing(env.cr.savepoint()):
            elapsed, *last = timed_import(env, refs, f"{code}{k}", **kwargs)
        times.append(elapsed)
    print(f"    {len(refs)} lines, runs: {', '.join(f'{t:.1f} s' for t in times)}")
    return statistics.median(times), tuple(last), len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--db-lines", type=int, default=10_000)
    parser.add_argument("--db-items", type=int, default=50_000)
    parser.add_argument("--orm-lines", type=int, default=200, help="lines through the ORM path, for the ratio")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import (the median is reported)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile one more end-to-end import (not timed) into "
                        "FILE and print its top cumulative entries")
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])

    elapsed, auto, n_items = engine_run(args.lines, args.items)
    engine_rate = args.lines / elapsed
    print(f"matching engine: {args.lines} lines against {n_items} open items in {elapsed:.2f} s "
          f"({engine_rate:.0f} lines/s, {auto} automatic)")
    double, _auto2, n_items2 = engine_run(2 * args.lines, args.items)
    print(f"matching engine: {2 * args.lines} lines against {n_items2} open items in {double:.2f} s; "
          f"time ratio {double / elapsed:.2f} for twice the lines (linear 2, quadratic 4)")

    registry = Registry(args.database)
    n, orm_n, repeat = args.db_lines, args.orm_lines, args.repeat
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        refs, setup = db_setup(env, n_items_total(args))
        cr.execute("ANALYZE account_move_line, account_move")  # as autovacuum would after such an import
        print(f"matching in the database: {len(refs)} posted open items created in {setup:.1f} s "
              f"({len(refs) / setup:.0f} items/s); each import below runs {repeat} times against them "
              f"(rolled back to a savepoint after each), the median is reported")
        if args.profile:
            import cProfile
            import pstats
            profiler = cProfile.Profile()
            with closing(cr.savepoint()):
                _e, reconciled, bulk, _notes = profiler.runcall(timed_import, env, refs[:n], "BMP")
            profiler.dump_stats(args.profile)
            print(f"  profiled run (not timed): {n} lines, {reconciled} reconciled, {bulk} set-based; "
                  f"profile in {args.profile}")
            pstats.Stats(args.profile).sort_stats("cumulative").print_stats(45)
        elapsed, (reconciled, bulk, notes), runs = repeated(env, repeat, refs[:n], "BM1")
        rate = n / elapsed
        print(f"  {n} lines imported, matched and reconciled in {elapsed:.1f} s (median of {runs}; "
              f"{rate:.0f} lines/s end to end; {reconciled} reconciled, {bulk} by the set-based writer)"
              f"{' — ' + notes if notes else ''}")
        twice, (reconciled2, bulk2, _notes), _r = repeated(env, repeat, refs[:2 * n], "BM2")
        print(f"  {2 * n} lines in {twice:.1f} s (median; {2 * n / twice:.0f} lines/s; {reconciled2} reconciled, "
              f"{bulk2} set-based); time ratio {twice / elapsed:.2f} for twice the lines (linear 2, quadratic 4)")
        plain, _c, _r = repeated(env, repeat, refs[:n], "BM4", auto=False)
        print(f"  for reference: {n} lines imported and matched without reconciling in {plain:.1f} s "
              f"(median; {n / plain:.0f} lines/s): reconciliation writes add {max(elapsed - plain, 0):.1f} s")
        # The ORM path settles one item at a time, recomputing the whole entry it belongs to: its
        # sample gets entries of one item each (as invoices are), not lines of the large entries.
        orm_refs, _t = db_setup(env, orm_n, per_entry=1, first=n_items_total(args))
        orm_elapsed, (orm_reconciled, _b, _n), _r = repeated(env, repeat, orm_refs, "BM3", orm_only=True)
        orm_rate = orm_n / orm_elapsed
        print(f"  ORM path in the same run: {orm_n} lines in {orm_elapsed:.1f} s (median; {orm_rate:.1f} lines/s, "
              f"{orm_reconciled} reconciled); set-based / ORM = {rate / orm_rate:.1f}x")
        cr.rollback()
    print(f"bench matching_engine_lines_per_s={engine_rate:.0f}")
    print(f"bench matching_lines_per_s={rate:.0f} matching_orm_lines_per_s={orm_rate:.1f} "
          f"matching_vs_orm={rate / orm_rate:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
