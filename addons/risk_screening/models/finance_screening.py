"""Plugs sanctions matching and fraud rules into the core screening hook."""
from odoo import api, models


class FinanceScreening(models.AbstractModel):
    _inherit = "finance.screening"

    @api.model
    def _screening_checks(self, subject, stage, payments):
        yield from super()._screening_checks(subject, stage, payments)
        engine = self.env["risk.screening.engine"]
        company = subject.company_id if "company_id" in subject._fields and subject.company_id else self.env.company
        if stage == "partner" and subject._name == "res.partner":
            hits = engine._screen_partners(subject)
            all_hits = subject.risk_hit_ids.filtered(lambda h: h.state in ("open", "confirmed"))
            yield from engine._holds_for(all_hits or self.env["risk.screening.hit"].concat(*hits.values()))
            return
        requested_by = subject.create_uid if "create_uid" in subject._fields and subject.create_uid else None
        yield from engine._payment_holds(payments, company, stage, subject=subject, requested_by=requested_by)
