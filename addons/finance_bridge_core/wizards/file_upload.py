"""Upload of statement and status files (several at once, or a zip), any supported format."""
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.button_access import check_button
from ..models.file_import import JOURNAL_CREATORS


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
    unknown_account = fields.Char(compute="_compute_unknown_account", groups=JOURNAL_CREATORS,
                                  help="The first account of the results that no bank journal has.")

    @api.depends("import_ids")
    def _compute_unknown_account(self):
        for wizard in self:
            wizard.unknown_account = wizard._unknown_import().sudo().unknown_account or False

    def _unknown_import(self):
        return self.import_ids.filtered(lambda r: r.state == "failed" and r.sudo().unknown_account)[:1]

    def action_create_bank_journal(self):
        """*Create bank journal* of the results dialog: the form of the journal the first failed file needs."""
        self.ensure_one()
        check_button(self, JOURNAL_CREATORS)
        failed = self._unknown_import()
        if not failed:
            raise UserError(_("No file of this upload names an account without a bank journal."))
        return failed.action_create_bank_journal()

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards._check_own_uploads()
        return wizards

    def write(self, vals):
        result = super().write(vals)
        if "attachment_ids" in vals:
            self._check_own_uploads()
        return result

    def _check_own_uploads(self):
        """Only files the user just uploaded for this wizard: never another record's attachment
        (an imported file's original would be read, then deleted by ``action_import``)."""
        if self.env.su:
            return
        for wizard in self:
            for attachment in wizard.sudo().attachment_ids:
                if (attachment.create_uid != self.env.user or attachment.res_field
                        or attachment.res_model not in (False, self._name)
                        or (attachment.res_model == self._name and attachment.res_id not in (0, wizard.id))):
                    raise AccessError(_("File %(name)s (attachment %(id)s) was not uploaded by you for this "
                                        "wizard: upload the file itself.", name=attachment.name, id=attachment.id))

    def action_import(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_treasury_manager")
        if self.connection_id:
            check_button(self.connection_id, "finance_bridge_core.group_treasury_manager")
        self._check_own_uploads()
        records = self.env["finance.file.import"]
        limit = records._limit("max_file_bytes")
        for attachment in self.attachment_ids:
            if attachment.file_size > limit:  # refused by its size, before its bytes are loaded
                records |= records._refuse_unread(attachment.name, attachment.file_size, "upload",
                                                  self.connection_id or None)
                continue
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
                "name": _("Upload results"), "views": [(False, "form")], "target": "new"}
