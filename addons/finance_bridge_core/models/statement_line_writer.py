"""Set-based creation of bank statement lines: the records stock Odoo creates, written in bulk.

Stock ``account.bank.statement.line.create()`` spends 16-22 ms per line on generic ORM work
(per-move sequence locking, computed-field cascades, posting checks, chatter). For an import the
outcome is fully determined by the journal and the line values, so this writer computes the same
rows (move, two move lines, statement line, creation message, followers) and inserts them with a
few multi-row INSERTs. The result is checked against stock creation column by column in
``finance_bridge_core/tests/test_statement_line_writer.py``.

The writer only runs where that equality is known to hold (``_refusal`` says why not otherwise):
the models must be extended by no addon this writer does not know, the journal must not hash its
entries, and no line may fall in a locked period. Everything else goes through the ORM.
"""
import io
import logging
import re
from decimal import Decimal

import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.tools import SQL

from ..lib.amounts import amount_problem
from ..lib.bulk_writer_contract import COMPATIBLE_MODULES, first_override
from ..lib.concurrency import expected_contention
from ..lib.copy_format import copy_text

_logger = logging.getLogger(__name__)

MAXINT = 2147483647

# Addons whose overrides of the three models are reproduced here (checked against stock creation
# by the equality test). Any other addon overriding a watched method, or adding stored computed
# fields or defaults, sends the import through the ORM unless it declares that its overrides leave
# statement-line moves alone (lib/bulk_writer_contract.py, docs/EXTENDING.md).
KNOWN_MODULES = frozenset({"base", "mail", "analytic", "account", "finance_bridge_core"})
WATCHED_METHODS = ("create", "write", "_post", "action_post", "_compute_name", "_synchronize_to_moves",
                   "_prepare_move_line_default_vals", "_message_auto_subscribe")
MODELS = ("account.move", "account.move.line", "account.bank.statement.line")

# Stored fields this writer fills (the others stay NULL, as they do after stock creation).
KNOWN_STORED = {
    "account.move": frozenset("""id sequence_number message_main_attachment_id journal_id company_id origin_payment_id
        statement_line_id tax_cash_basis_rec_id tax_cash_basis_origin_move_id auto_post_origin_id
        secure_sequence_number invoice_payment_term_id partner_id commercial_partner_id partner_shipping_id
        partner_bank_id fiscal_position_id preferred_payment_method_line_id currency_id reversed_entry_id
        invoice_user_id invoice_incoterm_id invoice_cash_rounding_id create_uid write_uid sequence_prefix
        access_token name ref state move_type auto_post inalterable_hash payment_reference qr_code_method
        payment_state invoice_source_email invoice_partner_display_name invoice_origin incoterm_location date
        auto_post_until invoice_date invoice_date_due delivery_date taxable_supply_date sending_data narration
        invoice_currency_rate amount_untaxed amount_tax amount_total amount_residual amount_untaxed_signed
        amount_untaxed_in_currency_signed amount_tax_signed amount_total_signed amount_total_in_currency_signed
        amount_residual_signed quick_edit_total_amount always_tax_exigible checked posted_before
        made_sequence_gap is_manually_modified is_move_sent create_date write_date""".split()),
    "account.move.line": frozenset("""id move_id journal_id company_id company_currency_id sequence account_id
        currency_id partner_id reconcile_model_id payment_id statement_line_id statement_id group_tax_id
        tax_line_id tax_group_id tax_repartition_line_id full_reconcile_id product_id product_uom_id create_uid
        write_uid move_name parent_state ref name matching_number display_type date invoice_date date_maturity
        discount_date analytic_distribution extra_tax_data debit credit balance amount_currency tax_base_amount
        amount_residual amount_residual_currency quantity price_unit price_subtotal price_total discount
        discount_amount_currency discount_balance is_storno is_imported reconciled collapse_composition
        collapse_prices no_followup create_date write_date deductible_amount""".split()),
    "account.bank.statement.line": frozenset("""id move_id journal_id company_id statement_id sequence partner_id
        currency_id foreign_currency_id create_uid write_uid account_number partner_name transaction_type
        payment_ref internal_index transaction_details amount amount_currency is_reconciled create_date
        write_date amount_residual finance_import_key finance_file_import_id""".split()),
}


