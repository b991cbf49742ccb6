"""Screening service: the cached name index, partner and payment screening, hits."""
import logging
import threading

from odoo import api, fields, models
from odoo.addons.finance_bridge_core.lib.dto import ScreeningHold
from odoo.addons.finance_bridge_core.lib.errors import FinanceBridgeError

from ..lib.fallback_policy import fallback_holds
from ..lib.matcher import NameIndex, ScreenQuery
from .risk_list_entry import name_hash

_logger = logging.getLogger(__name__)
_CACHE = {}
_CACHE_LOCK = threading.Lock()


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
                    "list_version_id": self.env["risk.list.entry"].browse(entry_id).version_id.id,
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
        """Screen partners, keep their state and hits current; returns {partner id: hits}."""
        result = {}
        for partner in partners:
            company = partner.company_id or self.env.company
            query = self._partner_query(partner)
            matches = self._matches(query, company, index=index) if query.name else []
            hits = self._record_hits(matches, company, query.name, stage, partner=partner)
            open_hits = partner.sudo().risk_hit_ids.filtered(lambda h: h.state in ("open", "confirmed"))
            state = "blocked" if open_hits.filtered(lambda h: h.state == "confirmed") else \
                "hit" if open_hits else "clear"
            partner.sudo().with_context(risk_skip_screening=True).write(
                {"risk_state": state, "risk_screened_at": fields.Datetime.now()})
            result[partner.id] = hits
        return result

    @api.model
    def _rescreen_targets(self):
        return self.env["res.partner"].sudo().search(
            ["|", "|", ("bank_ids", "!=", False), ("supplier_rank", ">", 0), ("customer_rank", ">", 0)])

    @api.model
    def _rescreen_pending(self, commit_progress):
        """After list updates: screen every active counterparty against what changed, in batches."""
        versions = self.env["risk.list.version"].sudo().search([("rescreen_state", "=", "pending")])
        if not versions:
            return 0
        changed = self.env["risk.list.entry"].sudo().search([("version_id", "in", versions.ids)])
        delta = NameIndex(changed._to_dto())
        partner_ids = self._rescreen_targets().ids
        commit_progress(remaining=len(partner_ids))
        done = 0
        for start in range(0, len(partner_ids), 500):
            batch = self.env["res.partner"].sudo().browse(partner_ids[start:start + 500])
            self._screen_partners(batch, stage="partner", index=delta)
            done += len(batch)
            if commit_progress(len(batch)) <= 0:
                return done  # out of time: the next run starts again with the versions still pending
        versions.write({"rescreen_state": "done"})
        return done

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
