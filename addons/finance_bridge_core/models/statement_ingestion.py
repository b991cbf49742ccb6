"""How one canonical statement is stored in an Odoo bank journal, idempotently.

Only the sync engine (``models/sync_engine.py``, ``finance.sync.engine._ingest``) calls this
model: it resolves the journal, keeps the progress and the notes; here a statement's lines are
checked, keyed, de-duplicated and written (bulk writer or ORM), and balances stored. Addons
extend ``_store_statement`` / ``_create_lines`` with ``super()``.
"""
import contextvars
import logging
from decimal import Decimal

from odoo import _, api, models

from ..lib.amounts import amount_problem, balance_mismatch
from ..lib.decision_guard import server_scope
from ..lib.errors import FormatError
from ..lib.import_keys import ImportKeyer
from ..lib.masking import mask_account

_logger = logging.getLogger(__name__)
# The ``finance.file.import`` id whose file is being ingested: set by ``finance.sync.engine._ingest``
# only (server scope, never a context key a client could pass), written on every line it creates.
_FILE_IMPORT = contextvars.ContextVar("finance_bridge_file_import", default=None)


def ingesting_file(file_import_id):
    """Lines created inside this block belong to the file import ``file_import_id``."""
    return server_scope(_FILE_IMPORT, file_import_id or None)


CREATE_BATCH = 500      # ORM path: lines per create() call
BULK_BATCH = 5000       # bulk writer: lines per set of INSERTs


def _details(line):
    """Raw details kept on the line: the bank's references and what it sent."""
    refs = {name: getattr(line, name) for name in (
        "unique_id", "end_to_end_id", "acct_svcr_ref", "ntry_ref", "uetr", "bank_transaction_code",
        "remittance_structured", "remittance_unstructured", "counterparty_bic")}
    details = {k: v for k, v in refs.items() if v}
    if line.value_date:
        details["value_date"] = line.value_date.isoformat()
    if line.foreign_amount:
        details["foreign_amount"] = {"amount": str(line.foreign_amount.amount),
                                     "currency": line.foreign_amount.currency}
    if line.raw:
        details["raw"] = dict(line.raw)
    return details


