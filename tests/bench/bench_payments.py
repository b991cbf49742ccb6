"""`make bench` part: 2,000 payments from 2,000 vendor bills, from the batch to the bank's folder.

Set-up (not timed): 2,000 vendors, each with a trusted bank account and one posted bill, a bank
journal with a watched-folder connection, a one-approval policy and one user per role. Then, timed
per phase, each phase in its own transaction as the users would run it:
batch creation ("Add to payment batch"), submission with screening, approval, release
(``_release()``: what the Release button runs after Odoo's identity check, which needs a browser
session), and transmission: the outbox worker re-derives the payload from the batch, writes the
pain.001, validates it against the XSD and writes it to the watched folder. Posting the 2,000
payments (and matching them with their bills) follows in a background job, timed apart.
The phase split is also written to a ``finance.job.progress`` row, as a background job reports it.
"""
import argparse
import os
import pathlib
import shutil
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
G = "finance_bridge_core.group_"


def iban_de(n):
    bban = f"37040044{n:010d}"
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


def setup(env, count, outbound):
    """Vendors, bank accounts, posted bills, journal, connection, policy and users (not timed)."""
    from odoo import Command
    company = env.company
    for name in ("risk_rule_bank_changed", "risk_rule_new_account", "risk_rule_anomaly", "risk_rule_duplicate"):
        if name in company._fields:
            company[name] = False
    # "Add to payment batch" takes the company's first bank journal: it pays from this IBAN.
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
    journal.bank_account_id = env["res.partner.bank"].create({"acc_number": iban_de(9_900_001),
                                                              "partner_id": company.partner_id.id})
    conn = env["finance.bank.connection"].create({"name": "Bench folder", "provider": "iso20022_folder"})
    conn.setting_ids.filtered(lambda s: s.key == "outbound_path").value = outbound
    conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = outbound
    conn.account_ids = [Command.create({"journal_id": journal.id})]
    conn.action_activate()
    # No policy rule: the default one asks for one Payment Approver.
    users = {}
    for role, groups in (("preparer", "payment_preparer"), ("approver", "payment_approver"),
                         ("releaser", "payment_releaser")):
        users[role] = env["res.users"].create({
            "name": f"Bench {role}", "login": f"bench_{role}", "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "group_ids": [Command.set([env.ref("base.group_user").id, env.ref(f"{G}{groups}").id,
                                       env.ref("account.group_account_invoice").id])]})
    partners = env["res.partner"].create([{"name": f"Bench Vendor {n:05d} GmbH", "is_company": True,
                                           "supplier_rank": 1} for n in range(count)])
    # Odoo lets only a real user (not the superuser) mark an account trusted ("Send Money").
    banks = env["res.partner.bank"].with_user(env.ref("base.user_admin")).create([{"partner_id": p.id, "acc_number": iban_de(5_000_000 + n),
                                             "allow_out_payment": True} for n, p in enumerate(partners)]).sudo()
    expense = env["account.account"].search([("account_type", "=", "expense"),
                                             ("company_ids", "in", company.ids)], limit=1)
    bills = env["account.move"].create([{
        "move_type": "in_invoice", "partner_id": p.id, "partner_bank_id": b.id, "invoice_date": "2026-03-02",
        "ref": f"BENCH-{n:05d}", "invoice_line_ids": [Command.create({
            "name": "Services", "quantity": 1, "price_unit": 100 + n % 900 + (n % 100) / 100,
            "account_id": expense.id, "tax_ids": []})]} for n, (p, b) in enumerate(zip(partners, banks, strict=True))])
    bills.action_post()
    return bills, conn, users


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("-c", "--config", default=str(ROOT / ".odoo-test.conf"))
    parser.add_argument("--payments", type=int, default=2000)
    args = parser.parse_args()

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config
    config.parse_config(["-c", args.config, "-d", args.database, f"--addons-path={ROOT / 'addons'}"])
    registry = Registry(args.database)
    outbound = tempfile.mkdtemp(prefix="fb_bench_pay_", dir="/tmp")
    phases = {}
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            started = time.perf_counter()
            bills, _conn, users = setup(env, args.payments, outbound)
            cr.commit()
            print(f"set-up: {len(bills)} posted bills of {len(bills)} vendors in "
                  f"{time.perf_counter() - started:.1f} s (not part of the figure)")

            def phase(name, func):
                started = time.perf_counter()
                result = func()
                cr.commit()
                phases[name] = time.perf_counter() - started
                print(f"  {name:<28} {phases[name]:7.1f} s")
                return result

            Batch = env["finance.payment.batch"]
            action = phase("batch creation", lambda: bills.with_user(users["preparer"]).with_context(
                tracking_disable=True).action_add_to_payment_batch())
            batch = Batch.browse(action["res_id"])
            phase("submit + screening", lambda: batch.with_user(users["preparer"]).action_submit())
            phase("approval", lambda: batch.with_user(users["approver"]).action_approve())
            phase("release", lambda: batch.with_user(users["releaser"])._release())
            message = batch.sudo().outbox_message_id
            phase("pain.001 + XSD + transmission", lambda: message._process())
            env.invalidate_all()
            started = time.perf_counter()

            def commit_progress(processed=0, remaining=None, deactivate=False):
                cr.commit()
                return float("inf")
            env["finance.payment.batch"]._post_payments_due(commit_progress)
            cr.commit()
            posted = batch.payment_ids.filtered(lambda p: p.state != "draft")
            print(f"  (background job: {len(posted)} payments posted and matched with their bills in "
                  f"{time.perf_counter() - started:.1f} s, not part of the figure)")
            files = os.listdir(outbound)
            total = sum(phases.values())
            ok = (batch.state == "transmitted" and len(batch.line_ids) == args.payments
                  and len(batch.payment_ids) == args.payments and len(posted) == args.payments and files == [f"pain001-{batch.msg_id}.xml"])
            split = ", ".join(f"{k}={v:.1f}s" for k, v in phases.items())
            env["finance.job.progress"].sudo().create({
                "name": f"bench: release of {args.payments} payments", "company_id": env.company.id,
                "state": "done", "size": args.payments, "position": args.payments,
                "started_at": odoo.fields.Datetime.now(), "message": split[:500]})
            cr.commit()
            size = os.path.getsize(os.path.join(outbound, files[0])) if files else 0
            print(f"released {len(batch.line_ids)} payments of batch {batch.name} ({batch.state}, message "
                  f"{message.state}, {len(batch.payment_ids)} account.payment) into {len(files)} pain.001 "
                  f"file(s) of {size / 1024:.0f} KiB, XSD-valid, in {total:.1f} s ({split})")
            if not ok:
                print(f"FAILED: state={batch.state} message={message.state} error={message.last_error} files={files}")
                return 1
            print(f"bench release_{args.payments}_payments_s={total:.1f}")
    finally:
        shutil.rmtree(outbound, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
