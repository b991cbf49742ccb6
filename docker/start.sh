#!/bin/bash
# Entry point of the compose service: installs the suite (with demo data) into a new database on the
# first `up`, installs only addons that are still missing on later ones, and otherwise just serves —
# so `docker compose up` can be repeated without re-running `-i` over an installed database.
set -euo pipefail
DB="${FINANCE_BRIDGE_DB:-finance_bridge}"
ADDONS="${FINANCE_BRIDGE_ADDONS:?set FINANCE_BRIDGE_ADDONS (comma-separated addon names)}"
DB_ARGS=(--db_host "${HOST:-db}" --db_port "${PORT:-5432}" --db_user "${USER:-odoo}" --db_password "${PASSWORD:-odoo}")
wait-for-psql.py "${DB_ARGS[@]}" --timeout=60

missing=$(DB="$DB" ADDONS="$ADDONS" python3 - <<'PY'
import os
import psycopg2

wanted = [a for a in os.environ["ADDONS"].split(",") if a]
try:
    conn = psycopg2.connect(host=os.environ.get("HOST", "db"), port=os.environ.get("PORT", "5432"),
                            user=os.environ.get("USER", "odoo"), password=os.environ.get("PASSWORD", "odoo"),
                            dbname=os.environ["DB"], connect_timeout=10)
except psycopg2.OperationalError:
    print("new:" + ",".join(wanted))  # no database yet
else:
    with conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        installed = set()
        if cr.fetchone()[0]:
            cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed'")
            installed = {row[0] for row in cr.fetchall()}
    print(("new:" if "base" not in installed else "") + ",".join(a for a in wanted if a not in installed))
PY
)

MODE=()
case "$missing" in
  new:*) MODE=(-i "${missing#new:}" --with-demo) ;;
  "") ;;
  *) MODE=(-i "$missing") ;;
esac
echo "finance_bridge: database $DB, ${MODE[*]:-already installed}"
exec odoo --addons-path=/mnt/finance_bridge,/usr/lib/python3/dist-packages/odoo/addons -d "$DB" \
  --db-filter="^${DB}\$" "${MODE[@]}" "${DB_ARGS[@]}" "$@"
