"""One listed person, entity, vessel or aircraft."""
import hashlib

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.readable import key_value_table, rows_table

from ..lib.list_dto import ENTRY_TYPES, ListEntry, ListName


class RiskListEntry(models.Model):
    _name = "risk.list.entry"
    _description = "Sanctions list entry"
    _order = "source_id, name"
    _finance_guarded_records = True  # list content: changed by list imports only

    source_id = fields.Many2one("risk.list.source", required=True, ondelete="cascade", index=True)
    version_id = fields.Many2one("risk.list.version", readonly=True, help="Version that last added or changed it.")
    ref = fields.Char(required=True, index=True, string="List reference")
    active = fields.Boolean(default=True, index=True)
    entry_type = fields.Selection([(t, t.title()) for t in ENTRY_TYPES], required=True)
    name = fields.Char(required=True, index="trigram")
    names = fields.Json(help="[name, strong, primary] for the name and every alias.")
    countries = fields.Char()
    birth_years = fields.Char()
    identifiers = fields.Json()
    programmes = fields.Char()
    content_hash = fields.Char(readonly=True)
    names_html = fields.Html(compute="_compute_readable", string="Names and aliases", sanitize=False)
    identifiers_html = fields.Html(compute="_compute_readable", string="Identifiers (readable)", sanitize=False)

    @api.depends("names", "identifiers")
    def _compute_readable(self):
        """The JSON columns as tables: one row per name (strong/weak alias, primary), one per identifier."""
        for rec in self:
            rec.names_html = rows_table(
                (_("Name"), _("Alias strength"), _("Primary")),
                [(n, _("strong") if strong else _("weak"), _("yes") if primary else "")
                 for n, strong, primary in (rec.names or [])])
            rec.identifiers_html = key_value_table(
                {kind: ", ".join(map(str, values)) if isinstance(values, list | tuple) else values
                 for kind, values in (rec.identifiers or {}).items()})

    _source_ref_unique = models.Constraint("UNIQUE (source_id, ref)", "A list holds each reference once.")

    def _to_dto(self):
        return [ListEntry(
            source=str(rec.source_id.id), ref=str(rec.id), entry_type=rec.entry_type,
            names=tuple(ListName(n, bool(s), bool(p)) for n, s, p in (rec.names or [[rec.name, True, True]])),
            countries=tuple(c.strip() for c in (rec.countries or "").split(",") if c.strip()),
            birth_years=tuple(int(y) for y in (rec.birth_years or "").split() if y.isdigit()),
            identifiers={k: tuple(v) for k, v in (rec.identifiers or {}).items()})
            for rec in self]


def name_hash(name):
    return hashlib.sha256((name or "").strip().lower().encode("utf-8")).hexdigest()[:32]
