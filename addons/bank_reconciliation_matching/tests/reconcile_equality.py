"""Row-by-row snapshot of what a reconciliation leaves, for comparing the ORM and the bulk writer.

The tables: the statement lines, their moves and the open items' moves, all their journal items,
the partial and full reconciliations between them, the chatter of those moves, and every table
with a foreign key to one of these (tracking values, many2many relations...), two levels deep
(``finance_bridge_core/tests/writer_equality.py`` does the same for statement-line creation).
Ids become positions wherever a column references a compared table, and so do the ids inside
matching numbers ("P<partial id>", "<full id>"). Left out: ``id``, timestamps, Message-Ids.
"""
from odoo.addons.finance_bridge_core.tests.writer_equality import RowCollector, differences

__all__ = ["differences", "snapshot"]


def snapshot(env, st_line_ids, item_move_ids):
    env.flush_all()
    rows = RowCollector(env.cr)
    lines, line_cols = rows.fetch("account_bank_statement_line", "id = ANY(%s)", (list(st_line_ids),))
    move_ids = [row[line_cols.index("move_id")] for row in lines] + list(item_move_ids)
    rows.fetch("account_move", "id = ANY(%s)", (move_ids,))
    rows.fetch("account_move_line", "move_id = ANY(%s)", (move_ids,), order="move_id, id")
    aml_ids = rows.ids("account_move_line")
    rows.fetch("account_partial_reconcile", "debit_move_id = ANY(%s) OR credit_move_id = ANY(%s)", (aml_ids, aml_ids))
    rows.fetch("account_full_reconcile", "id IN (SELECT full_reconcile_id FROM account_move_line WHERE id = ANY(%s))",
               (aml_ids,))
    rows.fetch("mail_message", "model = 'account.move' AND res_id = ANY(%s)", (move_ids,))
    rows.fetch("mail_followers", "res_model = 'account.move' AND res_id = ANY(%s)", (move_ids,))
    rows.follow_references()
    pos = rows.pos

    def adjust(table, record):
        if record.get("matching_number"):
            number = record["matching_number"]
            record["matching_number"] = pos.get(("account_partial_reconcile", int(number[1:])), number) \
                if number.startswith("P") else pos.get(("account_full_reconcile", int(number)), number)
        if table == "mail_message" and record.get("body"):
            # The body links the journal item by id: "#<id>" / data-oe-id="<id>".
            for aml_id in aml_ids:
                record["body"] = record["body"].replace(f'"{aml_id}"', f'"{pos[("account_move_line", aml_id)]}"')\
                    .replace(f"#{aml_id}<", f"#{pos[('account_move_line', aml_id)]}<")

    return rows.normalised(adjust)