class FinanceStatementIngestion(models.AbstractModel):
    _name = "finance.statement.ingestion"
    _description = "Finance Bridge statement ingestion"

    # ------------------------------------------------------------------ statements
    @api.model
    def _check_statement(self, journal, statement):
        currency = journal.currency_id or journal.company_id.currency_id
        problems = []
        if currency.name != statement.currency:
            problems.append(("statement.currency",
                             f"{statement.currency} does not match journal {journal.code} ({currency.name})"))
        number = journal.bank_account_id.sanitized_acc_number
        if number and number != statement.account:
            problems.append(("statement.account",
                             f"{mask_account(statement.account)} is not the account of journal {journal.code}"))
        for name in ("opening_balance", "closing_balance"):
            value = getattr(statement, name)
            problem = value is not None and amount_problem(value, currency.name, currency.decimal_places)
            if problem:
                problems.append((f"statement.{name}", problem))
        if problems:
            raise FormatError(problems, statement.statement_id or str(statement.date))
        return currency

    @api.model
    def _check_amounts(self, currency, header, lines, offset):
        """Every line amount within the journal currency's own rounding (Odoo's decimal places) and
        the magnitude bound: a sub-cent or absurd amount is refused, never rounded into a posting."""
        problems = []
        for index, line in enumerate(lines, start=offset + 1):
            problem = amount_problem(line.amount.amount, currency.name, currency.decimal_places)
            if problem:
                ref = line.unique_id or line.acct_svcr_ref or line.end_to_end_id
                problems.append((f"line {index}" + (f" ({ref})" if ref else ""), problem))
        if problems:
            raise FormatError(problems, f"statement {header.statement_id or header.date}")

    @api.model
    def _check_balance(self, journal, header, total, target, counts):
        """Opening balance + lines = closing balance, or refused / flagged per the company setting."""
        problem = balance_mismatch(header.opening_balance, header.closing_balance, total)
        if not problem:
            return
        if journal.company_id.finance_balance_mismatch != "flag":
            raise FormatError([("statement.closing_balance", problem)],
                              f"statement {header.statement_id or header.date}")
        counts["balance_mismatch"] = problem
        if target is not None:
            target.finance_balance_note = problem

    @api.model
    def _existing_keys(self, journal, keys):
        self.env["account.bank.statement.line"].flush_model(["finance_import_key", "journal_id"])
        self.env.cr.execute(
            "SELECT finance_import_key FROM account_bank_statement_line "
            "WHERE journal_id = %s AND finance_import_key = ANY(%s)", (journal.id, list(keys)))
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _partners_by_iban(self, company, numbers):
        """One query for all counterparties of a statement."""
        numbers = {n for n in numbers if n}
        if not numbers:
            return {}
        banks = self.env["res.partner.bank"].sudo().search(
            [("sanitized_acc_number", "in", list(numbers)),
             ("company_id", "in", [False, company.id]), ("partner_id.active", "=", True)],
            order="id")
        result = {}
        for bank in banks:
            result.setdefault(bank.sanitized_acc_number, bank.partner_id.id)
        return result

    @api.model
    def _previous_statement(self, journal, statement):
        return self.env["account.bank.statement"].search(
            [("journal_id", "=", journal.id), ("date", "<=", statement.date)],
            order="date desc, id desc", limit=1)

    @api.model
    def _continuity(self, journal, statement, target):
        """Compare with the statement before: opening = previous closing, sequence + 1."""
        previous = self._previous_statement(journal, statement) - target
        if not previous:
            return "unchecked", False
        notes = []
        currency = journal.currency_id or journal.company_id.currency_id
        if statement.opening_balance is not None and currency.compare_amounts(
                float(statement.opening_balance), previous.balance_end_real) != 0:
            notes.append(_("opening %(o)s ≠ previous closing %(c)s (%(name)s)",
                           o=statement.opening_balance, c=previous.balance_end_real, name=previous.name))
        if statement.sequence and previous.finance_sequence and \
                statement.sequence != previous.finance_sequence + 1:
            notes.append(_("sequence %(s)s follows %(p)s", s=statement.sequence, p=previous.finance_sequence))
        return ("gap", "; ".join(notes)) if notes else ("ok", False)

    @api.model
    def _store_statement(self, journal, header, line_chunks, run=None, connection=None, progress=None):
        """Store what is new of one statement whose lines arrive in chunks; returns its counters.

        ``header`` is the statement without (or with all) its lines; ``line_chunks`` yields tuples of
        lines in statement order; ``progress(counts)`` is called after each chunk. The counters may
        carry ``balance_mismatch`` and ``continuity_note`` for the engine's notes.
        """
        currency = self._check_statement(journal, header)
        keyer = ImportKeyer(header.account)
        counts = {"lines_skipped": 0, "lines_created": 0, "statements_created": 0, "continuity_gaps": 0}
        target, sequence, bulk_ids, latest, out_of_order = None, 0, [], None, False
        total, seen = Decimal(0), 0
        for lines in line_chunks:
            self._check_amounts(currency, header, lines, seen)
            seen += len(lines)
            total += sum((line.amount.amount for line in lines), Decimal(0))
            keys = keyer.keys(lines)
            existing = self._existing_keys(journal, keys) if keys else set()
            fresh = [(key, line) for key, line in zip(keys, lines, strict=True) if key not in existing]
            counts["lines_skipped"] += len(keys) - len(fresh)
            if fresh:
                if target is None:
                    target = self._target_statement(journal, header, run, connection, counts)
                vals_list = self._line_vals(journal, currency, target, fresh, sequence)
                sequence += len(vals_list)
                created = self._create_lines(journal, vals_list, run, recompute_statement=False)
                bulk_ids += created
                if created:
                    days = [v["date"] for v in vals_list]
                    # Each writer call (a chunk, or BULK_BATCH lines of it) numbers its own lines in order.
                    out_of_order = out_of_order or (latest is not None and min(days) < latest) or (
                        len(days) > BULK_BATCH and days != sorted(days))
                    latest = max([*days, latest or min(days)])
                counts["lines_created"] += len(vals_list)
            if progress:
                progress(counts)
        self._check_balance(journal, header, total, target, counts)
        writer = self.env["finance.statement.line.writer"].sudo()
        if out_of_order:
            # Move numbers follow statement order (date, then file order) across chunks too.
            writer._renumber_chronologically(bulk_ids)
        if target is not None and bulk_ids:
            # Once per statement: its balance is the sum of all its lines.
            writer._recompute_statements(target)
        return counts

    @api.model
    def _target_statement(self, journal, statement, run, connection, counts):
        """The statement the new lines go to: the bank's statement already known, or a new one."""
        Statement = self.env["account.bank.statement"].sudo()
        target = Statement.browse()
        if statement.statement_id:
            target = Statement.search([("journal_id", "=", journal.id),
                                       ("finance_bank_ref", "=", statement.statement_id)], limit=1)
        continuity, note = self._continuity(journal, statement, target)
        if not target:
            vals = {
                "name": statement.statement_id or f"{journal.code} {statement.date}",
                "journal_id": journal.id, "date": statement.date,
                "finance_connection_id": connection.id if connection else False,
                "finance_sync_run_id": run.id if run else False,
                "finance_bank_ref": statement.statement_id, "finance_sequence": statement.sequence or 0,
                "finance_continuity": continuity, "finance_continuity_note": note,
            }
            if statement.opening_balance is not None:
                vals["balance_start"] = float(statement.opening_balance)
            if statement.closing_balance is not None:
                vals["balance_end_real"] = float(statement.closing_balance)
            target = Statement.create(vals)
            counts["statements_created"] = 1
            if continuity == "gap":
                counts["continuity_gaps"] = 1
                counts["continuity_note"] = note
        elif statement.closing_balance is not None:
            target.balance_end_real = float(statement.closing_balance)
        return target

    @api.model
    def _line_vals(self, journal, currency, target, fresh, offset):
        """``account.bank.statement.line`` values of new lines (amounts as Decimal)."""
        partners = self._partners_by_iban(journal.company_id, [line.counterparty_iban for _k, line in fresh])
        # Inactive currencies cannot be posted in Odoo: such a line keeps its
        # foreign amount in transaction_details only.
        foreign_ids = self._currency_ids({line.foreign_amount.currency for _k, line in fresh
                                          if line.foreign_amount}, active_only=True)
        vals_list = []
        for sequence, (key, line) in enumerate(fresh, start=offset + 1):
            vals = {
                "statement_id": target.id, "journal_id": journal.id, "date": line.booking_date,
                "payment_ref": line.label or line.remittance_unstructured or "/",
                "amount": line.amount.amount, "partner_name": line.counterparty_name,
                "account_number": line.counterparty_iban or line.counterparty_account,
                "partner_id": partners.get(line.counterparty_iban, False),
                "transaction_type": line.bank_transaction_code, "finance_import_key": key,
                "transaction_details": _details(line), "sequence": sequence,
                "finance_file_import_id": _FILE_IMPORT.get() or False,
            }
            foreign = line.foreign_amount
            if foreign and foreign.amount and line.amount.amount and foreign.currency != currency.name \
                    and foreign.currency in foreign_ids:
                vals["foreign_currency_id"] = foreign_ids[foreign.currency]
                vals["amount_currency"] = abs(foreign.amount).copy_sign(line.amount.amount)
            vals_list.append(vals)
        return vals_list

    @api.model
    def _create_lines(self, journal, vals_list, run=None, recompute_statement=True):
        """Bulk writer when it gives stock's records for this journal, the ORM otherwise.

        Returns the ids of the lines the bulk writer created (empty when the ORM did): their
        statement recompute may then be deferred, their numbers put in statement order.
        """
        writer = self.env["finance.statement.line.writer"].sudo()
        refusal = writer._refusal(journal, [v["date"] for v in vals_list])
        if refusal is None:
            ids = []
            for start in range(0, len(vals_list), BULK_BATCH):
                ids += writer._create_lines(journal, vals_list[start:start + BULK_BATCH],
                                            recompute_statements=recompute_statement)
            return ids
        _logger.info("statement lines of %s created through the ORM: %s", journal.code, refusal)
        if run:
            run._add_note(_("%(journal)s: lines created one by one (%(why)s)", journal=journal.code, why=refusal))
        writer._check_line_amounts(journal, vals_list)     # the bulk writer checks its own
        Line = self.env["account.bank.statement.line"].sudo()
        orm_vals = self._orm_vals(vals_list)
        for start in range(0, len(orm_vals), CREATE_BATCH):
            Line.create(orm_vals[start:start + CREATE_BATCH])
            if len(orm_vals) > CREATE_BATCH:
                # Large statements: write each batch out and drop it from the ORM cache, so memory
                # stays bounded and the cache does not make every later batch slower.
                self.env.flush_all()
                self.env.invalidate_all()
        return []

    @api.model
    def _orm_vals(self, vals_list):
        """The same values for ``create()``: its Monetary fields take floats."""
        return [dict(v, amount=float(v["amount"]),
                     **({"amount_currency": float(v["amount_currency"])} if "amount_currency" in v else {}))
                for v in vals_list]

    @api.model
    def _currency_ids(self, codes, active_only=False):
        if not codes:
            return {}
        currencies = self.env["res.currency"].with_context(active_test=active_only).search(
            [("name", "in", list(codes))])
        return {c.name: c.id for c in currencies}

    # ------------------------------------------------------------------ balances
    @api.model
    def _store_balances(self, journal, balances, run=None, connection=None):
        """Store the balances of ``journal``'s account (others are ignored); returns how many."""
        Balance = self.env["finance.bank.balance"].sudo()
        account = journal.bank_account_id.sanitized_acc_number
        currency_ids = self._currency_ids({b.amount.currency for b in balances})
        count = 0
        for balance in balances:
            if balance.account != account:
                continue
            domain = [("journal_id", "=", journal.id), ("kind", "=", balance.kind),
                      ("position", "=", balance.position), ("date", "=", balance.date)]
            vals = {"amount": float(balance.amount.amount), "currency_id": currency_ids[balance.amount.currency],
                    "connection_id": connection.id if connection else False,
                    "sync_run_id": run.id if run else False}
            record = Balance.search(domain, limit=1)
            if record:
                if Decimal(str(record.amount)) != balance.amount.amount:
                    record.write(vals)
            else:
                Balance.create(dict(vals, journal_id=journal.id, kind=balance.kind,
                                    position=balance.position, date=balance.date))
            count += 1
        return count
