"""Idempotent ingestion of canonical statements into Odoo's native bank statements."""
import logging
from collections import Counter
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.amounts import amount_problem, balance_mismatch
from ..lib.errors import FinanceBridgeError, FormatError
from ..lib.import_keys import ImportKeyer
from ..lib.masking import mask_account
from ..lib.provider_registry import Capability

_logger = logging.getLogger(__name__)


def _acknowledge(provider, name, ok):
    """Move an inbound file after the commit; a refusal (a linked failed/, a lost SFTP link) is logged.

    Raised from a post-commit hook it would turn a committed import into an
    error for the caller; the file stays where it is and is seen again by name.
    """
    try:
        provider.acknowledge(name, ok)
    except (FinanceBridgeError, OSError) as exc:
        _logger.warning("inbound file %s not moved: %s", name, exc)

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

    @api.model
    def _sync_accounts(self, connection, provider, run):
        """Fetch and ingest every account of a connection; returns the run counters."""
        counts = Counter(statements_created=0, lines_created=0, lines_skipped=0,
                         balances_recorded=0, continuity_gaps=0)
        if Capability.FILES in getattr(type(provider), "capabilities", ()):
            return self._sync_file_channel(connection, provider, run, counts)
        for link in connection.account_ids:
            if not link.account_number:
                raise UserError(_("Journal %s has no bank account number.", link.journal_id.display_name))
            cursor = link.cursor or None
            for _page in range(10000):
                result = provider.fetch_statements(link.account_number, cursor)
                for statement in result.statements:
                    counts.update(self._ingest_statement(link, statement, run))
                counts["balances_recorded"] += self._ingest_balances(link, result.balances, run)
                if result.next_cursor is not None and result.next_cursor != cursor:
                    cursor = result.next_cursor
                if not result.has_more:
                    break
            vals = {"last_sync": fields.Datetime.now()}
            if cursor != (link.cursor or None):
                vals["cursor"] = cursor
            link.write(vals)
        return dict(counts)

    @api.model
    def _imported_names(self, connection):
        """Names of the files this connection already imported (or found already imported)."""
        return set(self.env["finance.file.import"].sudo().search([
            ("connection_id", "=", connection.id), ("state", "in", ("done", "duplicate"))]).mapped("name"))

    @api.model
    def _sync_file_channel(self, connection, provider, run, counts):
        """Import every new inbound file through ``finance.file.import``, the one path of every channel.

        Each file read becomes an *Imported Files* record linked to ``run``; a file is moved away (by
        the channels that move files) only once the transaction committed. A provider that keeps its
        files (``files_per_sync``) is read up to that many new files per run; the rest wait for the next.
        """
        Import = self.env["finance.file.import"].sudo()
        seen = self._imported_names(connection)
        channel = getattr(provider, "channel", "folder")
        limit = provider.files_per_sync() if hasattr(provider, "files_per_sync") else None
        taken = 0
        for name in provider.list_inbound():
            if name in seen:
                self.env.cr.postcommit.add(lambda n=name: _acknowledge(provider, n, True))
                continue
            if limit and taken >= limit:
                run._add_note(_("%(n)s file(s) read; the next run reads the files from %(name)s on.",
                                n=taken, name=name))
                break
            records = Import._import_inbound(provider, name, channel, connection, run)
            ok = all(r.state != "failed" for r in records)
            fresh = records.filtered(lambda r: r.sync_run_id == run)  # not an earlier refusal returned
            taken += bool(fresh)
            for record in fresh:
                for key in ("statements_created", "lines_created", "lines_skipped", "balances_recorded",
                            "continuity_gaps"):
                    counts[key] += record[key]
                if record.state == "failed":
                    run._add_note(f"{record.name}: {record.error}")
            self.env.cr.postcommit.add(lambda n=name, good=ok: _acknowledge(provider, n, good))
        now = fields.Datetime.now()
        for link in connection.account_ids:
            days = run.statement_ids.filtered(lambda st, j=link.journal_id: st.journal_id == j).mapped("date")
            latest = max([*days, link.last_statement_date]) if days and link.last_statement_date else \
                max(days, default=link.last_statement_date)
            link.write({"last_sync": now, "last_statement_date": latest})
        return dict(counts)

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
    def _ingest_statement(self, link, statement, run):
        counts = self._ingest_into_journal(link.journal_id, statement, run, link.connection_id)
        mismatch = counts.pop("balance_mismatch", None)
        if mismatch and run:
            run._add_note(_("%(stmt)s: flagged, %(why)s", stmt=statement.statement_id or statement.date, why=mismatch))
        if counts["lines_created"]:
            link.last_statement_date = max(statement.date, link.last_statement_date or statement.date)
        return counts

    @api.model
    def _ingest_into_journal(self, journal, statement, run=None, connection=None):
        """Create what is new of one statement in a bank journal; returns counters."""
        return self._ingest_chunks(journal, statement, [statement.lines], run, connection)

    @api.model
    def _ingest_chunks(self, journal, header, line_chunks, run=None, connection=None, progress=None):
        """Ingest a statement whose lines arrive in chunks (a large file read incrementally).

        ``header`` is the statement without (or with all) its lines; ``line_chunks`` yields tuples of
        lines in statement order; ``progress(counts)`` is called after each chunk.
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
                run and run._add_note(_("%(stmt)s: continuity gap: %(note)s", stmt=target.name, note=note))
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
    def _ingest_balances(self, link, balances, run):
        return self._ingest_journal_balances(link.journal_id, balances, run, link.connection_id)

    @api.model
    def _ingest_journal_balances(self, journal, balances, run=None, connection=None):
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
