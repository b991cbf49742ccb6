"""Originals of imported files and files sent to banks are evidence: users cannot change them."""
from odoo import _, api, models
from odoo.exceptions import AccessError

from ..lib.evidence import EVIDENCE_MODELS, writing_evidence


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _finance_check_evidence(self, operation, res_models=()):
        """Refuse any change of an evidence attachment unless server code (sudo, in an
        ``evidence_writer()`` block) does it: no context key or group can open this."""
        if self.env.su and writing_evidence():
            return
        models_touched = set(res_models) | set(self.sudo().mapped("res_model"))
        if models_touched & EVIDENCE_MODELS:
            names = ", ".join(self.sudo().filtered(lambda a: a.res_model in EVIDENCE_MODELS).mapped("name"))
            raise AccessError(_(
                "Attachments of bank evidence (imported files, files sent) cannot be %(operation)s: %(names)s",
                operation=operation, names=names or ", ".join(sorted(models_touched & EVIDENCE_MODELS))))

    @api.model_create_multi
    def create(self, vals_list):
        self._finance_check_evidence("created", [vals.get("res_model") for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self._finance_check_evidence("changed", [vals.get("res_model")])
        return super().write(vals)

    def unlink(self):
        self._finance_check_evidence("deleted")
        return super().unlink()