def _dec(value):
    """Amounts arrive as Decimal (or str); floats are turned into their shortest repr, never summed."""
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else str(value))


class FinanceStatementLineWriter(models.AbstractModel):
    _name = "finance.statement.line.writer"
    _description = "Finance Bridge bulk statement line writer"

    # ------------------------------------------------------------------ eligibility
    @api.model
    def _finance_bulk_writer_compatible_modules(self):
        """{addon: why its overrides leave statement-line moves alone}: the extension contract.

        An addon depending on finance_bridge_core extends this (``res = super()...; res[...] = ...``);
        one that does not may set ``_finance_bulk_writer_compatible = "why"`` in its model class.
        """
        return dict(COMPATIBLE_MODULES)

    @api.model
    def _watched_methods(self, model):
        """Methods whose override may change the rows: creation, posting, and every compute method
        of a stored field (a changed compute changes a stored value stock creation leaves)."""
        computes = {f.compute for f in model._fields.values() if f.store and isinstance(f.compute, str)}
        return set(WATCHED_METHODS) | computes

    @api.model
    def _model_refusal(self):
        """Why the installed code base is not one this writer reproduces, or None."""
        declared = self._finance_bulk_writer_compatible_modules()
        for model_name in MODELS:
            model = self.env[model_name]
            reason = self._class_refusal(model_name, type(model).mro(), declared)
            if reason:
                return reason
            for field in self._extra_fields(model_name):
                if field.required and field.default is None and not field.compute:
                    return f"{model_name}.{field.name} is required by {field._module or 'another addon'}"
                if (field.compute or field.default is not None) and field._module not in KNOWN_MODULES \
                        and field._module not in declared and not self._declared_in_class(model, field._module):
                    return f"{model_name}.{field.name} is added by {field._module or 'another addon'}"
        return None

    @api.model
    def _class_refusal(self, model_name, classes, declared):
        """The first class (of an addon neither reproduced here nor declared compatible) that
        overrides a watched method of the model, as a reason; None when there is none."""
        found = first_override(classes, self._watched_methods(self.env[model_name]), KNOWN_MODULES, declared,
                               "_finance_bulk_writer_compatible")
        return f"{model_name} is extended by {found[0]} ({', '.join(found[1])})" if found else None

    @api.model
    def _declared_in_class(self, model, module):
        return any(getattr(cls, "_module", None) == module and vars(cls).get("_finance_bulk_writer_compatible")
                   for cls in type(model).mro())

    @api.model
    def _extra_fields(self, model_name):
        """Stored fields of other addons: left to their defaults and their computes, as stock does."""
        return [field for name, field in self.env[model_name]._fields.items()
                if field.store and field.column_type and name not in KNOWN_STORED[model_name]]

    @api.model
    def _journal_refusal(self, journal):
        """Per-journal conditions of the contract (extend with super())."""
        if "edi_format_ids" in journal._fields and journal.edi_format_ids:
            return f"journal {journal.code} sends electronic documents"
        return None

    @api.model
    def _refusal(self, journal, dates):
        """Why these lines must go through the ORM, or None when the bulk path gives the same records."""
        reason = self._model_refusal()
        if reason:
            return reason
        if not journal.suspense_account_id or not journal.default_account_id:
            return f"journal {journal.code} has no suspense or bank account"
        if journal.restrict_mode_hash_table:
            return f"journal {journal.code} hashes its entries"
        lock = journal.company_id._get_user_fiscal_lock_date(journal)
        if lock and min(dates) <= lock:
            return f"a line falls on or before the lock date {lock}"
        return self._journal_refusal(journal)

    # ------------------------------------------------------------------ last-line defence
    @api.model
    def _check_line_amounts(self, journal, vals_list):
        """Refuse values no posting may carry, whichever path writes them: an amount with more
        decimals than the journal currency (Odoo's rounding) or beyond the magnitude bound."""
        currency = journal.currency_id or journal.company_id.currency_id
        for vals in vals_list:
            foreign = self.env["res.currency"].browse(vals.get("foreign_currency_id"))
            for key, code in (("amount", currency), ("amount_currency", foreign)):
                if key not in vals or not code:
                    continue
                problem = amount_problem(_dec(vals[key]), code.name, code.decimal_places)
                if problem:
                    raise UserError(self.env._("Statement line %(ref)s of journal %(journal)s refused: %(why)s",
                                               ref=vals.get("finance_import_key") or vals.get("payment_ref"),
                                               journal=journal.code, why=problem))

    @api.model
    def _check_balanced(self, journal, vals, lines, quantum):
        """The two move lines of a statement line: rounded to the company currency, debit = credit."""
        balances = [line["balance"] for line in lines]
        if any(b != b.quantize(quantum) for b in balances) or sum(balances) != 0:
            raise UserError(self.env._("Statement line %(ref)s of journal %(journal)s refused: its journal entry "
                                       "would not balance (%(lines)s)", ref=vals.get("finance_import_key")
                                       or vals.get("payment_ref"), journal=journal.code,
                                       lines=", ".join(str(b) for b in balances)))

    # ------------------------------------------------------------------ naming
    def _name_allocator(self, journal):
        """Move names as Odoo's sequence mixin gives them: its format, its period reset, its counter.

        The format of a date's period is looked up once per transaction (Odoo's lookup scans the
        journal's moves of the period, so doing it per chunk would make large imports quadratic);
        it lives in the cursor's cache, which a commit or rollback clears, like Odoo's own.
        """
        Move = self.env["account.move"]
        cache = Move._get_sequence_cache()
        state = self.env.cr.cache.setdefault("finance.bulk.names", {}).setdefault(
            journal.id, {"formats": {}, "counters": {}})
        formats, counters, prefixes = state["formats"], state["counters"], {}

        def name_for(day):
            """(name, sequence_prefix, sequence_number) of the next move of that date."""
            if day not in formats:
                probe = Move.new({"journal_id": journal.id, "date": day, "move_type": "entry", "state": "posted"})
                format_string, values = probe._get_next_sequence_format()
                last = values.pop("seq")
                key = (format_string.format(**values, seq=0), journal)
                counters[key] = max(last, counters.get(key, 0))
                formats[day] = (key, format_string, values)
            key, format_string, values = formats[day]
            # Numbers taken meanwhile in this transaction through the ORM are in Odoo's cache.
            counters[key] = max(counters[key], cache.get(key, 0)) + 1
            name = format_string.format(**values, seq=counters[key])
            if key not in prefixes:   # the prefix is the same for every number of a format
                prefixes[key] = self._split_name(name)[0]
            return name, prefixes[key], counters[key]

        return name_for, counters, cache

    # ------------------------------------------------------------------ rows
    @api.model
    def _create_lines(self, journal, vals_list, recompute_statements=True):
        """Insert statement lines with their posted moves; returns the statement line ids.

        ``vals_list`` holds the values ``account.bank.statement.line.create()`` would get. A caller
        adding a large statement in several calls passes ``recompute_statements=False`` and calls
        ``_recompute_statements`` once at the end: the statement's balance sums all its lines.
        """
        if not vals_list:
            return []
        self._check_line_amounts(journal, vals_list)
        env, cr = self.env, self.env.cr
        for model_name in ("account.move", "account.move.line", "account.bank.statement.line",
                           "account.bank.statement", "res.partner"):
            env[model_name].flush_model()
        # One bulk import per journal at a time. A second one finds the journal busy (SKIP LOCKED:
        # no SQL error in the logs), raises ConcurrencyError at once and is run again later by the
        # worker (lib/concurrency.py) or Odoo's request retry, with a fresh snapshot that sees the
        # numbers the first one took. NO KEY: postings by others into the journal are not blocked.
        with expected_contention():
            cr.execute("SELECT id FROM account_journal WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED", (journal.id,))
        if not cr.fetchone():
            _logger.info("journal %s is busy with another bulk import; retried later", journal.id)
            raise ConcurrencyError(f"journal {journal.display_name} is busy with another import")
        company = journal.company_id
        company_currency = company.sudo().currency_id
        journal_currency = journal.currency_id or company_currency
        uid, now = env.uid, cr.now()
        checked = env["account.move"]._is_user_able_to_review()
        manually_modified = not env.context.get("skip_is_manually_modified")
        due = fields.Date.context_today(env["account.move"])
        partner_values = self._partner_values(vals_list, company)
        extra_defaults = {model_name: self._extra_defaults(model_name) for model_name in MODELS}
        currencies = {c.id: c for c in env["res.currency"].browse(
            {journal_currency.id, company_currency.id} | {v["foreign_currency_id"] for v in vals_list
                                                           if v.get("foreign_currency_id")})}
        rates = {}
        quantum = Decimal(1).scaleb(-company_currency.decimal_places)

        def company_amount(amount, day, transaction_amount, foreign):
            if journal_currency == company_currency:
                return amount
            if foreign == company_currency:
                return transaction_amount
            if not amount:
                return Decimal(0)
            if day not in rates:
                rates[day] = journal_currency._get_conversion_rate(journal_currency, company_currency, company, day)
            # Odoo's _convert: float product, then the currency's rounding.
            return _dec(company_currency.round(float(amount) * rates[day]))

        n = len(vals_list)
        move_ids = self._next_ids("account_move", n)
        line_ids = self._next_ids("account_bank_statement_line", n)
        aml_ids = self._next_ids("account_move_line", 2 * n)

        # Names follow Odoo: moves of one batch are numbered by (date, ref, id).
        name_for, counters, cache = self._name_allocator(journal)
        order = sorted(range(n), key=lambda i: (vals_list[i]["date"], i))
        names = [None] * n
        for i in order:
            names[i] = name_for(vals_list[i]["date"])
        reconcilable = {account.id: account.reconcile or account.account_type in ("asset_cash", "liability_credit_card")
                        for account in (journal.default_account_id, journal.suspense_account_id)}

        moves, st_lines, amls = [], [], []
        for i, vals in enumerate(vals_list):
            day = vals["date"]
            amount = _dec(vals.get("amount") or 0)
            foreign_id = vals.get("foreign_currency_id") or None
            if foreign_id == journal_currency.id:
                foreign_id = None
            foreign = currencies[foreign_id] if foreign_id else journal_currency
            amount_currency = _dec(vals.get("amount_currency") or 0) if foreign_id else Decimal(0)
            transaction_amount = amount if foreign == journal_currency else amount_currency
            comp = company_amount(amount, day, transaction_amount, foreign)
            partner_id = vals.get("partner_id") or None
            name, prefix, number = names[i]
            move_currency = foreign if foreign_id else journal_currency
            display_name, commercial_id, banks = partner_values[partner_id]
            liquidity = {"account_id": journal.default_account_id.id, "currency_id": journal_currency.id,
                         "amount_currency": amount, "balance": comp}
            counterpart = {"account_id": journal.suspense_account_id.id, "currency_id": foreign.id,
                           "amount_currency": -transaction_amount, "balance": -comp}
            self._check_balanced(journal, vals, (liquidity, counterpart), quantum)
            total_currency = sum((line["amount_currency"] for line in (liquidity, counterpart)
                                  if line["balance"] > 0), Decimal(0))
            total = sum((line["balance"] for line in (liquidity, counterpart) if line["balance"] > 0), Decimal(0))
            residual = -(amount_currency if foreign_id else amount)
            moves.append({
                "id": move_ids[i], "statement_line_id": line_ids[i], "sequence_number": number,
                "journal_id": journal.id, "company_id": company.id,
                "partner_id": partner_id, "commercial_partner_id": commercial_id,
                "partner_bank_id": self._partner_bank_id(banks, move_currency),
                "currency_id": move_currency.id, "create_uid": uid, "write_uid": uid, "sequence_prefix": prefix,
                "name": name, "state": "posted", "move_type": "entry", "auto_post": "no",
                "payment_state": "not_paid", "invoice_partner_display_name": display_name,
                "date": day, "invoice_date_due": due, "invoice_currency_rate": 0, "amount_untaxed": 0,
                "amount_tax": 0, "amount_total": total_currency, "amount_residual": 0,
                "amount_untaxed_signed": 0, "amount_untaxed_in_currency_signed": 0, "amount_tax_signed": 0,
                "amount_total_signed": abs(total), "amount_total_in_currency_signed": abs(total_currency),
                "amount_residual_signed": 0, "always_tax_exigible": True, "checked": checked,
                "posted_before": True, "made_sequence_gap": False, "is_manually_modified": manually_modified,
                "create_date": now, "write_date": now, **extra_defaults["account.move"],
            })
            st_lines.append({
                "id": line_ids[i], "move_id": move_ids[i], "journal_id": journal.id, "company_id": company.id,
                "statement_id": vals.get("statement_id") or None, "sequence": vals.get("sequence", 1),
                "partner_id": partner_id, "currency_id": journal_currency.id, "foreign_currency_id": foreign_id,
                "create_uid": uid, "write_uid": uid, "account_number": vals.get("account_number") or None,
                "partner_name": vals.get("partner_name") or None,
                "transaction_type": vals.get("transaction_type") or None, "payment_ref": vals.get("payment_ref"),
                "internal_index": f"{day.strftime('%Y%m%d')}{MAXINT - vals.get('sequence', 1):0>10}"
                                  f"{line_ids[i]:0>10}",
                "transaction_details": vals.get("transaction_details") or None,
                "amount": amount, "amount_currency": amount_currency,
                "is_reconciled": foreign.is_zero(float(residual)), "create_date": now, "write_date": now,
                "amount_residual": float(residual), "finance_import_key": vals.get("finance_import_key"),
                "finance_file_import_id": vals.get("finance_file_import_id") or None,
                **extra_defaults["account.bank.statement.line"],
            })
            for offset, line in enumerate((liquidity, counterpart)):
                residual_kept = reconcilable[line["account_id"]]
                balance = line["balance"]
                amls.append({
                    "id": aml_ids[2 * i + offset], "move_id": move_ids[i], "journal_id": journal.id,
                    "company_id": company.id, "company_currency_id": company_currency.id, "sequence": 100,
                    "account_id": line["account_id"], "currency_id": line["currency_id"], "partner_id": partner_id,
                    "statement_line_id": line_ids[i], "statement_id": vals.get("statement_id") or None,
                    "create_uid": uid, "write_uid": uid, "move_name": name, "parent_state": "posted",
                    "name": vals.get("payment_ref"), "display_type": "product", "date": day,
                    "debit": balance if balance > 0 else 0, "credit": -balance if balance < 0 else 0,
                    "balance": balance, "amount_currency": line["amount_currency"],
                    "amount_residual": balance if residual_kept else 0,
                    "amount_residual_currency": line["amount_currency"] if residual_kept else 0,
                    "quantity": 1, "price_unit": 0, "price_subtotal": line["amount_currency"],
                    "price_total": line["amount_currency"], "discount": 0, "is_storno": False,
                    "reconciled": residual_kept and not balance and not line["amount_currency"],
                    "no_followup": False, "create_date": now, "write_date": now,
                    "deductible_amount": 100.0, **extra_defaults["account.move.line"],
                })

        try:
            with cr.savepoint(flush=False):
                self._insert_moves_and_lines(moves, st_lines)
        except psycopg2.errors.UniqueViolation as exc:
            if exc.diag.constraint_name != "account_move_unique_name":
                raise
            # A transaction that committed after this one began took these numbers (Odoo runs in
            # REPEATABLE READ): a serialisation failure, so the unit is run again on fresh data.
            cr.execute("DO $$ BEGIN RAISE EXCEPTION 'journal entry numbers taken by a concurrent import' "
                       "USING ERRCODE = 'serialization_failure'; END $$")
        self._insert("account_move_line", amls)
        # Odoo's transactional sequence cache must see the numbers taken here (the inserted
        # posted rows hold the unique index entries, as its own increments do).
        cache.update(counters)
        env.invalidate_all()
        move_records = env["account.move"].browse(move_ids)
        self._compute_extra_fields({"account.move": move_records, "account.move.line": env["account.move.line"].browse(
            aml_ids), "account.bank.statement.line": env["account.bank.statement.line"].browse(line_ids)})
        self._log_creation(move_records)
        if recompute_statements:
            self._recompute_statements(env["account.bank.statement"].browse(
                {v["statement_id"] for v in vals_list if v.get("statement_id")}))
        return line_ids

    @api.model
    def _renumber_chronologically(self, line_ids):
        """Give the moves of these statement lines their numbers in statement order.

        Each call of ``_create_lines`` numbers its lines by (booking date, file order); a statement
        read in chunks whose dates go back across chunks is put in order here, once at its end:
        per sequence prefix, the numbers already taken are handed out again sorted by (date, line
        sequence, line). The set of names does not change, only which move bears which.
        This is the one deliberate difference from stock creation (docs/EXTENDING.md).
        """
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("SELECT m.id, m.sequence_prefix, m.sequence_number, m.name, m.date, l.sequence, l.id "
                   "FROM account_bank_statement_line l JOIN account_move m ON m.id = l.move_id "
                   "WHERE l.id = ANY(%s) AND m.state = 'posted'", (list(line_ids),))
        groups = {}
        for row in cr.fetchall():
            groups.setdefault(row[1], []).append(row)
        changed = []
        for rows in groups.values():
            names = {row[2]: row[3] for row in rows}
            numbers = sorted(names)
            for number, row in zip(numbers, sorted(rows, key=lambda r: (r[4], r[5], r[6])), strict=True):
                if row[2] != number:
                    changed.append((row[0], number, names[number]))
        if not changed:
            return 0
        ids = [c[0] for c in changed]
        # Two steps: the unique index on posted names would refuse a swap within one UPDATE.
        cr.execute("UPDATE account_move SET name = '/' WHERE id = ANY(%s)", (ids,))
        cr.execute(SQL("UPDATE account_move m SET name = v.name, sequence_number = v.number "
                       "FROM unnest(%s::int[], %s::int[], %s::varchar[]) AS v(id, number, name) WHERE m.id = v.id",
                       ids, [c[1] for c in changed], [c[2] for c in changed]))
        cr.execute("UPDATE account_move_line l SET move_name = m.name FROM account_move m "
                   "WHERE m.id = ANY(%s) AND l.move_id = m.id", (ids,))
        self.env.invalidate_all()
        return len(changed)

    @api.model
    def _next_ids(self, table, count):
        self.env.cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"{table}_id_seq", count))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _split_name(self, name):
        """(sequence_prefix, sequence_number) of a move name, by Odoo's own regex."""
        probe = self.env["account.move"].new({"name": name})
        regex = probe._make_regex_non_capturing(probe._sequence_fixed_regex.replace(r"?P<seq>", ""))
        matching = re.match(regex, name)
        return name[:matching.start(1)], int(matching.group(1) or 0)

    @api.model
    def _partner_values(self, vals_list, company):
        """{partner_id: (invoice_partner_display_name, commercial_partner_id, candidate bank accounts)}
        as account.move computes them for an ``entry`` (its bank partner is the commercial partner)."""
        probe = self.env["account.move"].new({"move_type": "entry"})
        result = {None: (probe.invoice_partner_display_name, None, ())}
        partners = self.env["res.partner"].browse({v["partner_id"] for v in vals_list if v.get("partner_id")})
        for partner in partners:
            commercial = partner.commercial_partner_id
            banks = commercial.bank_ids.filtered(lambda bank: not bank.company_id or bank.company_id == company)
            result[partner.id] = (partner.display_name, commercial.id, tuple(banks))
        return result

    @staticmethod
    def _partner_bank_id(banks, currency):
        """account.move._compute_partner_bank_id: same currency (or none) first, then payable ones."""
        ranked = sorted(banks, key=lambda bank: (bool(bank.currency_id) and bank.currency_id != currency,
                                                 not bank.allow_out_payment))
        return ranked[0].id if ranked else None

    @api.model
    def _extra_defaults(self, model_name):
        """Column values of other addons' stored fields with a default (stock applies them at create)."""
        model = self.env[model_name]
        names = [f.name for f in self._extra_fields(model_name) if not f.compute and f.default is not None]
        defaults = model.default_get(names) if names else {}
        return {name: model._fields[name].convert_to_column_insert(value, model)
                for name, value in defaults.items()}

    @api.model
    def _compute_extra_fields(self, records_by_model):
        """Other addons' stored computed fields, computed by their own code over the new records."""
        todo = False
        for model_name, records in records_by_model.items():
            for field in self._extra_fields(model_name):
                if field.compute:
                    self.env.add_to_compute(field, records)
                    todo = True
        if todo:
            self.env.flush_all()
            self.env.invalidate_all()

    @api.model
    def _insert_moves_and_lines(self, moves, st_lines):
        """Moves and statement lines reference each other (both foreign keys checked at the end of
        a statement): staged by COPY into temporary tables, then inserted by one statement.
        Cheaper than inserting the moves first and updating each again with its line."""
        cr = self.env.cr
        for table, rows in (("account_move", moves), ("account_bank_statement_line", st_lines)):
            cr.execute(f"CREATE TEMP TABLE fb_bulk_{table} (LIKE {table}) ON COMMIT DROP")
            self._insert(f"fb_bulk_{table}", rows)
        move_cols, line_cols = ", ".join(moves[0]), ", ".join(st_lines[0])
        cr.execute(f"WITH moves AS (INSERT INTO account_move ({move_cols}) SELECT {move_cols} "
                   f"FROM fb_bulk_account_move) INSERT INTO account_bank_statement_line ({line_cols}) "
                   f"SELECT {line_cols} FROM fb_bulk_account_bank_statement_line")
        cr.execute("DROP TABLE fb_bulk_account_move, fb_bulk_account_bank_statement_line")

    @api.model
    def _insert(self, table, rows, exclude=()):
        """The rows through COPY (one stream; see lib/copy_format.py)."""
        columns = [c for c in rows[0] if c not in exclude]
        self.env.cr._obj.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN",
                                     io.StringIO(copy_text(rows, columns)))

    @api.model
    def _log_creation(self, moves):
        """The chatter stock creation leaves: followers (the creating user) and one creation note.

        The first move gets both through mail's own code; its rows are then copied for the other
        moves in one INSERT ... SELECT per table, column by column as the database has them (so
        columns other addons add are copied too). Where the note has anything attached (recipients,
        tracking values, notifications...), the other moves get theirs through mail's code as well.
        """
        env = self.env
        if env.context.get("tracking_disable") or not moves:
            return
        first, rest = moves[:1], moves[1:]
        if env.user.active and not env.user.share and not env.context.get("mail_create_nosubscribe"):
            env["mail.followers"]._insert_followers(moves._name, first.ids, env.user.partner_id.ids,
                                                   subtypes=None, customer_ids=[], check_existing=False)
            env["mail.followers"].flush_model()
            if rest:
                self._copy_followers(moves._name, first.id, rest.ids)
        if not env.context.get("mail_create_nolog"):
            message = first._message_log_batch(bodies={first.id: first._creation_message()})
            message.flush_recordset()
            # Every move written here is an ``entry``: one creation text for all.
            if rest and self._referenced_rows("mail_message", message.id):
                rest._message_log_batch(bodies={move.id: move._creation_message() for move in rest})
            elif rest:
                self._copy_row("mail_message", message.id, "res_id", rest.ids)
        env.invalidate_all()

    @api.model
    def _columns(self, table):
        self.env.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                            "AND table_name = %s ORDER BY ordinal_position", (table,))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _copy_row(self, table, template_id, key, values):
        """Copies of one row, one per value of ``key``, in that order; returns the new ids."""
        columns = [c for c in self._columns(table) if c not in ("id", key)]
        listed = SQL(", ").join(SQL.identifier(c) for c in columns)
        self.env.cr.execute(SQL(
            "INSERT INTO %(table)s (%(cols)s, %(key)s) SELECT %(tcols)s, v.value FROM %(table)s t, "
            "unnest(%(values)s::int[]) WITH ORDINALITY AS v(value, n) WHERE t.id = %(id)s ORDER BY v.n RETURNING id",
            table=SQL.identifier(table), cols=listed, key=SQL.identifier(key), values=values, id=template_id,
            tcols=SQL(", ").join(SQL("t.%s", SQL.identifier(c)) for c in columns)))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _referenced_rows(self, table, row_id):
        """Whether any row of another table references this one (by a foreign key)."""
        cr = self.env.cr
        cr.execute("SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a "
                   "ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                   "WHERE c.contype = 'f' AND c.confrelid = %s::regclass", (table,))
        for ref_table, column in cr.fetchall():
            cr.execute(SQL("SELECT 1 FROM %s WHERE %s = %s LIMIT 1", SQL.identifier(ref_table),
                           SQL.identifier(column), row_id))
            if cr.fetchone():
                return True
        return False

    @api.model
    def _copy_followers(self, res_model, template_res_id, res_ids):
        """The first move's followers (and their subtypes) for the other moves."""
        cr = self.env.cr
        cr.execute("SELECT id FROM mail_followers WHERE res_model = %s AND res_id = %s ORDER BY id",
                   (res_model, template_res_id))
        for (follower_id,) in cr.fetchall():
            new_ids = self._copy_row("mail_followers", follower_id, "res_id", res_ids)
            cr.execute(SQL(
                "INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id) "
                "SELECT f.id, r.mail_message_subtype_id FROM unnest(%s::int[]) AS f(id), "
                "mail_followers_mail_message_subtype_rel r WHERE r.mail_followers_id = %s",
                new_ids, follower_id))

    @api.model
    def _recompute_statements(self, statements):
        """What the ORM does after lines were added: recompute the statement fields built from them.

        Marking one line of each statement as created is enough for the ORM to schedule the
        statement's dependent fields (balance, date, first line, completeness), computed once here.
        """
        if not statements:
            return
        self.env.cr.execute("SELECT DISTINCT ON (statement_id) id FROM account_bank_statement_line "
                            "WHERE statement_id = ANY(%s) ORDER BY statement_id, id", (statements.ids,))
        lines = self.env["account.bank.statement.line"].browse([row[0] for row in self.env.cr.fetchall()])
        lines.modified(["statement_id", "amount", "internal_index", "state", "journal_id"], create=True)
        # The computes walk every line of the statement: fetch only the fields they read, not every
        # column of 100,000 lines and their moves.
        self.env["account.bank.statement"].with_context(prefetch_fields=False).flush_model()
        self.env.invalidate_all()
