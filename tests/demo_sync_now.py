"""Press "Sync now" on the demo bank connection of a running server (used by `make demo-sync`)."""
import argparse
import sys
import xmlrpc.client


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("--db", default="finance_bridge")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    args = parser.parse_args()
    common = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/common", allow_none=True)
    uid = common.authenticate(args.db, args.login, args.password, {})
    if not uid:
        sys.exit("login refused")
    models = xmlrpc.client.ServerProxy(f"{args.url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *call_args, **kw):
        return models.execute_kw(args.db, uid, args.password, model, method, list(call_args), kw)

    conn_ids = call("finance.bank.connection", "search", [("name", "=", "Demo Bank (watched folder)")])
    if not conn_ids:
        sys.exit("no demo connection in this database (was it created with demo data?)")
    journal_domain = [("journal_id.code", "in", ["FBDE1", "FBDE2"])]
    before = call("account.bank.statement.line", "search_count", journal_domain)
    result = call("finance.bank.connection", "action_sync_now", conn_ids)
    after = call("account.bank.statement.line", "search_count", journal_domain)
    print(f"Sync now: {result['params']['message']}")
    print(f"statement lines in the demo journals: {before} -> {after}")


if __name__ == "__main__":
    main()
