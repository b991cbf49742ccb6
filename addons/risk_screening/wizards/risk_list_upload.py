import base64
import binascii

from odoo import _, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import UserError


class RiskListUpload(models.TransientModel):
    _name = "risk.list.upload"
    _description = "Upload a sanctions list file"

    source_id = fields.Many2one("risk.list.source", required=True)
    list_format = fields.Selection(related="source_id.list_format")
    file = fields.Binary(required=True, string="List file")
    filename = fields.Char()
    alt_file = fields.Binary(string="alt.csv (OFAC aliases)")
    alt_filename = fields.Char()
    add_file = fields.Binary(string="add.csv (OFAC addresses)")
    add_filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_connection_admin")
        files, names = {}, {}
        for role, field, name in (("main", "file", self.filename), ("alt", "alt_file", self.alt_filename),
                                  ("add", "add_file", self.add_filename)):
            if not self[field]:
                continue
            try:
                files[role] = base64.b64decode(self[field], validate=True)
            except (binascii.Error, ValueError):
                raise UserError(_("%(file)s: the uploaded content is not valid base64.",
                                  file=name or self._fields[field].string)) from None
            names[role] = name
        if not files.get("main"):
            raise UserError(_("Choose the list file to import."))
        version = self.source_id._import_files(files, origin="upload", filenames=names)
        return {"type": "ir.actions.act_window", "res_model": "risk.list.version", "res_id": version.id,
                "view_mode": "form", "target": "current"}
