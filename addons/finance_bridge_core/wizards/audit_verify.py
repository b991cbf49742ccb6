"""Result dialog of "Verify audit trail": one line per company the user may see."""
from odoo import _, api, fields, models


class FinanceAuditVerifyResult(models.TransientModel):
    _name = "finance.audit.verify.result"
    _description = "Audit trail verification result"

    intact = fields.Boolean(readonly=True)
    result = fields.Text(readonly=True)

    @api.model
    def _open_for(self, verdicts):
        """``verdicts``: [(company, Verdict)] already restricted to the user's companies."""
        lines = []
        for company, verdict in verdicts:
            if verdict.ok:
                lines.append(_("%(company)s: intact — %(count)s events, head #%(head)s",
                               company=company.name, count=verdict.count, head=verdict.count))
            else:
                where = _(" at #%s", verdict.sequence) if verdict.sequence else ""
                lines.append(_("%(company)s: BROKEN%(where)s — %(reason)s",
                               company=company.name, where=where, reason=verdict.reason))
        wizard = self.create({"intact": all(v.ok for _c, v in verdicts),
                              "result": "\n".join(lines) or _("No company to verify.")})
        return {
            "type": "ir.actions.act_window", "res_model": self._name, "res_id": wizard.id,
            "name": _("Audit trail intact") if wizard.intact else _("Audit trail broken"),
            "view_mode": "form", "views": [(False, "form")], "target": "new",
        }
