"""`make bench` part: bank matching. The engine on 10,000 statement lines against 50,000 open items
(and 20,000 lines, to show the cost per line does not grow with the number of lines), then the
whole path in the database: import, matching and Odoo reconciliation writes of every line."""
import argparse
import pathlib
import sys
import time
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


def db_run(env, n_lines, n_items):
    """Open items as posted entries with an RF reference each; a statement whose lines pay them,
    imported into a journal that reconciles automatically. Everything is rolled back after."""
    from odoo import Command
    from odoo.addons.account.tools.structured_reference import format_structured_reference_iso
    from odoo.addons.finance_bridge_core.lib.dto import Money, StatementDTO, StatementLineDTO
    company = env.company
    journal = env["account.journal"].create({"name": "Bench matching", "code": "BMAT", "type": "bank",
                                             "finance_auto_reconcile": True})
    receivable = env["account.account"].search([("account_type", "=", "asset_receivable"),
                                                ("company_ids", "in", company.id)], limit=1)
    income = env["account.account"].search([("account_type", "=", "income"), ("company_ids", "in", company.id)],
                                           limit=1)
    partners = env["res.partner"].create([{"name": f"Bench customer {i}"} for i in range(200)])
    misc = env["account.journal"].search([("type", "=", "general"), ("company_id", "=", company.id)], limit=1)
    started = time.perf_counter()
    refs, vals_list = [], []
    for i in range(n_items):
        ref = format_structured_reference_iso(100_000 + i)
        amount = 10 + (i % 5000) / 100
        refs.append((ref, amount))
        vals_list.append({"journal_id": misc.id, "date": "2026-03-01", "ref": ref, "line_ids": [
            Command.create({"account_id": receivable.id, "partner_id": partners[i % 200].id, "debit": amount}),
            Command.create({"account_id": income.id, "credit": amount})]})
    for start in range(0, len(vals_list), 1000):
        env["account.move"].create(vals_list[start:start + 1000]).action_post()
    env.flush_all()
    setup = time.perf_counter() - started
    lines = tuple(StatementLineDTO(booking_date=date(2026, 3, 5), amount=Money(Decimal(str(amount)).quantize(
        Decimal("0.01")), company.currency_id.name), label=f"Payment {ref.lower()}", unique_id=f"BM-{i}")
        for i, (ref, amount) in enumerate(refs[:n_lines]))
    statement = StatementDTO(account="BENCH", currency=company.currency_id.name, date=date(2026, 3, 5), lines=lines)
    env["ir.config_parameter"].set_param("bank_reconciliation_matching.background_from", str(n_lines + 1))
    started = time.perf_counter()
    env["finance.statement.ingestion"]._ingest_into_journal(journal, statement)
    env.flush_all()
    elapsed = time.perf_counter() - started
    reconciled = env["account.bank.statement.line"].search_count([("journal_id", "=", journal.id),
                                                                  ("is_reconciled", "=", True)])
    return setup, elapsed, reconciled


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--db-lines", type=int, default=100)
    parser.add_argument("--db-items", type=int, default=500)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])

    elapsed, auto, n_items = engine_run(args.lines, args.items)
    rate = args.lines / elapsed
    print(f"matching engine: {args.lines} lines against {n_items} open items in {elapsed:.2f} s "
          f"({rate:.0f} lines/s, {auto} automatic)")
    double, _auto2, n_items2 = engine_run(2 * args.lines, args.items)
    print(f"matching engine: {2 * args.lines} lines against {n_items2} open items in {double:.2f} s; "
          f"time ratio {double / elapsed:.2f} for twice the lines (linear 2, quadratic 4)")

    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        setup, db_elapsed, reconciled = db_run(env, args.db_lines, args.db_items)
        cr.rollback()
    db_rate = args.db_lines / db_elapsed
    print(f"matching in the database: {args.db_lines} lines imported, matched and reconciled against "
          f"{args.db_items} posted open items in {db_elapsed:.1f} s ({db_rate:.0f} lines/s end to end, "
          f"{reconciled} reconciled; open items created in {setup:.1f} s)")
    print(f"bench matching_lines_per_s={rate:.0f} matching_reconcile_lines_per_s={db_rate:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
