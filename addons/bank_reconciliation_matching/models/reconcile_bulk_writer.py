"""Set-based reconciliation: what ``finance.reconcile.writer._reconcile`` leaves, written in bulk.

The ORM path costs about 100 queries per statement line (the move rewrite, then one
``reconcile()`` per open item). For the common case — a line settled in full against open
receivable/payable items in the company currency, nothing written off — the outcome is fully
determined, so this writer does the same set-wise, each row written once in its final state: the
full reconciliations, then the counterparts replacing the suspense items (one INSERT ... SELECT
copying each suspense row, already reconciled), the partial reconciliations, and one UPDATE of the
open items (residual, full reconciliation, matching number) and one of the statement lines. Every
other stored computed field that depends on them (the invoices' residuals and ``payment_state``,
totals...) is recomputed by the ORM's own code, once for all records; a field this writer sets (or
leaves unchanged, as a statement entry's totals) is taken off the ORM's to-do only where Odoo's own
code computes it (``_skip_written``: an addon overriding the compute method gets its recomputation).
The chatter the ORM leaves (journal items deleted / created, with tracking values) is written in one
batch.

``_refusal`` and ``_split`` say why a line must go through the ORM (foreign currency,
write-off, taxes, lock date, hashed journal, an addon overriding the reproduced methods...). The
equality with the ORM is proven in ``tests/test_bulk_reconcile_writer.py``.
"""
from collections import defaultdict
from decimal import Decimal

from markupsafe import escape

from odoo import _, api, models
from odoo.addons.finance_bridge_core.lib.bulk_writer_contract import first_override
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..lib.bulk_reconcile import COMPATIBLE_MODULES, KNOWN_MODULES, WATCHED, ItemState, pair_rows, plan_refusal

# From this many settled items, the tables written are analysed before Odoo recomputes from them.
ANALYZE_FROM = 2000
# Columns of the counterpart that differ from the suspense row it replaces (the rest is copied).
SET_COLUMNS = ("id", "account_id", "partner_id", "name", "debit", "credit", "balance", "amount_currency",
               "amount_residual", "amount_residual_currency", "price_subtotal", "price_total", "reconciled",
               "full_reconcile_id", "matching_number", "create_uid", "write_uid", "create_date", "write_date")


def _dec(value):
    return Decimal(str(value))


