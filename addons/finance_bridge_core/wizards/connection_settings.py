"""A connection's settings as a real form, generated from its provider's config schema.

The values stay in ``finance.bank.connection.setting`` (one text row per schema field, audited,
bound to the secrets). This transient model only presents them: typed slots (text, integer,
checkbox, dropdown, see ``lib/settings_form``) and a form arch built in ``_get_view`` from the
schema of the provider named in the context — labels, required markers, help as tooltips and
placeholders. Saving checks every field and names the ones that cannot be saved.
"""
from lxml import etree

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.errors import ConfigurationError
from ..lib.provider_registry import registry
from ..lib.settings_form import PLACEHOLDERS, SLOT_COUNTS, form_problems, slot_map, to_stored, to_widget
from ..models.bank_connection import ADMIN_GROUP
from ..models.button_access import check_button

# Context key naming whose schema the form shows. It ends in "_view_ref" because the web client hands
# get_views only such keys (and lang), and Odoo's view cache is keyed by them.
PROVIDER_KEY = "finance_settings_provider_view_ref"


def _provider_class(key):
    try:
        return registry.get(key) if key else None
    except ConfigurationError:
        return None


def _choice_slot(index):
    def choices(model):
        return model._slot_choices(f"choice_{index}")
    return choices


class FinanceBankConnectionSettings(models.TransientModel):
    _name = "finance.bank.connection.settings"
    _description = "Bank connection settings form"

    connection_id = fields.Many2one("finance.bank.connection", required=True, readonly=True, ondelete="cascade")
    provider = fields.Selection(related="connection_id.provider")
    # The typed slots; _get_view shows only those the provider's schema uses, under its labels.
    for _n in range(1, SLOT_COUNTS["char"] + 1):
        locals()[f"char_{_n}"] = fields.Char(string=f"Text {_n}")
    for _n in range(1, SLOT_COUNTS["int"] + 1):
        locals()[f"int_{_n}"] = fields.Integer(string=f"Number {_n}")
    for _n in range(1, SLOT_COUNTS["bool"] + 1):
        locals()[f"bool_{_n}"] = fields.Boolean(string=f"Option {_n}")
    for _n in range(1, SLOT_COUNTS["choice"] + 1):
        locals()[f"choice_{_n}"] = fields.Selection(selection=_choice_slot(_n), string=f"Choice {_n}")
    del _n

    # ------------------------------------------------------------------ schema
    @api.model
    def _schema_slots(self, provider_key=None):
        cls = _provider_class(provider_key or self.env.context.get(PROVIDER_KEY))
        return slot_map(cls.config_schema) if cls else []

    @api.model
    def _slot_choices(self, slot):
        """The dropdown's choices: the schema field's own, for the provider in the context; without one
        (a write from code), every provider's choices for that slot, and ``action_save`` checks the value."""
        keys = [self.env.context.get(PROVIDER_KEY)] if self.env.context.get(PROVIDER_KEY) else \
            [key for key, _cls in registry.items()]
        choices = []
        for key in keys:
            for name, spec in self._schema_slots(key):
                if name == slot:
                    choices += [(c, c) for c in spec.choices if (c, c) not in choices]
        return choices

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type != "form":
            return arch, view
        for group in arch.xpath("//group[@name='schema']"):
            for slot, spec in self._schema_slots():
                # " *" marks a required field, as on the Settings tab (Odoo draws required labels like others).
                label = f"{spec.label or spec.name} *" if spec.required else (spec.label or spec.name)
                attrs = {"name": slot, "string": label, "required": "1" if spec.required else "0"}
                if spec.help:
                    attrs["help"] = spec.help
                placeholder = PLACEHOLDERS.get(spec.type) or (f"{spec.default}" if spec.default is not None else "")
                if spec.type in ("char", "path", "url") and (placeholder or spec.help):
                    attrs["placeholder"] = placeholder or spec.help[:60]
                if spec.type == "url":
                    attrs["widget"] = "url"
                etree.SubElement(group, "field", attrs)
            if not self._schema_slots():
                etree.SubElement(group, "div", {"class": "text-muted", "colspan": "2"}).text = _(
                    "This provider has no settings.")
        return arch, view

    # ------------------------------------------------------------------ values
    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        connection = self.env["finance.bank.connection"].browse(vals.get("connection_id"))
        if connection:
            stored = {s.key: s.value for s in connection.setting_ids}
            for slot, spec in self._schema_slots(connection.provider):
                if slot in fields_list:
                    vals[slot] = to_widget(spec, stored.get(spec.name))
        return vals

    def action_save(self):
        """Check every field against the schema (naming each by its label), then write what changed."""
        self.ensure_one()
        connection = self.connection_id
        check_button(connection, ADMIN_GROUP)
        slots = self._schema_slots(connection.provider)
        values = {spec.name: to_stored(spec, self[slot]) for slot, spec in slots}
        problems = form_problems([spec for _slot, spec in slots], values)
        if problems:
            raise ValidationError(_("%(conn)s: these settings cannot be saved:\n%(list)s", conn=connection.name,
                                    list="\n".join(f"• {p}" for p in problems)))
        rows = {s.key: s for s in connection.setting_ids}
        missing = [name for name in values if name not in rows]
        if missing:
            raise UserError(_("%(conn)s: reopen the settings, the provider's schema changed (%(keys)s).",
                              conn=connection.name, keys=", ".join(missing)))
        for name, value in values.items():
            if (rows[name].value or False) != value:
                rows[name].write({"value": value})
        return {"type": "ir.actions.act_window_close"}
