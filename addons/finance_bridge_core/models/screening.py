"""The one entry point payment release and partner checks call before going ahead.

Screening addons extend ``_screening_checks``; with none installed every
subject passes. The core also records every decision in the audit chain.
"""
from odoo import api, models

from ..lib.dto import SCREENING_STAGES


class FinanceScreening(models.AbstractModel):
    _name = "finance.screening"
    _description = "Finance Bridge screening hook"

    @api.model
    def screen(self, subject, stage, payments=()):
        """Return the list of ``ScreeningHold`` for ``subject`` at ``stage``.

        ``subject`` is a record (a partner, a batch…); ``payments`` the
        canonical ``PaymentDTO`` of what is about to be paid, when known.
        """
        if stage not in SCREENING_STAGES:
            raise ValueError(f"unknown screening stage {stage!r}")
        holds = list(self._screening_checks(subject, stage, tuple(payments)))
        self.env["finance.audit.event"]._log(
            "screening.decision", subject if len(subject) == 1 else None,
            summary=f"{stage} screening: {'hold' if holds else 'pass'}",
            payload={"stage": stage, "holds": [{"code": h.code, "reason": h.reason, "source": h.source,
                                                "blocking": h.blocking} for h in holds],
                     "payments": [p.end_to_end_id for p in payments]},
            company=subject.company_id if "company_id" in subject._fields and subject.company_id else None)
        return holds

    @api.model
    def _screening_checks(self, subject, stage, payments):
        """Extend with ``yield from super()._screening_checks(...)`` plus your own holds."""
        return []
