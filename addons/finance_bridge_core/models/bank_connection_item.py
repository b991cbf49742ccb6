"""What a connection's settings and secrets share: one row per key its provider declares."""
from odoo import api, fields, models


class FinanceBankConnectionItem(models.AbstractModel):
    _name = "finance.bank.connection.item"
    _description = "Bank connection schema item"
    _order = "connection_id, id"

    connection_id = fields.Many2one("finance.bank.connection", required=True, ondelete="cascade", index=True,
                                    fixed=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True, fixed=True)
    key = fields.Char(required=True, readonly=True)
    label = fields.Char(readonly=True)
    help = fields.Char(readonly=True)
    required = fields.Boolean(readonly=True)
    label_display = fields.Char(compute="_compute_label_display", string="Name",
                                help="The label, marked * when the provider requires a value.")

    @api.depends("label", "key", "required")
    def _compute_label_display(self):
        for item in self:
            item.label_display = f"{item.label or item.key} *" if item.required else (item.label or item.key)
