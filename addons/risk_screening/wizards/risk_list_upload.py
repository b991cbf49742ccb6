import base64

from odoo import fields, models


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
        files = {"main": base64.b64decode(self.file)}
        names = {"main": self.filename}
        if self.alt_file:
            files["alt"], names["alt"] = base64.b64decode(self.alt_file), self.alt_filename
        if self.add_file:
            files["add"], names["add"] = base64.b64decode(self.add_file), self.add_filename
        version = self.source_id._import_files(files, origin="upload", filenames=names)
        return {"type": "ir.actions.act_window", "res_model": "risk.list.version", "res_id": version.id,
                "view_mode": "form", "target": "current"}
