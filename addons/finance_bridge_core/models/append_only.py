"""Append-only records of the audit trail (events, anchors): evidence nobody edits or deletes."""
from odoo import _, api, models
from odoo.exceptions import UserError


class FinanceAuditAppendOnly(models.AbstractModel):
    """Rows only server code appends (sudo and a flag), and nobody changes or deletes."""
    _name = "finance.audit.append.only"
    _description = "Finance Bridge append-only audit record"
    _append_only_label = "Audit records"

    @api.model_create_multi
    def create(self, vals_list):
        # The context flag alone is not enough: a client can send any context over RPC.
        if not (self.env.su and self.env.context.get("finance_audit_append")):
            raise UserError(_("%s are written by the system only.", self._append_only_label))
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(_("%s cannot be changed.", self._append_only_label))

    def unlink(self):
        raise UserError(_("%s cannot be deleted.", self._append_only_label))

    def copy(self, default=None):
        raise UserError(_("%s cannot be copied.", self._append_only_label))
