"""Upload of statement and status files (several at once, or a zip), any supported format."""
from odoo import _, fields, models

from ..models.button_access import check_button


class FinanceFileUpload(models.TransientModel):
    _name = "finance.file.upload"
    _description = "Upload bank files"

    attachment_ids = fields.Many2many("ir.attachment", string="Files", required=True,
                                      help="Statements (camt.053/052, MT940…) and status reports (pain.002, "
                                           "camt.054), several at once or zipped. The format is detected.")
    connection_id = fields.Many2one("finance.bank.connection",
                                    help="Optional: only this connection's journals are considered.")
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    import_ids = fields.Many2many("finance.file.import", string="Results", readonly=True)
    summary = fields.Text(readonly=True)

    def action_import(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_treasury_manager")
        if self.connection_id:
            check_button(self.connection_id, "finance_bridge_core.group_treasury_manager")
        records = self.env["finance.file.import"]
        for attachment in self.attachment_ids:
            records |= records._import_payload(attachment.raw, attachment.name, "upload", self.connection_id or None)
        counts = {state: len(records.filtered(lambda r, s=state: r.state == s))
                  for state in ("done", "duplicate", "failed")}
        self.write({"state": "done", "import_ids": [(6, 0, records.ids)], "summary": _(
            "%(done)s file(s) imported, %(dup)s already imported, %(failed)s failed; "
            "%(lines)s statement line(s) created, %(skipped)s already known, %(events)s status event(s).",
            done=counts["done"], dup=counts["duplicate"], failed=counts["failed"],
            lines=sum(records.mapped("lines_created")), skipped=sum(records.mapped("lines_skipped")),
            events=sum(records.mapped("status_events")))})
        self.attachment_ids.unlink()
        return {"type": "ir.actions.act_window", "res_model": self._name, "res_id": self.id,
                "view_mode": "form", "target": "new"}
