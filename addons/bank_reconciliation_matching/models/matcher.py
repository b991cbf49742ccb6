"""Feeds the pure engine (``lib/``) from the database and applies its decisions.

Everything the engine needs is read set-wise (one query for the open items, one for the IBANs),
so a run costs a few queries plus one reconciliation per line reconciled automatically.
"""
import json
import logging
from decimal import Decimal

from odoo import _, api, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lib import structured_refs
from ..lib.match_dto import BankLine, MatchConfig, OpenItem, UserRule
from ..lib.match_engine import MatchEngine

_logger = logging.getLogger(__name__)

KEEP_CANDIDATES = 3       # suggestions stored per line
AUDIT_CHUNK = 500         # lines per audit event of the set-based reconciliation


def _dec(value):
    return Decimal(str(value)) if value is not None else None


def _line_reference(label):
    """The item's own label when it is a valid structured reference: a miscellaneous entry (an
    opening balance, a migration) carries one per receivable line, where the entry's ``ref`` is
    shared by all its lines (an invoice's terms line repeats its payment reference anyway)."""
    return label if label and structured_refs.classify(label) else ""


class FinanceReconcileMatcher(models.AbstractModel):
    _name = "finance.reconcile.matcher"
    _description = "Bank reconciliation: matching runs"

    # ------------------------------------------------------------------ reading
    @api.model
    def _open_items(self, company, since_id=None):
        """Open receivable/payable items of posted entries and outstanding payment items.

        ``since_id``: only journal items created after it (incremental matching)."""
        for model in ("account.move", "account.move.line", "account.account", "res.currency"):
            self.env[model].flush_model()
        rows = self.env.execute_query_dict(SQL("""
            SELECT aml.id, aml.partner_id, aml.amount_residual_currency AS residual, cur.name AS currency,
                   move.name AS move_name, move.payment_reference, move.ref, aml.payment_id,
                   aml.name AS label
              FROM account_move_line aml
              JOIN account_move move ON move.id = aml.move_id
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN res_currency cur ON cur.id = aml.currency_id
             WHERE aml.company_id = %(company)s AND aml.parent_state = 'posted' AND NOT aml.reconciled
               AND acc.reconcile AND move.statement_line_id IS NULL AND aml.amount_residual_currency != 0
               AND (aml.display_type IS NULL
                    OR aml.display_type NOT IN ('line_section', 'line_subsection', 'line_note'))
               AND ((acc.account_type IN ('asset_receivable', 'liability_payable') AND aml.payment_id IS NULL)
                    OR (aml.payment_id IS NOT NULL
                        AND acc.account_type NOT IN ('asset_receivable', 'liability_payable')))
               AND aml.id > %(since)s
             ORDER BY aml.date_maturity NULLS LAST, aml.id
        """, company=company.id, since=since_id or 0))
        items = {}
        for row in rows:
            items[row["id"]] = OpenItem(
                id=row["id"], amount=_dec(row["residual"]), currency=row["currency"], partner_id=row["partner_id"],
                kind="payment" if row["payment_id"] else "invoice", name=row["move_name"] or "",
                reference=row["payment_reference"] or _line_reference(row["label"]) or row["ref"] or "")
        return items

    @api.model
    def _own_payment_items(self, st_lines):
        """Items the payment addons know (EndToEndId, UETR, batch ids), through the core hook."""
        items = {}
        for entry in self.env["finance.reconciliation.hooks"]._finance_match_own_payments(st_lines) or []:
            for aml_id in entry.get("move_line_ids") or ():
                items[aml_id] = OpenItem(
                    id=aml_id, amount=_dec(entry["amount"]), currency=entry["currency"],
                    partner_id=entry.get("partner_id"), kind="own_payment", name=entry.get("name") or "",
                    end_to_end_id=entry.get("end_to_end_id"), uetr=entry.get("uetr"),
                    batch_ids=tuple(b for b in entry.get("batch_ids") or () if b))
        return items

    @api.model
    def _partners_by_iban(self, company):
        self.env["res.partner.bank"].flush_model()
        self.env["res.partner"].flush_model(["company_id"])
        rows = self.env.execute_query(SQL("""
            SELECT bank.sanitized_acc_number, bank.partner_id FROM res_partner_bank bank
              JOIN res_partner partner ON partner.id = bank.partner_id
             WHERE bank.active AND (bank.company_id IS NULL OR bank.company_id = %s)
               AND (partner.company_id IS NULL OR partner.company_id = %s)""", company.id, company.id))
        by_iban = {}
        for number, partner in rows:
            # An account shared by two partners says nothing about who paid.
            by_iban[number] = None if by_iban.get(number, partner) != partner else partner
        return {k: v for k, v in by_iban.items() if v}

    @api.model
    def _user_rules(self, company):
        return [UserRule(id=rule.id, name=rule.name, account_id=rule.account_id.id,
                         label_contains=rule.label_contains or "", partner_id=rule.partner_id.id or None,
                         amount_min=_dec(rule.amount_min) if rule.use_amount_min else None,
                         amount_max=_dec(rule.amount_max) if rule.use_amount_max else None,
                         tax_ids=tuple(rule.tax_ids.ids), score=rule.score)
                for rule in self.env["finance.reconcile.rule"].sudo().search([("company_id", "=", company.id)])]

    @api.model
    def _bank_lines(self, st_lines):
        """BankLine DTOs: the line, its partner and the references the import kept."""
        company_currency = {}
        result = []
        for row in st_lines.read(["amount", "amount_currency", "foreign_currency_id", "journal_id", "partner_id",
                                  "account_number", "partner_name", "payment_ref", "transaction_details",
                                  "currency_id"], load=None):
            details = row["transaction_details"] or {}
            if isinstance(details, str):
                details = json.loads(details)
            raw = details.get("raw") or {}
            currency = company_currency.setdefault(row["currency_id"],
                                                   self.env["res.currency"].browse(row["currency_id"]).name)
            foreign = self.env["res.currency"].browse(row["foreign_currency_id"]).name \
                if row["foreign_currency_id"] else None
            text = " ".join(dict.fromkeys(filter(None, (row["payment_ref"], details.get("remittance_unstructured")))))
            # Keys as the camt adapter keeps them (raw.ref_MsgId, raw.batch, raw.charges: a list).
            batch = tuple(filter(None, (raw.get("ref_MsgId") or raw.get("msg_id"),
                                        raw.get("ref_PmtInfId") or raw.get("pmt_inf_id"))))
            batch_e2e = tuple(filter(None, (tx.get("EndToEndId") for tx in raw.get("batch") or ()
                                            if isinstance(tx, dict))))
            charges = raw.get("charges") or ()
            charges = sum((abs(_dec(c)) for c in ([charges] if isinstance(charges, (str, int, float)) else charges)
                           if c not in (None, "")), Decimal(0))
            result.append(BankLine(
                id=row["id"], amount=_dec(row["amount"]), currency=currency, partner_id=row["partner_id"] or None,
                counterparty_iban=row["account_number"], counterparty_name=row["partner_name"], text=text,
                structured_ref=details.get("remittance_structured"), end_to_end_id=details.get("end_to_end_id"),
                uetr=details.get("uetr"), batch_ids=batch, batch_end_to_end_ids=batch_e2e, charges=charges,
                foreign_amount=_dec(row["amount_currency"]) if foreign else None, foreign_currency=foreign,
                journal_id=row["journal_id"]))
        return result

    # ------------------------------------------------------------------ running
    @api.model
    def _config(self, company):
        return MatchConfig(auto_threshold=company.finance_match_threshold,
                           writeoff_tolerance=_dec(company.finance_writeoff_tolerance)
                           if company.finance_writeoff_account_id else Decimal(0))

    @api.model
    def _match(self, st_lines, auto=False, since_id=None):
        """Match unreconciled ``st_lines``; store suggestions; reconcile the sure ones when ``auto``
        and their journal allows it. ``since_id``: look at journal items newer than it only.

        Returns counters {auto, suggested, unmatched}."""
        counts = {"auto": 0, "suggested": 0, "unmatched": 0}
        st_lines = st_lines.sudo().filtered(lambda line: not line.is_reconciled)
        for company in st_lines.company_id:
            lines = st_lines.filtered(lambda line, c=company: line.company_id == c)
            items = self._open_items(company, since_id)
            items.update(self._own_payment_items(lines))
            if since_id and not items:
                continue
            engine = MatchEngine(list(items.values()), self._partners_by_iban(company),
                                 () if since_id else self._user_rules(company),
                                 self._config(company))
            thresholds = {j.id: (j.finance_match_threshold or company.finance_match_threshold)
                          if auto and j.finance_auto_reconcile else 0 for j in lines.journal_id}
            results = engine.match(self._bank_lines(lines), thresholds=thresholds)
            bulk_done = self._apply_bulk(lines, [res for res in results if res.decision == "auto"], counts)
            self._store(lines, results, keep_existing=bool(since_id), settled=bulk_done)
            for res in results:
                if res.line_id in bulk_done or (
                        res.decision == "auto" and self._apply_safely(lines.browse(res.line_id), res.best)):
                    counts["auto"] += 1
                else:
                    counts["suggested" if res.candidates else "unmatched"] += 1
        return counts

    @api.model
    @decides
    def _apply_bulk(self, lines, results, counts):
        """Reconcile the sure lines the set-based writer can take in one go; the others (and the
        reasons, counted in ``counts["orm_reasons"]``) are left to the ORM path. Returns the ids done."""
        if not results:
            return set()
        writer = self.env["finance.reconcile.bulk.writer"]
        by_id = {line.id: line for line in lines}
        plans = [(by_id[res.line_id], [(item_id, Decimal(str(amount))) for item_id, amount in res.best.allocations],
                  res.best.difference_kind or "") for res in results if not res.best.user_rule_id]
        eligible, refused = writer._split(plans)
        reasons = counts.setdefault("orm_reasons", {})
        for reason in refused.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        if not eligible:
            return set()
        try:
            with self.env.cr.savepoint():
                writer._reconcile_many(eligible)
        except (UserError, ValidationError) as exc:
            _logger.warning("set-based reconciliation refused, the lines go through the ORM: %s", exc)
            self.env.invalidate_all()
            reason = f"set-based writer refused: {exc}"[:200]
            reasons[reason] = reasons.get(reason, 0) + len(eligible)
            return set()
        done = {plan[0].id for plan in eligible}
        best = {res.line_id: res.best for res in results if res.line_id in done}
        counts["bulk"] = counts.get("bulk", 0) + len(done)
        # One audit event per chunk of lines, each line with its rule, score and items (the ORM path
        # logs one event per line).
        company = eligible[0][0].company_id
        ordered = sorted(done)
        for start in range(0, len(ordered), AUDIT_CHUNK):
            chunk = ordered[start:start + AUDIT_CHUNK]
            self.env["finance.audit.event"].sudo()._log(
                "reconcile.auto", summary=f"{len(chunk)} statement lines reconciled automatically (set-based)",
                company=company,
                payload={"lines": [{"line": line_id, "rule": best[line_id].rule, "score": best[line_id].score,
                                    "items": [[i, str(a)] for i, a in best[line_id].allocations]}
                                   for line_id in chunk]})
        return done

    @api.model
    def _apply_safely(self, line, candidate):
        """Reconcile automatically; a refusal (an item reconciled meanwhile, an account missing)
        leaves the line with its suggestion instead of failing the import that triggered the run."""
        try:
            with self.env.cr.savepoint():
                self.env["finance.reconcile.suggestion"]._apply_candidate(line, candidate, automatic=True)
            return True
        except (UserError, ValidationError) as exc:
            _logger.warning("statement line %s not reconciled automatically: %s", line.id, exc)
            self.env.invalidate_all()
            return False

    @api.model
    def _store(self, lines, results, keep_existing=False, settled=()):
        """Store each line's best candidates as suggestions; a line in ``settled`` (reconciled
        automatically by the set-based writer) keeps its best one only, as its explanation."""
        Suggestion = self.env["finance.reconcile.suggestion"].sudo()
        # Incremental runs keep the suggestions of lines with nothing new; a line with new candidates
        # gets them instead of the old ones (never two rank-1 suggestions for one line).
        renewed = lines.ids if not keep_existing else [res.line_id for res in results if res.candidates]
        if renewed:
            Suggestion.search([("statement_line_id", "in", renewed), ("state", "=", "suggested")]).unlink()
        vals_list = []
        for res in results:
            if res.line_id in settled:
                vals_list.append(dict(Suggestion._vals_from_candidate(res.best, 1, res.reason), state="auto"))
                continue
            for rank, cand in enumerate(res.candidates[:KEEP_CANDIDATES], start=1):
                vals_list.append(Suggestion._vals_from_candidate(cand, rank, res.reason if rank == 1 else ""))
        if vals_list:
            Suggestion.create(vals_list)

    @api.model
    def _cron_match_new_items(self):
        """Incremental matching: unreconciled lines against journal items posted since the last run
        (a watermark per company), not a full rescan."""
        params = self.env["ir.config_parameter"].sudo()
        for company in self.env["res.company"].sudo().search([]):
            key = f"bank_reconciliation_matching.last_item_id.{company.id}"
            since = int(params.get_param(key, "0") or 0)
            top = self.env["account.move.line"].sudo().search([("company_id", "=", company.id)],
                                                                 order="id desc", limit=1).id or 0
            if top <= since:
                continue
            lines = self.env["account.bank.statement.line"].sudo().search([
                ("company_id", "=", company.id), ("is_reconciled", "=", False)])
            if lines:
                counts = self._match(lines, auto=True, since_id=since)
                _logger.info("incremental matching of %s: %s", company.name, counts)
            params.set_param(key, str(top))
        return True

    @api.model
    def _explain_counts(self, counts):
        text = _("%(auto)s reconciled automatically, %(suggested)s with suggestions, %(unmatched)s unmatched",
                 auto=counts["auto"], suggested=counts["suggested"], unmatched=counts["unmatched"])
        return text + self._explain_writer(counts)

    @api.model
    def _explain_writer(self, counts):
        """How the automatic reconciliations were written: set-based, or through the ORM and why."""
        orm = {reason: n for reason, n in (counts.get("orm_reasons") or {}).items()}
        if not counts.get("bulk") and not orm:
            return ""
        text = _(" (%(bulk)s written set-based", bulk=counts.get("bulk", 0))
        if orm:
            text += _("; through Odoo's reconciliation: %(why)s",
                      why="; ".join(f"{n} × {reason}" for reason, n in sorted(orm.items(), key=lambda r: -r[1])))
        return text + ")"
