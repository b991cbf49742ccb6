"""The Settings tab of a connection: its values as a person reads them, and the form that edits them."""
from markupsafe import Markup, escape

from odoo import _, api, fields, models

from ..lib.errors import ConfigurationError
from ..lib.settings_form import to_widget
from .bank_connection import ADMIN_GROUP
from .button_access import check_button


class FinanceBankConnectionSettingsForm(models.Model):
    _inherit = "finance.bank.connection"

    settings_html = fields.Html(compute="_compute_settings_html", sanitize=False, string="Settings overview")
    @api.depends("provider", "setting_ids.value")
    def _compute_settings_html(self):
        for conn in self:
            try:
                schema = conn._provider_class().config_schema if conn.provider else ()
            except ConfigurationError:
                schema = ()
            stored = {s.key: s.value for s in conn.setting_ids}
            rows = []
            for spec in schema:
                value = stored.get(spec.name)
                if spec.type == "bool":
                    shown = _("Yes") if to_widget(spec, value) else _("No")
                elif value in (None, False, ""):
                    shown = Markup("<span class='text-danger'>%s</span>") % _("required, not set") \
                        if spec.required else Markup("<span class='text-muted'>%s</span>") % (
                            _("default: %s", spec.default) if spec.default not in (None, "") else _("not set"))
                else:
                    shown = escape(value)
                label = escape(spec.label or spec.name) + (Markup(" <span class='text-danger'>*</span>")
                                                           if spec.required else "")
                help_text = Markup("<div class='text-muted small'>%s</div>") % spec.help if spec.help else ""
                rows.append(Markup("<tr><th class='text-nowrap pe-4 align-top'>%s</th>"
                                   "<td class='text-break'>%s%s</td></tr>") % (label, shown, help_text))
            conn.settings_html = Markup("<table class='table table-sm mb-0'><tbody>%s</tbody></table>") % Markup(
                "").join(rows) if rows else False

    def action_edit_settings(self):
        """The settings form of this connection's provider (see wizards/connection_settings)."""
        self.ensure_one()
        check_button(self, ADMIN_GROUP)
        return {"type": "ir.actions.act_window", "res_model": "finance.bank.connection.settings",
                "name": _("Settings of %s", self.name), "views": [(False, "form")], "target": "new",
                "context": {"default_connection_id": self.id, "finance_settings_provider_view_ref": self.provider}}
