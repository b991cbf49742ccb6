"""`make check-samples`: every sample statement of ../shared/data/statements through the real import path.

Creates the bank journals the samples' accounts need (in a throw-away database), imports each file
with ``finance.file.import`` (format detection, parsing, ingestion), compares MT940 results with the
``.yml`` expected output shipped beside them, then feeds every statement through ingestion again to
show that nothing is created twice.
"""
import argparse
import collections
import pathlib
import sys
from decimal import Decimal

ROOT = pathlib.Path(__file__).resolve().parent.parent
KNOWN_INVALID = {
    "camt053.v2.wrong.xml": "deliberately invalid fixture (fails its XSD)",
    "statement_details.sta": "fragment without :20:/:25: header: no account to book to",
    "sparkassen.sta": "fragment without :20:/:25: header: no account to book to",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "statements"))
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])
    from odoo.addons.finance_bridge_core.lib.errors import FinanceBridgeError
    from odoo.addons.finance_bridge_core.lib.file_formats import detect

    root = pathlib.Path(args.data)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".json", ".yml"))
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        parsed = {}
        for path in files:
            try:
                fmt = detect(path.read_bytes(), path.name)
                parsed[path] = fmt.parse(path.read_bytes(), path.name)
            except FinanceBridgeError:
                parsed[path] = None
        # One company per currency variant of an account (some corpora reuse account numbers).
        variants = collections.defaultdict(list)
        for result in filter(None, parsed.values()):
            for stmt in result.statements:
                if stmt.currency not in variants[stmt.account]:
                    variants[stmt.account].append(stmt.currency)
        companies = [env.ref("base.main_company")]
        needed = max((len(v) for v in variants.values()), default=1)
        for index in range(1, needed):
            company = env["res.company"].create({"name": f"Samples variant {index}"})
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
            companies.append(company)
        for company in companies:
            # Test corpora edit their figures: many statements do not add up. Import them flagged.
            company.finance_balance_mismatch = "flag"
        journals = 0
        for account, currencies in variants.items():
            for index, code in enumerate(currencies):
                company = companies[index]
                currency = env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
                if not currency:
                    currency = env["res.currency"].create({"name": code, "symbol": code, "rounding": 0.01})
                currency.active = True
                bank = env["res.partner.bank"].create({"acc_number": account, "partner_id": company.partner_id.id,
                                                       "company_id": company.id})
                env["account.journal"].create({
                    "name": f"{account} {code}", "code": f"S{journals:04d}", "type": "bank",
                    "company_id": company.id, "bank_account_id": bank.id,
                    "currency_id": currency.id if currency != company.currency_id else False})
                journals += 1
        print(f"created {journals} bank journal(s) in {len(companies)} compan(y/ies) for the samples' accounts")
        imported = 0
        Import = env["finance.file.import"]
        for path in files:
            rel = path.relative_to(root)
            result = parsed[path]
            company = companies[0]
            if result and result.statements:
                stmt = result.statements[0]
                company = companies[variants[stmt.account].index(stmt.currency)]
            records = Import.with_company(company)._import_payload(path.read_bytes(), str(rel), company=company)
            record = records[:1]
            if record.state == "failed":
                reason = KNOWN_INVALID.get(path.name, "")
                print(f"{rel}: FAILED {record.error}" + (f"  [{reason}]" if reason else ""))
                continue
            imported += 1
            balances = sum(len(s.balances) for s in result.statements) if result else 0
            check = ""
            expected = path.with_suffix(".yml")
            if expected.exists():
                import yaml
                want = [Decimal(str(t.data["amount"].amount)) for t in yaml.unsafe_load(expected.read_text()).transactions]
                got = [line.amount.amount for s in result.statements for line in s.lines]
                check = "; matches .yml" if want == got else f"; DIFFERS from .yml ({len(got)} vs {len(want)} amounts)"
            print(f"{rel}: {record.file_format}: {record.statements_created} statement(s), {record.lines_created} "
                  f"line(s) created, {record.lines_skipped} already known, {balances} balance(s), "
                  f"{record.status_events} status event(s){check}")
        cr.commit()
        again = 0
        engine = env["finance.sync.engine"]
        for result in parsed.values():
            if not result:
                continue
            for stmt in result.statements:
                company = companies[variants[stmt.account].index(stmt.currency)]
                if stmt.raw.get("message") == "camt.054" and not company.finance_notification_lines:
                    continue
                journal = Import._journal_for(stmt.account, company)
                again += engine._ingest(company=company, journal=journal, statements=[stmt]).lines_created
        cr.rollback()
        print(f"re-import of every statement: {again} line(s) created")
        print(f"samples: {imported}/{len(files)} imported")
    return 0 if again == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
