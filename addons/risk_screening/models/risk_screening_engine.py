"""Screening service: the cached name index, partner and payment screening, hits."""
import logging
import threading

from odoo import api, fields, models
from odoo.addons.finance_bridge_core.lib.concurrency import run_unit
from odoo.addons.finance_bridge_core.lib.dto import ScreeningHold
from odoo.addons.finance_bridge_core.lib.errors import FinanceBridgeError

from ..lib.fallback_policy import fallback_holds
from ..lib.matcher import NameIndex, ScreenQuery
from .risk_list_entry import name_hash

_logger = logging.getLogger(__name__)
_CACHE = {}
_CACHE_LOCK = threading.Lock()
RESCREEN_BATCH = 500  # partners per transaction (ir.config_parameter risk_screening.rescreen_batch_size)


class RiskScreeningEngine(models.AbstractModel):
    _name = "risk.screening.engine"
    _description = "Risk screening engine"

    # ------------------------------------------------------------------ index
    @api.model
    def _stamp(self):
        self.env["risk.list.entry"].flush_model()
        self.env.cr.execute("SELECT count(*), max(write_date), max(id) FROM risk_list_entry WHERE active")
        return tuple(self.env.cr.fetchone())

    @api.model
    def _index(self):
        """The index of every active entry, rebuilt only when the lists changed."""
        stamp, key = self._stamp(), self.env.cr.dbname
        with _CACHE_LOCK:
            cached = _CACHE.get(key)
            if cached and cached[0] == stamp:
                return cached[1]
        entries = self.env["risk.list.entry"].sudo().search([])
        index = NameIndex(entries._to_dto())
        with _CACHE_LOCK:
            _CACHE[key] = (stamp, index)
        return index

    @api.model
    def _invalidate(self):
        with _CACHE_LOCK:
            _CACHE.pop(self.env.cr.dbname, None)

    # ------------------------------------------------------------------ queries
    @api.model
    def _partner_query(self, partner):
        bics = [b.bank_id.bic for b in partner.bank_ids if b.bank_id.bic]
        return ScreenQuery(name=partner.name or "", entry_type="entity" if partner.is_company else "person",
                           country=partner.country_id.code or None, bic=bics[0] if bics else None)

    @api.model
    def _matches(self, query, company, index=None):
        """Local matches at the company's threshold, without the allowlisted ones."""
        index = index or self._index()
        matches = index.screen(query, threshold=company.risk_threshold)
        if not matches:
            return []
        entry_ids = [int(m.entry.ref) for m in matches]
        allowed = self.env["risk.allowlist"]._allowed_pairs(company, entry_ids, name_hash(query.name))
        return [m for m in matches if int(m.entry.ref) not in allowed]

    @api.model
    def _record_hits(self, matches, company, screened_name, stage, partner=None, subject=None, requested_by=None):
        Hit = self.env["risk.screening.hit"].sudo()
        hits = Hit.browse()
        digest = name_hash(screened_name)
        for match in matches:
            entry_id = int(match.entry.ref)
            domain = [("company_id", "=", company.id), ("entry_id", "=", entry_id), ("name_hash", "=", digest),
                      ("state", "in", ("open", "confirmed"))]
            domain.append(("partner_id", "=", partner.id) if partner else ("partner_id", "=", False))
            hit = Hit.search(domain, limit=1)
            if not hit:
                hit = Hit.create({
                    "company_id": company.id, "partner_id": partner.id if partner else False,
                    "entry_id": entry_id, "screened_name": screened_name, "name_hash": digest, "stage": stage,
                    "score": match.score, "explanation": match.explanation,
                    "res_model": subject._name if subject else False, "res_id": subject.id if subject else 0,
                    "requested_by_id": (requested_by or self.env.user).id,
                    "list_version_id": self.env["risk.list.entry"].sudo().browse(entry_id).version_id.id,
                })
                self.env["finance.audit.event"]._log(
                    "screening.hit", hit, summary=f"{screened_name} ~ {match.matched_name} ({match.score})",
                    payload={"stage": stage, "score": match.score, "entry": entry_id,
                             "version": hit.list_version_id.version, "explanation": match.explanation},
                    company=company)
            hits |= hit
        return hits

    @api.model
    def _holds_for(self, hits):
        return [ScreeningHold(code="sanctions.hit" if hit.state == "open" else "sanctions.confirmed",
                              reason=f"{hit.screened_name} resembles listed {hit.entry_id.name} "
                                     f"({hit.entry_id.source_id.name}, score {hit.score})",
                              source="risk_screening", details={"hit": hit.id})
                for hit in hits]

    # ------------------------------------------------------------------ partners
    def _screen_partners(self, partners, stage="partner", index=None):
        """Screen partners, keep their state and hits current; returns {partner id: hits}.

        The decision is server code: lists, allowlist, bank details and hits are read and written as
        superuser, so whoever may create or edit a partner (a contacts user without any Bank
        Connectivity group) has it screened, and nothing of it is handed back to him to read. The
        hits still name the user who triggered the screening.
        """
        result = {}
        engine, user = self.sudo(), self.env.user
        for partner in partners.sudo():
            company = partner.company_id or self.env.company
            query = engine._partner_query(partner)
            matches = engine._matches(query, company, index=index) if query.name else []
            hits = engine._record_hits(matches, company, query.name, stage, partner=partner, requested_by=user)
            open_hits = partner.sudo().risk_hit_ids.filtered(lambda h: h.state in ("open", "confirmed"))
            state = "blocked" if open_hits.filtered(lambda h: h.state == "confirmed") else \
                "hit" if open_hits else "clear"
            partner.sudo().with_context(risk_skip_screening=True).write(
                {"risk_state": state, "risk_screened_at": fields.Datetime.now()})
            result[partner.id] = hits
        return result

    @api.model
    def _rescreen_domain(self, after=0):
        """Active counterparties (bank details, supplier or customer), after a partner id."""
        return [("id", ">", after or 0),
                "|", "|", ("bank_ids", "!=", False), ("supplier_rank", ">", 0), ("customer_rank", ">", 0)]

    @api.model
    def _rescreen_batch_size(self):
        value = self.env["ir.config_parameter"].sudo().get_param("risk_screening.rescreen_batch_size")
        return max(int(value or RESCREEN_BATCH), 1)

    @api.model
    def _claim_rescreen_version(self):
        """The oldest pending version nobody else works on, row-locked until this batch commits.

        A version locked by a concurrent run is skipped (SKIP LOCKED): two runs never take the
        same cursor, so no partner is screened twice for one version.
        """
        self.env["risk.list.version"].flush_model()
        self.env.cr.execute("""
            SELECT id FROM risk_list_version WHERE rescreen_state = 'pending'
             ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED""")
        row = self.env.cr.fetchone()
        return self.env["risk.list.version"].sudo().browse(row[0] if row else [])

    @api.model
    def _version_delta(self, version):
        """Index of the entries this version added or changed (cached while they stay the same)."""
        Entry = self.env["risk.list.entry"].sudo().with_context(active_test=False)
        Entry.flush_model()
        self.env.cr.execute("SELECT count(*), max(write_date), max(id) FROM risk_list_entry WHERE version_id = %s "
                            "AND active", (version.id,))
        key = (self.env.cr.dbname, "version", version.id, tuple(self.env.cr.fetchone()))
        with _CACHE_LOCK:
            cached = _CACHE.get(key[:3])
            if cached and cached[0] == key:
                return cached[1]
        index = NameIndex(Entry.search([("version_id", "=", version.id), ("active", "=", True)])._to_dto())
        with _CACHE_LOCK:
            _CACHE[key[:3]] = (key, index)
        return index

    @api.model
    def _rescreen_batch(self, version, size):
        """Screen the next ``size`` counterparties after the version's cursor, in the caller's transaction.

        Results, the per-partner screening rows and the advanced cursor are written together: they
        commit together or roll back together, so a crash leaves neither a gap nor a duplicate.
        """
        Partner = self.env["res.partner"].sudo()
        partners = Partner.search(self._rescreen_domain(version.rescreen_cursor), order="id", limit=size)
        if partners:
            self._screen_partners(partners, stage="partner", index=self._version_delta(version))
            now = fields.Datetime.now()
            self.env["risk.list.version.screening"].sudo().create(
                [{"version_id": version.id, "partner_id": p.id, "screened_at": now} for p in partners])
        done = version.rescreen_done + len(partners)
        vals = {"rescreen_cursor": partners[-1:].id or version.rescreen_cursor, "rescreen_done": done,
                "rescreen_total": done + Partner.search_count(self._rescreen_domain(partners[-1:].id or
                                                                                    version.rescreen_cursor))}
        if len(partners) < size:
            vals.update(rescreen_state="done", rescreen_finished_at=fields.Datetime.now(), rescreen_total=done)
        version.write(vals)
        if vals.get("rescreen_state") == "done":
            self.env["finance.audit.event"]._log(
                "screening.rescreen_done", version, summary=f"{version.source_id.name} {version.version}: "
                                                            f"{done} counterparties re-screened",
                payload={"version": version.version, "screened": done}, company=self.env.company)
        return len(partners)

    @api.model
    def _rescreen_remaining(self):
        Partner = self.env["res.partner"].sudo()
        return sum(Partner.search_count(self._rescreen_domain(v.rescreen_cursor)) for v in
                   self.env["risk.list.version"].sudo().search([("rescreen_state", "=", "pending")]))

    @api.model
    def _rescreen_pending(self, commit_progress, batch_size=None):
        """After list updates: screen every active counterparty once per pending version, in batches.

        Each batch claims its version (row lock), continues from the version's persistent cursor
        and commits through ``commit_progress`` (the cron progress API); when the cron's time slice
        is spent the run stops and the next one resumes at the cursor. Returns the partners screened.
        """
        size = batch_size or self._rescreen_batch_size()
        commit_progress(remaining=self._rescreen_remaining())
        screened = 0

        def unit():
            version = self._claim_rescreen_version()
            if not version:
                return None, None
            count = self._rescreen_batch(version, size)
            # The commit belongs to the unit: a serialisation failure at COMMIT reruns the batch.
            return count, commit_progress(count)

        while True:
            count, left = run_unit(self.env, unit)
            if count is None:
                return screened
            screened += count
            if left <= 0:
                return screened  # out of time: the cursor is committed, the next run goes on from there

    @api.model
    def _cron_rescreen(self):
        return self._rescreen_pending(self.env["ir.cron"]._commit_progress)

    # ------------------------------------------------------------------ payments
    @api.model
    def _payment_holds(self, payments, company, stage, subject=None, requested_by=None):
        holds = []
        index = self._index()
        for payment in payments:
            country = payment.creditor_address.country if payment.creditor_address else None
            query = ScreenQuery(name=payment.creditor_name, country=country, bic=payment.creditor_bic)
            partner = self._partner_of(payment, company)
            matches = self._matches(query, company, index)
            remittance = " ".join(t for t in (payment.remittance_unstructured, payment.remittance_structured) if t)
            if remittance:
                in_text = [m for m in index.names_in_text(remittance)
                           if int(m.entry.ref) not in {int(x.entry.ref) for x in matches}]
                matches += in_text
            hits = self._record_hits(matches, company, payment.creditor_name, stage, partner=partner,
                                     subject=subject, requested_by=requested_by)
            if partner:
                hits |= partner.risk_hit_ids.filtered(lambda h: h.state in ("open", "confirmed"))
            holds += self._holds_for(hits)
            holds += self.env["risk.fraud.facts"]._fraud_holds(payment, company, partner, payments)
        holds += self._external_holds(payments, company)
        return holds

    @api.model
    def _partner_of(self, payment, company):
        account = (payment.creditor_iban or payment.creditor_account or "").replace(" ", "").upper()
        if not account:
            return self.env["res.partner"]
        bank = self.env["res.partner.bank"].sudo().search(
            [("sanitized_acc_number", "=", account), ("company_id", "in", [False, company.id])], limit=1)
        return bank.partner_id

    @api.model
    def _external_holds(self, payments, company):
        connection = company.risk_external_connection_id
        if not connection or not payments:
            return []
        queries = {p.end_to_end_id: ScreenQuery(name=p.creditor_name, country=(
            p.creditor_address.country if p.creditor_address else None)) for p in payments}
        try:
            results = connection.sudo()._make_provider().match(queries)
        except FinanceBridgeError as exc:
            holds = []
            for payment in payments:
                holds += fallback_holds(company.risk_fallback_policy, payment.amount.amount,
                                        company.risk_fallback_amount, str(exc))
            self.env["finance.audit.event"]._log(
                "screening.fallback", connection, summary=f"external screening unavailable: {exc}",
                payload={"policy": company.risk_fallback_policy, "held": len(holds)}, company=company)
            return holds
        holds = []
        for payment in payments:
            for caption, score, ext_id in results.get(payment.end_to_end_id, []):
                holds.append(ScreeningHold(code="sanctions.external", source="risk_screening",
                                           reason=f"{payment.creditor_name} ~ {caption} (external, {score})",
                                           details={"id": ext_id, "score": score}))
        return holds
