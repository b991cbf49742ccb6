"""A connection's non-secret settings, declared by its provider's config schema."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.errors import ConfigurationError
from ..lib.path_confinement import PathConfinementError, confine
from .folder_roots import configured_folder_roots


class FinanceBankConnectionSetting(models.Model):
    _name = "finance.bank.connection.setting"
    _description = "Bank connection setting"
    _inherit = ["finance.bank.connection.item"]
    value_type = fields.Char(readonly=True)
    value = fields.Char()

    _connection_key_unique = models.Constraint(
        "UNIQUE (connection_id, key)", "A connection holds each setting once.")

    @api.constrains("value", "key", "connection_id")
    def _check_folder_confined(self):
        """Folder settings (schema type ``path``) must resolve under the server's folder roots."""
        for setting in self.filtered("value"):
            try:
                specs = {f.name: f for f in setting.connection_id._provider_class().config_schema}
            except ConfigurationError:
                continue
            spec = specs.get(setting.key)
            if spec is None or spec.type != "path":
                continue
            try:
                confine(setting.value, configured_folder_roots(), what=spec.label or spec.name)
            except (PathConfinementError, ConfigurationError) as exc:
                raise ValidationError(_("%(conn)s: %(reason)s", conn=setting.connection_id.display_name,
                                        reason=exc)) from None

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
