"""A connection's non-secret settings, declared by its provider's config schema."""
from odoo import fields, models


class FinanceBankConnectionSetting(models.Model):
    _name = "finance.bank.connection.setting"
    _description = "Bank connection setting"
    _inherit = ["finance.bank.connection.item"]
    value_type = fields.Char(readonly=True)
    value = fields.Char()

    _connection_key_unique = models.Constraint(
        "UNIQUE (connection_id, key)", "A connection holds each setting once.")

    def write(self, vals):
        changed = {s.id: s.value for s in self} if "value" in vals else {}
        res = super().write(vals)
        for setting in self.filtered(lambda s: s.id in changed and changed[s.id] != s.value):
            self.env["finance.audit.event"]._log(
                "connection.setting", setting.connection_id, summary=f"setting {setting.key} changed",
                payload={"key": setting.key, "from": changed[setting.id], "to": setting.value})
        return res
