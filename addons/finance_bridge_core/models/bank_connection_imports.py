"""The files a connection read: a smart button to its Imported Files."""
from odoo import _, fields, models

from .button_access import check_button


class FinanceBankConnectionImports(models.Model):
    _inherit = "finance.bank.connection"

    import_count = fields.Integer(compute="_compute_import_count", string="Files read")

    def _compute_import_count(self):
        counts = dict(self.env["finance.file.import"].sudo()._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]))
        for conn in self:
            conn.import_count = counts.get(conn, 0)

    def action_view_imports(self):
        """Imported Files of this connection: every file it read, with its result."""
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        action = self.env["ir.actions.act_window"]._for_xml_id("finance_bridge_core.action_finance_file_import")
        action.update(domain=[("connection_id", "=", self.id)], context={}, name=_("Files read by %s", self.name))
        return action
