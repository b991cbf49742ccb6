"""Per-company switch for small teams (changed only under four eyes, see policy_change.py)."""
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_small_team = fields.Boolean(
        string="Small team: releaser may be the preparer or an approver", guarded=True,
        help="Off (default, strict): the releaser of a payment batch is neither its preparer nor one of its "
             "approvers. On: one of them may release. The preparer can never approve, in either mode.")
