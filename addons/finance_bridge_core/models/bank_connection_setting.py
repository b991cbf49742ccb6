"""A connection's non-secret settings, declared by its provider's config schema."""
from odoo import api, fields, models


class FinanceBankConnectionSetting(models.Model):
    _name = "finance.bank.connection.setting"
    _description = "Bank connection setting"
    _inherit = ["finance.bank.connection.item"]
    value_type = fields.Char(readonly=True)
    value = fields.Char()

    _connection_key_unique = models.Constraint(
        "UNIQUE (connection_id, key)", "A connection holds each setting once.")

    @api.model_create_multi
    def create(self, vals_list):
        vault = self.env["finance.secret.vault"]
        snapshot = vault._binding_snapshot(self.env["finance.bank.connection"].browse(
            {vals["connection_id"] for vals in vals_list if vals.get("connection_id")}))
        settings = super().create(vals_list)
        vault._clear_rebound(snapshot)
        return settings

    def unlink(self):
        vault = self.env["finance.secret.vault"]
        snapshot = vault._binding_snapshot(self.connection_id)
        res = super().unlink()
        vault._clear_rebound(snapshot)
        return res

    def write(self, vals):
        changed = {s.id: s.value for s in self} if "value" in vals else {}
        vault = self.env["finance.secret.vault"]
        snapshot = vault._binding_snapshot(self.connection_id | self.connection_id.browse(vals.get("connection_id")))
        res = super().write(vals)
        vault._clear_rebound(snapshot)
        for setting in self.filtered(lambda s: s.id in changed and changed[s.id] != s.value):
            self.env["finance.audit.event"]._log(
                "connection.setting", setting.connection_id, summary=f"setting {setting.key} changed",
                payload={"key": setting.key, "from": changed[setting.id], "to": setting.value})
        return res
