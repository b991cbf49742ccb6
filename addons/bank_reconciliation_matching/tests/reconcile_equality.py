"""Row-by-row snapshot of what a reconciliation leaves, for comparing the ORM and the bulk writer.

The tables: the statement lines, their moves and the open items' moves, all their journal items,
the partial and full reconciliations between them, the chatter of those moves, and every table
with a foreign key to one of these (tracking values, many2many relations...), two levels deep
(``finance_bridge_core/tests/writer_equality.py`` does the same for statement-line creation).
Ids become positions wherever a column references a compared table, and so do the ids inside
matching numbers ("P<partial id>", "<full id>"). Left out: ``id``, timestamps, Message-Ids.
"""
from odoo.addons.finance_bridge_core.tests.writer_equality import VOLATILE, _normal, differences, foreign_keys

__all__ = ["differences", "snapshot"]


def snapshot(env, st_line_ids, item_move_ids):
    cr = env.cr
    env.flush_all()
    fks = foreign_keys(cr)
    pos, raw = {}, {}

    def fetch(table, where, params, order="id"):
        cr.execute(f'SELECT * FROM "{table}" WHERE {where} ORDER BY {order}', params)
        cols = [d[0] for d in cr.description]
        rows = cr.fetchall()
        if "id" in cols:
            for index, row in enumerate(rows):
                pos[(table, row[cols.index("id")])] = f"{table}#{index}"
        raw[table] = (cols, rows)
        return rows, cols

    def ids(table):
        cols, rows = raw.get(table, ([], []))
        return [row[cols.index("id")] for row in rows] if "id" in cols else []

    lines, line_cols = fetch("account_bank_statement_line", "id = ANY(%s)", (list(st_line_ids),))
    move_ids = [row[line_cols.index("move_id")] for row in lines] + list(item_move_ids)
    fetch("account_move", "id = ANY(%s)", (move_ids,))
    fetch("account_move_line", "move_id = ANY(%s)", (move_ids,), order="move_id, id")
    aml_ids = ids("account_move_line")
    fetch("account_partial_reconcile", "debit_move_id = ANY(%s) OR credit_move_id = ANY(%s)", (aml_ids, aml_ids))
    fetch("account_full_reconcile", "id IN (SELECT full_reconcile_id FROM account_move_line WHERE id = ANY(%s))",
          (aml_ids,))
    fetch("mail_message", "model = 'account.move' AND res_id = ANY(%s)", (move_ids,))
    fetch("mail_followers", "res_model = 'account.move' AND res_id = ANY(%s)", (move_ids,))
    for _level in range(2):
        for (table, column), target in sorted(fks.items()):
            if table in raw or target not in raw or not ids(target):
                continue
            cr.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = ANY(%s) LIMIT 1', (ids(target),))
            if cr.fetchone():
                fetch(table, f'"{column}" = ANY(%s)', (ids(target),), order="1, 2")

    result = {}
    for table, (cols, rows) in raw.items():
        out = []
        for row in rows:
            record = {key: _normal(table, key, value, fks, pos) for key, value in zip(cols, row, strict=True)
                      if key not in VOLATILE and not (table == "mail_message" and key == "date")}
            model = record.get("model") or record.get("res_model")
            if isinstance(record.get("res_id"), int) and model:
                record["res_id"] = pos.get((model.replace(".", "_"), record["res_id"]), record["res_id"])
            if record.get("matching_number"):
                number = record["matching_number"]
                record["matching_number"] = pos.get(("account_partial_reconcile", int(number[1:])), number) \
                    if number.startswith("P") else pos.get(("account_full_reconcile", int(number)), number)
            if table == "mail_message" and record.get("body"):
                # The body links the journal item by id: "#<id>" / data-oe-id="<id>".
                for aml_id in ids("account_move_line"):
                    record["body"] = record["body"].replace(f'"{aml_id}"', f'"{pos[("account_move_line", aml_id)]}"')\
                        .replace(f"#{aml_id}<", f"#{pos[('account_move_line', aml_id)]}<")
            out.append(record)
        if "id" not in cols:
            out.sort(key=repr)
        result[table] = out
    result["_columns"] = {table: cols for table, (cols, _rows) in raw.items()}
    return result