class FinanceReconcileBulkWriter(models.AbstractModel):
    _name = "finance.reconcile.bulk.writer"
    _description = "Bank reconciliation: set-based writer"

    # ------------------------------------------------------------------ eligibility
    @api.model
    def _finance_reconcile_writer_compatible_modules(self):
        """{addon: why its overrides leave this reconciliation alone}: the extension contract
        (as the statement writer's, finance_bridge_core/lib/bulk_writer_contract.py). Extend with
        ``super()``; an addon without this dependency sets ``_finance_reconcile_writer_compatible``."""
        return dict(COMPATIBLE_MODULES)

    @api.model
    def _model_refusal(self):
        """Why the installed code base is not one this writer reproduces, or None."""
        declared = self._finance_reconcile_writer_compatible_modules()
        for model_name, methods in WATCHED.items():
            found = first_override(type(self.env[model_name]).mro(), methods, KNOWN_MODULES, declared,
                                   "_finance_reconcile_writer_compatible")
            if found:
                return f"{model_name} is extended by {found[0]} ({', '.join(found[1])})"
            if model_name in ("account.partial.reconcile", "account.full.reconcile"):
                for field in self.env[model_name]._fields.values():
                    if field.store and field.column_type and (field.compute or field.default is not None) \
                            and field._module not in KNOWN_MODULES and field._module not in declared:
                        return f"{model_name}.{field.name} is added by {field._module or 'another addon'}"
        return None

    @api.model
    def _refusal(self, company, journal):
        """Why no line of this journal may be written set-wise, or None."""
        if self.env.context.get("finance_reconcile_orm_only"):
            return "the ORM path was asked for (comparison run)"
        reason = self._model_refusal()
        if reason:
            return reason
        company_currency = company.currency_id
        if journal.currency_id and journal.currency_id != company_currency:
            return f"journal {journal.code} is in a foreign currency"
        if journal.restrict_mode_hash_table:
            return f"journal {journal.code} hashes its entries"
        if not journal.suspense_account_id:
            return f"journal {journal.code} has no suspense account"
        if company.tax_exigibility:
            return "cash-basis taxes are enabled (the ORM posts their entries)"
        if "account.analytic.distribution.model" in self.env and self.env["account.analytic.distribution.model"]\
                .sudo().search_count([("company_id", "in", (company.id, False))], limit=1):
            return "analytic distribution models may apply to the counterparts"
        return None

    @api.model
    def _open_items(self, item_ids, company):
        """{id: ItemState} of the items the writer may settle: posted, open, on a reconcilable
        receivable/payable account, in the company currency, of no payment and no statement line."""
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        # Entries with tax lines are found once per entry (not once per item: an opening-balance
        # entry carries thousands of items).
        rows = self.env.execute_query(SQL("""
            WITH taxed AS (
                SELECT DISTINCT tax_line.move_id
                  FROM account_move_line tax_line
                  JOIN account_move tmove ON tmove.id = tax_line.move_id AND tmove.move_type = 'entry'
                 WHERE tax_line.move_id IN (SELECT move_id FROM account_move_line WHERE id = ANY(%(ids)s))
                   AND (tax_line.tax_repartition_line_id IS NOT NULL OR EXISTS (
                        SELECT 1 FROM account_move_line_account_tax_rel rel
                         WHERE rel.account_move_line_id = tax_line.id)))
            SELECT aml.id, aml.balance, aml.amount_residual, aml.date,
                   (SELECT count(*) FROM account_partial_reconcile p
                     WHERE p.debit_move_id = aml.id OR p.credit_move_id = aml.id)
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN account_journal journal ON journal.id = move.journal_id
             WHERE aml.id = ANY(%(ids)s) AND aml.company_id = %(company)s AND aml.parent_state = 'posted'
               AND NOT aml.reconciled AND acc.reconcile
               AND acc.account_type IN ('asset_receivable', 'liability_payable')
               AND aml.currency_id = %(currency)s AND move.origin_payment_id IS NULL
               AND move.statement_line_id IS NULL AND move.tax_cash_basis_rec_id IS NULL
               AND aml.discount_date IS NULL
               AND NOT EXISTS (SELECT 1 FROM account_move__account_payment rel WHERE rel.invoice_id = move.id)
               AND aml.move_id NOT IN (SELECT move_id FROM taxed)
        """, ids=list(item_ids), company=company.id, currency=company.currency_id.id))
        return {row[0]: ItemState(id=row[0], balance=_dec(row[1]), residual=_dec(row[2]), date=row[3],
                                  partial_count=row[4]) for row in rows}

    @api.model
    def _split(self, plans):
        """(eligible plans, {st_line id: reason}) for plans [(st_line, [(item id, Decimal)], kind)]."""
        refused, eligible = {}, []
        by_journal = defaultdict(list)
        for plan in plans:
            by_journal[plan[0].journal_id].append(plan)
        for journal, journal_plans in by_journal.items():
            company = journal.company_id
            reason = self._refusal(company, journal)
            if reason:
                refused.update({plan[0].id: reason for plan in journal_plans})
                continue
            lock = company._get_user_fiscal_lock_date(journal)
            items = self._open_items({i for plan in journal_plans for i, _a in plan[1]}, company)
            suspense = self._suspense_items([plan[0] for plan in journal_plans], journal)
            claimed = set()
            for st_line, allocations, kind in journal_plans:
                reason = None
                if st_line.foreign_currency_id:
                    reason = "the line is in a foreign currency"
                elif lock and st_line.date <= lock:
                    reason = f"the line falls on or before the lock date {lock}"
                elif st_line.is_reconciled or st_line.id not in suspense:
                    reason = "the line is already (partly) reconciled"
                elif claimed & {i for i, _a in allocations}:
                    reason = "an open item is settled by another line of this run"
                else:
                    reason = plan_refusal(_dec(st_line.amount), allocations, items, kind)
                if reason:
                    refused[st_line.id] = reason
                else:
                    claimed.update(i for i, _a in allocations)
                    eligible.append((st_line, allocations, items, suspense[st_line.id]))
        return eligible, refused

    @api.model
    def _suspense_items(self, st_lines, journal):
        """{statement line id: its suspense item id} for the lines whose entry is as imported: the
        liquidity item and one suspense item, nothing else (``_seek_for_lines`` in one query)."""
        rows = self.env.execute_query(SQL("""
            SELECT aml.statement_line_id, min(aml.id) FILTER (WHERE aml.account_id = %(suspense)s),
                   count(*) FILTER (WHERE aml.account_id = %(suspense)s),
                   count(*) FILTER (WHERE aml.account_id != %(suspense)s AND aml.account_id != %(liquidity)s)
              FROM account_move_line aml
             WHERE aml.statement_line_id = ANY(%(ids)s)
             GROUP BY aml.statement_line_id
        """, suspense=journal.suspense_account_id.id, liquidity=journal.default_account_id.id,
            ids=[line.id for line in st_lines]))
        return {line_id: suspense_id for line_id, suspense_id, n_suspense, n_other in rows
                if n_suspense == 1 and not n_other}

    # ------------------------------------------------------------------ writing
    @api.model
    def _reconcile_many(self, plans):
        """Reconcile eligible plans [(st_line, [(item id, Decimal amount)], {id: ItemState}, suspense id)].

        The same rows as ``finance.reconcile.writer._reconcile`` called line after line."""
        if not plans:
            return
        companies = {plan[0].company_id for plan in plans}
        if len(companies) > 1:
            for company in companies:
                self._reconcile_many([plan for plan in plans if plan[0].company_id == company])
            return
        env, cr = self.env, self.env.cr
        env.flush_all()
        uid, now = env.uid, cr.now()
        Line = env["account.move.line"]
        tracking = not env.context.get("tracking_disable")
        suspense_by_line = {st_line.id: Line.browse(suspense_id) for st_line, _a, _i, suspense_id in plans}
        all_items = Line.browse([i for _l, allocations, _i, _s in plans for i, _a in allocations])
        pre_hook = all_items._reconcile_pre_hook()
        deleted_tracking = {}
        if tracking:
            ref_fields = self._tracked_fields()
            empty_line = Line.browse([False])
            for st_line, _a, _i, _s in plans:
                suspense = suspense_by_line[st_line.id]
                if st_line.move_id.posted_before:
                    deleted_tracking[suspense.id] = empty_line._mail_track(ref_fields, suspense)[1]
        n_pairs = sum(len(allocations) for _l, allocations, _i, _s in plans)
        counterpart_ids = self._next_ids("account_move_line", n_pairs)
        partial_ids = self._next_ids("account_partial_reconcile", n_pairs)
        names = {item.id: (item.move_id.name if item.move_id.name != item.name and item.name
                           else (item.name or item.move_id.name)) for item in all_items}
        partners = {item.id: item.partner_id.id or None for item in all_items}
        accounts = {item.id: item.account_id.id for item in all_items}
        rows = [(st_line, pair) for st_line, allocations, items, _s in plans
                for pair in pair_rows(st_line.date, allocations, items)]
        full_ids = iter(self._next_ids("account_full_reconcile", sum(pair.full for _l, pair in rows)))
        # Every value of a pair is known before anything is written: each row is written once, in
        # its final state (an UPDATE of journal items rewrites every index of that wide table).
        counterparts, partials, settled = [], [], []
        for index, (st_line, pair) in enumerate(rows):
            counterpart_id, partial_id, item_id = counterpart_ids[index], partial_ids[index], pair.item_id
            full_id = next(full_ids) if pair.full else None
            matching = str(full_id) if pair.full else f"P{partial_id}"
            counterparts.append((suspense_by_line[st_line.id].id, counterpart_id, accounts[item_id],
                                 partners[item_id], names[item_id], float(pair.counterpart_balance), full_id,
                                 matching))
            debit_id, credit_id = (item_id, counterpart_id) if pair.item_is_debit else (counterpart_id, item_id)
            partials.append((partial_id, debit_id, credit_id, float(pair.amount), pair.max_date, full_id))
            settled.append((item_id, full_id, matching, pair.residual_after))
        suspense_ids = [s.id for s in suspense_by_line.values()]
        currency_id = plans[0][0].company_id.currency_id.id
        company_id = plans[0][0].company_id.id
        fulls = [p[5] for p in partials if p[5]]
        if fulls:
            cr.execute(SQL("INSERT INTO account_full_reconcile (id, create_uid, write_uid, create_date, write_date) "
                           "SELECT unnest(%s::int[]), %s, %s, %s, %s", fulls, uid, uid, now, now))
        self._insert_counterparts(counterparts, uid, now)
        cr.execute("DELETE FROM account_move_line WHERE id = ANY(%s)", (suspense_ids,))
        cr.execute(SQL("""
            INSERT INTO account_partial_reconcile (id, debit_move_id, credit_move_id, debit_currency_id,
                   credit_currency_id, company_id, max_date, amount, debit_amount_currency, credit_amount_currency,
                   full_reconcile_id, create_uid, write_uid, create_date, write_date)
            SELECT v.id, v.debit, v.credit, %(cur)s, %(cur)s, %(company)s, v.max_date, v.amount, v.amount, v.amount,
                   v.full_id, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(ids)s::int[], %(debits)s::int[], %(credits)s::int[], %(dates)s::date[],
                          %(amounts)s::numeric[], %(fulls)s::int[]) AS v(id, debit, credit, max_date, amount, full_id)
        """, cur=currency_id, company=company_id, uid=uid, now=now, ids=[p[0] for p in partials],
            debits=[p[1] for p in partials], credits=[p[2] for p in partials], dates=[p[4] for p in partials],
            amounts=[p[3] for p in partials], fulls=[p[5] for p in partials]))
        # The open items: what ``_compute_amount_residual`` and ``_update_matching_number`` give
        # them (company currency: the residual in currency is the residual), in one statement.
        cr.execute(SQL("""
            UPDATE account_move_line l
               SET full_reconcile_id = v.full_id, matching_number = v.matching, amount_residual = v.residual,
                   amount_residual_currency = v.residual, reconciled = (v.residual = 0)
              FROM unnest(%s::int[], %s::int[], %s::varchar[], %s::numeric[]) AS v(id, full_id, matching, residual)
             WHERE l.id = v.id
        """, [s[0] for s in settled], [s[1] for s in settled], [s[2] for s in settled], [s[3] for s in settled]))
        # The statement lines: no suspense item left (``_compute_is_reconciled``).
        cr.execute(SQL("""
            UPDATE account_bank_statement_line st
               SET is_reconciled = TRUE, amount_residual = CASE WHEN move.checked THEN 0 ELSE -st.amount END
              FROM account_move move WHERE move.id = st.move_id AND st.id = ANY(%s)
        """, [st_line.id for st_line, _a, _i, _s in plans]))
        if n_pairs >= ANALYZE_FROM:
            # Thousands of rows added by single statements to tables whose statistics may say they
            # are small: Odoo's recomputation below joins them (``reconciled_payment_ids``), and a
            # plan made for a few rows takes minutes (measured by the bench: 79 s of 135 s).
            # The statement import just inserted as many entries set-wise: account_move too.
            cr.execute("ANALYZE account_partial_reconcile, account_full_reconcile, account_move_line, account_move, "
                       "account_payment")
        st_moves = env["account.move"].browse([st_line.move_id.id for st_line, _a, _i, _s in plans])
        # The ORM's write of ``line_ids`` on each statement move (and the invoices' residual writes).
        # Invoices are written too (Odoo's payment-term sync clears their ``needed_terms_dirty``).
        touched = st_moves | all_items.move_id.filtered(lambda move: move.is_invoice(include_receipts=True))
        vals = {"write_uid": uid, "write_date": now}
        if not env.context.get("skip_is_manually_modified"):
            vals["is_manually_modified"] = True
        cr.execute(SQL("UPDATE account_move SET %s WHERE id = ANY(%s)",
                       SQL(", ").join(SQL("%s = %s", SQL.identifier(k), v) for k, v in vals.items()), touched.ids))
        env.invalidate_all()
        # Every stored field computed from what changed, by the ORM's own code, for all lines at once.
        new_lines = Line.browse(counterpart_ids)
        st_moves = st_moves.with_env(env)
        # Read before anything is marked to compute: the triggers of ``move_id`` walk the entries'
        # lines, and reading them then (ordered by date and entry name) would first write the
        # counterparts' date and entry name, recomputed to what they are.
        st_moves.fetch(["line_ids"])
        # A counterpart differs from the suspense row it replaces in these columns only (and is a new
        # line of its move): what depends on them is recomputed. Its own computed columns are the
        # suspense row's, as the ORM computes them at creation (proven by the equality test).
        new_lines.modified([name for name in SET_COLUMNS if name in Line._fields and Line._fields[name].store]
                           + ["move_id"], create=True)
        for field in Line._fields.values():
            if field.store and field.compute:
                env.remove_to_compute(field, new_lines)
        (new_lines | all_items).modified(["matched_debit_ids", "matched_credit_ids", "full_reconcile_id",
                                          "matching_number"])
        st_moves.modified(["line_ids"])
        self._skip_written(new_lines | all_items, plans[0][0].browse([p[0].id for p in plans]), st_moves)
        self._compute_extra_fields(new_lines)
        env.flush_all()
        if tracking:
            self._log_line_changes(plans, suspense_by_line, deleted_tracking, new_lines)
        all_items._reconcile_post_hook(pre_hook)
        env.flush_all()

    @api.model
    def _insert_counterparts(self, counterparts, uid, now):
        """Each counterpart: a copy of its suspense row with the item's account, partner, name, the
        settled amount and its reconciliation (fully settled: no residual; its full reconciliation
        and matching number), columns other addons add copied too."""
        columns = [c for c in self._columns("account_move_line") if c not in SET_COLUMNS]
        copied = SQL(", ").join(SQL("s.%s", SQL.identifier(c)) for c in columns)
        listed = SQL(", ").join(SQL.identifier(c) for c in (*SET_COLUMNS, *columns))
        self.env.cr.execute(SQL("""
            INSERT INTO account_move_line (%(listed)s)
            SELECT v.id, v.account, v.partner, v.name,
                   GREATEST(v.balance, 0), GREATEST(-v.balance, 0), v.balance, v.balance, 0, 0, v.balance, v.balance,
                   TRUE, v.full_id, v.matching, %(uid)s, %(uid)s, %(now)s, %(now)s, %(copied)s
              FROM unnest(%(suspense)s::int[], %(ids)s::int[], %(accounts)s::int[], %(partners)s::int[],
                          %(names)s::varchar[], %(balances)s::numeric[], %(fulls)s::int[], %(matchings)s::varchar[])
                   WITH ORDINALITY AS v(suspense, id, account, partner, name, balance, full_id, matching, n)
              JOIN account_move_line s ON s.id = v.suspense
             ORDER BY v.n
        """, listed=listed, copied=copied, uid=uid, now=now, suspense=[c[0] for c in counterparts],
            ids=[c[1] for c in counterparts], accounts=[c[2] for c in counterparts],
            partners=[c[3] for c in counterparts], names=[c[4] for c in counterparts],
            balances=[c[5] for c in counterparts], fulls=[c[6] for c in counterparts],
            matchings=[c[7] for c in counterparts]))

    @api.model
    def _skip_written(self, lines, st_lines, st_moves):
        """Take off the ORM's to-do what this writer wrote itself or left unchanged, where Odoo's
        own code computes it (an addon overriding the compute method gets the ORM's recomputation):
        the items' and counterparts' residuals, the statement lines' residual, and the statement
        entries' totals, payment state and tax exigibility (a statement entry is no invoice: its
        totals are its liquidity amount, before and after; proven by the equality test)."""
        for records, method in ((lines, "_compute_amount_residual"), (st_lines, "_compute_is_reconciled"),
                                (st_moves, "_compute_amount"), (st_moves, "_compute_payment_state"),
                                (st_moves, "_compute_always_tax_exigible")):
            for field in self._own_computed_fields(records._name, method):
                self.env.remove_to_compute(field, records)

    @api.model
    def _own_computed_fields(self, model_name, method):
        """The stored fields ``method`` computes when its code is Odoo's own (or this suite's)."""
        Model = self.env[model_name]
        owner = next((cls for cls in type(Model).mro() if method in vars(cls)), None)
        if owner is None or getattr(owner, "_module", None) not in KNOWN_MODULES:
            return []
        return [field for field in Model._fields.values() if field.store and field.compute == method]

    @api.model
    def _compute_extra_fields(self, lines):
        """Other addons' stored computed fields of the new counterparts, by their own code."""
        statement_writer = self.env["finance.statement.line.writer"]
        for field in statement_writer._extra_fields("account.move.line"):
            if field.compute:
                self.env.add_to_compute(field, lines)

    @api.model
    def _tracked_fields(self):
        Line = self.env["account.move.line"]
        tracked = [name for name, field in Line._fields.items()
                   if getattr(field, "tracking", None) and not getattr(field, "related", None)]
        return Line.fields_get(tracked)

    @api.model
    def _log_line_changes(self, plans, suspense_by_line, deleted_tracking, new_lines):
        """The chatter of the ORM's line rewrite: per statement move, "Journal Item #n deleted"
        then "#m created" with their tracking values, in that order, created in one batch."""
        Move = self.env["account.move"]
        ref_fields = self._tracked_fields()
        empty = dict.fromkeys(ref_fields)
        counterparts_of = defaultdict(list)
        for line in new_lines:
            counterparts_of[line.move_id.id].append(line)
        author_id, email_from = Move._message_compute_author(None, None)
        base = {"author_id": author_id, "email_from": email_from, "model": "account.move",
                "record_alias_domain_id": False, "record_company_id": False, "attachment_ids": False,
                "message_type": "notification", "is_internal": True, "subject": False,
                "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                "email_add_signature": False, "partner_ids": False,
                "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from,
                                                                          author_id=author_id)[False]}
        values_list = []
        Line = self.env["account.move.line"]
        for st_line, _a, _i, _s in plans:
            move = st_line.move_id
            if not move.posted_before:
                continue
            suspense_id = suspense_by_line[st_line.id].id
            if deleted_tracking.get(suspense_id):
                link = Line.browse(suspense_id)._get_html_link(title=f"#{suspense_id}")
                values_list.append(dict(base, res_id=move.id, body=escape(_("Journal Item %s deleted", link)),
                                        tracking_value_ids=deleted_tracking[suspense_id],
                                        message_id=generate_tracking_message_id("message-notify")))
            for line in counterparts_of[move.id]:
                tracking_values = line._mail_track(ref_fields, empty)[1]
                if tracking_values:
                    values_list.append(dict(base, res_id=move.id,
                                            body=escape(_("Journal Item %s created",
                                                          line._get_html_link(title=f"#{line.id}"))),
                                            tracking_value_ids=tracking_values,
                                            message_id=generate_tracking_message_id("message-notify")))
        if values_list:
            Move.sudo()._message_create(values_list)

    # ------------------------------------------------------------------ helpers
    @api.model
    def _next_ids(self, table, count):
        self.env.cr.execute(SQL("SELECT nextval(%s) FROM generate_series(1, %s)", f"{table}_id_seq", count))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _columns(self, table):
        self.env.cr.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                            "AND table_name = %s ORDER BY ordinal_position", (table,))
        return [row[0] for row in self.env.cr.fetchall()]
