"""`make bench` part: camt.053 parse and import rates, stock Odoo for comparison, memory of a large
import run as a background job, pain.001 generation + XSD validation for 5,000 payments.

Realistic on both sides: the counterparties are 500 partners found by their IBAN (one line in ten
from an unknown account), and both imports run as an active accounting user, who follows the moves.
``--ratio-only`` measures the import ratio alone (the run on the database with extra modules)."""
import argparse
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))


PARTNERS = 500


def iban_de(n):
    """A valid German IBAN for account number n (check digits computed)."""
    bban = f"50010517{n:010d}"
    return f"DE{98 - int(bban + '131400') % 97:02d}{bban}"


def camt(iban, count, start=date(2026, 1, 1)):
    entries = []
    for i in range(count):
        day = start + timedelta(days=i * 28 // count)   # booked in date order, as banks send statements
        amount = Decimal(i % 9000 + 1) / 100
        ind = "CRDT" if i % 3 else "DBIT"
        role = "Dbtr" if ind == "CRDT" else "Cdtr"
        entries.append(
            f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>BENCH-{i}</AcctSvcrRef>"
            f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId></Refs><RltdPties><{role}><Pty><Nm>Party {i % 500}"
            f"</Nm></Pty></{role}><{role}Acct><Id><IBAN>{iban_de(i % PARTNERS if i % 10 else 900_000 + i)}</IBAN></Id></{role}Acct></RltdPties>"
            f"<RmtInf><Ustrd>Invoice {i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
            f"<BkToCstmrStmt><GrpHdr><MsgId>BENCH-{count}</MsgId><CreDtTm>2026-02-01T06:00:00</CreDtTm></GrpHdr><Stmt>"
            f"<Id>BENCH-{count}</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>{''.join(entries)}"
            f"</Stmt></BkToCstmrStmt></Document>").encode()


def peak_rss_mb():
    """Peak resident memory of this process image (VmHWM). Not getrusage's ru_maxrss: a child
    started by fork + exec inherits the parent's high-water mark there."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_counterparties(env):
    """500 customers/suppliers with their bank accounts, and the accountant who imports."""
    partners = env["res.partner"].create([{"name": f"Party {i}", "is_company": True} for i in range(PARTNERS)])
    env["res.partner.bank"].create([{"acc_number": iban_de(i), "partner_id": partner.id}
                                    for i, partner in enumerate(partners)])
    user = env["res.users"].create({
        "name": "Bench Accountant", "login": "bench_accountant", "email": "accountant@example.com",
        "group_ids": [(6, 0, [env.ref("base.group_user").id, env.ref("account.group_account_manager").id,
                              env.ref("account.group_account_user").id, env.ref("account.group_account_basic").id,
                              env.ref("finance_bridge_core.group_treasury_manager").id])]})
    return user


def setup(env, code, iban):
    eur = env.ref("base.EUR")
    eur.active = True
    bank = env["res.partner.bank"].create({"acc_number": iban, "partner_id": env.company.partner_id.id})
    return env["account.journal"].create({"name": f"Bench {code}", "code": code, "type": "bank",
                                          "bank_account_id": bank.id, "currency_id": eur.id})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--big-lines", type=int, default=100_000)
    parser.add_argument("--big-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ratio-only", action="store_true", help="only the import ratio against stock")
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])
    from odoo.addons.bank_adapter_iso20022.lib.bank_profiles import PROFILES
    from odoo.addons.bank_adapter_iso20022.lib.camt_parser import parse_camt
    from odoo.addons.bank_adapter_iso20022.lib.pain001_writer import write_pain001
    from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO, PostalAddress
    from odoo.addons.finance_bridge_core.lib.import_keys import line_import_keys

    registry = Registry(args.database)
    if args.big_only:  # a separate process that only runs the job, so its peak memory is the import's own
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            conn = env["finance.bank.connection"].browse(args.big_only)
            cron = env.ref("finance_bridge_core.ir_cron_finance_sync")
            started = time.perf_counter()
            cron.method_direct_trigger()  # as the scheduler runs it: own cursor, progress records
            elapsed = time.perf_counter() - started
            cr.commit()
            env.invalidate_all()
            run = conn.sync_run_ids[:1]
            job = env["finance.job.progress"].search([("name", "=", "big.xml")], limit=1)
            print(f"BIG {run.state} {run.lines_created} {elapsed:.1f} "
                  f"{peak_rss_mb():.0f} "
                  f"{job.state} {job.progress:.0f} {job.lines_created}")
        return 0

    n = args.lines
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = setup_counterparties(env)
        # Our import runs three times (a journal each; the median counts), stock's once (minutes).
        journals = [setup(env, "BOUR", "DE89370400440532013000")] + [
            setup(env, f"BOU{k}", iban_de(800_000 + k)) for k in (2, 3)]
        stock_journal = setup(env, "BSTK", "DE75512108001245126199")
        env.flush_all()
        env = env(user=user.id)
        ours, stock_journal = journals[0].with_env(env), stock_journal.with_env(env)
        data = camt(ours.bank_account_id.sanitized_acc_number, n)
        started = time.perf_counter()
        result = parse_camt(data, "bench.xml")
        parse_s = time.perf_counter() - started
        lines = result.statements[0].lines
        print(f"camt.053 parse only: {n} lines in {parse_s:.2f} s = {n / parse_s:,.0f} lines/s "
              f"({parse_s / n * 1000:.3f} ms/line)")
        runs = []
        for journal in journals:
            payload = camt(journal.bank_account_id.sanitized_acc_number, n)
            started = time.perf_counter()
            record = env["finance.file.import"]._import_file(payload, f"bench-{journal.code}.xml")
            env.flush_all()
            runs.append(time.perf_counter() - started)
            assert record.lines_created == n, record.error
        ours_s = sorted(runs)[1]
        print(f"end-to-end import (detect, parse, de-duplicate, partners, statement, lines, moves): "
              f"{n} lines in {ours_s:.1f} s = {n / ours_s:,.0f} lines/s ({ours_s / n * 1000:.1f} ms/line; "
              f"median of {', '.join(f'{r:.1f}' for r in runs)} s)")
        statement = env["account.bank.statement"].create({"name": "stock", "journal_id": stock_journal.id})
        # Exactly the values our import gave its lines (partner, references, details), amounts as floats.
        fresh = list(zip(line_import_keys(stock_journal.bank_account_id.sanitized_acc_number, lines), lines,
                         strict=True))
        ingestion = env["finance.statement.ingestion"]
        vals = ingestion._orm_vals(ingestion._line_vals(stock_journal, stock_journal.currency_id, statement, fresh, 0))
        for line_vals in vals:   # the link to the imported file is ours (and only our import writes it)
            line_vals.pop("finance_file_import_id", None)
        started = time.perf_counter()
        env["account.bank.statement.line"].create(vals)
        env.flush_all()
        stock_s = time.perf_counter() - started
        print(f"stock Odoo account.bank.statement.line.create() of the same {n} lines: {stock_s:.1f} s = "
              f"{n / stock_s:,.0f} lines/s ({stock_s / n * 1000:.1f} ms/line)")
        ratio = stock_s / ours_s
        found = env["account.bank.statement.line"].search_count([("journal_id", "=", ours.id), ("partner_id", "!=", False)])
        print(f"ratio end-to-end / stock = {ratio:.2f}x (target 50x; {found:,} lines with a partner found by IBAN,"
              f" as {env.user.login} with followers)")
        print(f"bench import_ratio{'_extra_modules' if args.ratio_only else ''}={ratio:.1f}")
        cr.rollback()
    if args.ratio_only:
        return 0

    payments = tuple(PaymentDTO(end_to_end_id=f"E{i:05d}", amount=Money(Decimal(i % 5000 + 1) / 100, "EUR"),
                                creditor_name=f"Supplier {i}", creditor_iban="DE89370400440532013000",
                                requested_execution_date=date(2026, 3, 3 + i % 3), remittance_unstructured=f"Inv {i}",
                                creditor_address=PostalAddress(country="DE", town="Berlin")) for i in range(5000))
    batch = PaymentBatchDTO(msg_id="BENCH-PAIN", debtor_name="Us", debtor_iban="DE02120300000000202051",
                            payments=payments, created_at=datetime(2026, 3, 2, tzinfo=timezone.utc))
    write_pain001(batch, PROFILES["sepa_generic"])  # compile the XSD once
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        xml = write_pain001(batch, PROFILES["sepa_generic"])
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"pain.001.001.09 for 5,000 payments incl. XSD validation: median {timings[1]:.2f} s "
          f"({len(xml) / 1e6:.1f} MB; target < 5 s)")

    # The large file, its journal and a watched-folder connection are prepared here (committed);
    # the background job then runs alone in a process of its own.
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        journal = setup(env, "BBIG", "DE02120300000000202051")
        inbox = tempfile.mkdtemp(prefix="fb_bench_inbox_")
        with open(os.path.join(inbox, "big.xml"), "wb") as handle:
            handle.write(camt(journal.bank_account_id.sanitized_acc_number, args.big_lines))
        conn = env["finance.bank.connection"].create({"name": "bench folder", "provider": "iso20022_folder"})
        conn.setting_ids.filtered(lambda x: x.key == "inbound_path").value = inbox
        conn.account_ids = [(0, 0, {"journal_id": journal.id})]
        conn.action_activate()
        conn_id = conn.id
        cr.commit()
    out = subprocess.run([sys.executable, __file__, "-d", args.database, "-c", args.config,
                          "--big-only", str(conn_id)], capture_output=True, text=True, timeout=7200)
    shutil.rmtree(inbox, ignore_errors=True)
    big = next((line for line in out.stdout.splitlines() if line.startswith("BIG ")), None)
    if big:
        _tag, _state, created, seconds, rss, job_state, job_pct, job_lines = big.split()
        print(f"{args.big_lines:,}-line camt.053 from a watched folder, imported by the sync cron in its own "
              f"process: {created} lines, {seconds} s ({float(seconds) / max(int(created), 1) * 1000:.1f} ms/line), "
              f"peak RSS {rss} MB (target < 600 MB for 100,000 lines); progress record: {job_state}, "
              f"{job_pct} %, {job_lines} lines")
    else:
        print("large import failed:", out.stderr[-2000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
