"""Row-by-row comparison of what stock statement-line creation and the bulk writer leave.

Nothing is listed by hand: the tables are the statement lines, their moves and move lines, the
statement, the chatter (messages, followers) and EVERY table with a foreign key to one of those
(tracking values, notifications, many2many relations, other addons' tables...), found in
``pg_constraint``; their columns are all the columns the database has (``SELECT *``), and the
test checks that every stored field the registry knows for the three models is among them.
Ids are replaced by positions wherever a column references a compared table. Left out, with
their reason: ``id`` (positions instead), ``create_date``/``write_date`` and ``mail_message.date``
(timestamps of each run), ``message_id`` (the Message-Id header, random per message batch).
"""
from decimal import Decimal

VOLATILE = {"id", "create_date", "write_date", "message_id"}
CORE = ("account_bank_statement_line", "account_move", "account_move_line", "mail_message", "mail_followers")
MODELS = {"account_bank_statement_line": "account.bank.statement.line", "account_move": "account.move",
          "account_move_line": "account.move.line"}


def foreign_keys(cr):
    """{(table, column): referenced table} of single-column foreign keys."""
    cr.execute("SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text FROM pg_constraint c "
               "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
               "WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1")
    return {(table, column): target for table, column, target in cr.fetchall()}


class RowCollector:
    """Rows of the compared tables, read with ``SELECT *``, each row's id remembered as its position.

    ``fetch`` reads one table; ``follow_references`` adds every table with a foreign key to one
    already read (two levels); ``normalised`` returns the rows with ids replaced by positions,
    ``adjust(table, record)`` (optional) normalising what only one comparison knows about.
    """

    def __init__(self, cr):
        self.cr, self.fks, self.pos, self.raw = cr, foreign_keys(cr), {}, {}

    def fetch(self, table, where, params, order="id"):
        self.cr.execute(f'SELECT * FROM "{table}" WHERE {where} ORDER BY {order}', params)
        cols = [d[0] for d in self.cr.description]
        rows = self.cr.fetchall()
        if "id" in cols:
            for index, row in enumerate(rows):
                self.pos[(table, row[cols.index("id")])] = f"{table}#{index}"
        self.raw[table] = (cols, rows)
        return rows, cols

    def ids(self, table):
        cols, rows = self.raw.get(table, ([], []))
        return [row[cols.index("id")] for row in rows] if "id" in cols else []

    def follow_references(self):
        """Every other row pointing at one of these (two levels: e.g. a follower's subtypes)."""
        for _level in range(2):
            for (table, column), target in sorted(self.fks.items()):
                if table in self.raw or target not in self.raw or not self.ids(target):
                    continue
                self.cr.execute(f'SELECT 1 FROM "{table}" WHERE "{column}" = ANY(%s) LIMIT 1', (self.ids(target),))
                if self.cr.fetchone():
                    self.fetch(table, f'"{column}" = ANY(%s)', (self.ids(target),), order="1, 2")

    def normalised(self, adjust=None):
        result = {}
        for table, (cols, rows) in self.raw.items():
            out = []
            for row in rows:
                record = {key: _normal(table, key, value, self.fks, self.pos)
                          for key, value in zip(cols, row, strict=True)
                          if key not in VOLATILE and not (table == "mail_message" and key == "date")}
                # Polymorphic references (model name + res_id), as the chatter tables hold them.
                model = record.get("model") or record.get("res_model")
                if isinstance(record.get("res_id"), int) and model:
                    record["res_id"] = self.pos.get((model.replace(".", "_"), record["res_id"]), record["res_id"])
                if adjust:
                    adjust(table, record)
                out.append(record)
            if "id" not in cols:
                out.sort(key=repr)
            result[table] = out
        result["_columns"] = {table: cols for table, (cols, _rows) in self.raw.items()}
        return result


def snapshot(env, line_ids, statement=None):
    """Normalised rows of everything the creation of these statement lines left."""
    env.flush_all()   # pending writes are stamped with the flushing user, as in production
    rows = RowCollector(env.cr)
    lines, line_cols = rows.fetch("account_bank_statement_line", "id = ANY(%s)", (list(line_ids),))
    move_ids = [row[line_cols.index("move_id")] for row in lines]
    rows.fetch("account_move", "id = ANY(%s)", (move_ids,))
    rows.fetch("account_move_line", "move_id = ANY(%s)", (move_ids,), order="move_id, id")
    rows.fetch("mail_message", "model = 'account.move' AND res_id = ANY(%s)", (move_ids,))
    rows.fetch("mail_followers", "res_model = 'account.move' AND res_id = ANY(%s)", (move_ids,))
    if statement:
        rows.fetch("account_bank_statement", "id = %s", (statement.id,))
    rows.follow_references()
    return rows.normalised()


def _normal(table, key, value, fks, pos):
    if isinstance(value, int) and (table, key) in fks and (fks[(table, key)], value) in pos:
        return pos[(fks[(table, key)], value)]
    if isinstance(value, Decimal):
        return value.normalize()
    if key in ("internal_index", "first_line_index") and value:
        return value[:18]   # the last ten digits are the line's id
    return value


def uncovered_fields(env, snap):
    """Stored fields of the three models that the snapshot has no column for (must be none)."""
    missing = []
    for table, model in MODELS.items():
        cols = set(snap["_columns"][table])
        missing += [f"{model}.{name}" for name, field in env[model]._fields.items()
                    if field.store and field.column_type and name not in cols]
    return missing


def differences(bulk, stock):
    """Human-readable differences between two snapshots (empty when equal)."""
    found = []
    for table in sorted(set(bulk) | set(stock)):
        if table == "_columns":
            continue
        got, want = bulk.get(table, []), stock.get(table, [])
        if len(got) != len(want):
            found.append(f"{table}: {len(got)} rows (bulk), {len(want)} rows (stock)")
            continue
        for index, (a, b) in enumerate(zip(got, want, strict=True)):
            diff = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
            if diff:
                found.append(f"{table}[{index}] (bulk, stock): {diff}")
    return found
