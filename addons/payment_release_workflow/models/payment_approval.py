"""One approval of a payment batch, bound to the SHA-256 of the content the approver saw.

Evidence: written only by the batch's approve action (server code), never by a client. An
approval is *valid* while its content hash equals the batch's current one; any change of the
content voids every approval (state ``voided``, reason and time kept) and approvals start again.
"""
import hashlib

from odoo import fields, models
from odoo.http import request


def request_origin():
    """(IP address, short session reference) of the HTTP request, if any.

    The session id itself is a credential: only a SHA-256 prefix of it is kept.
    """
    if not request:
        return "", ""
    ip = request.httprequest.remote_addr or ""
    sid = getattr(request.session, "sid", "") or ""
    return ip, hashlib.sha256(sid.encode()).hexdigest()[:16] if sid else ""


class FinancePaymentApproval(models.Model):
    _name = "finance.payment.approval"
    _description = "Payment batch approval"
    _order = "batch_id, id"
    _check_company_auto = True
    _finance_guarded_records = True  # evidence: written by the approve action only

    batch_id = fields.Many2one("finance.payment.batch", required=True, readonly=True, ondelete="restrict",
                               index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Approver", required=True, readonly=True, ondelete="restrict")
    tier = fields.Char(readonly=True, help="The groups the approval counted for when it was given.")
    content_hash = fields.Char(readonly=True, required=True, help="SHA-256 of the batch content approved.")
    state = fields.Selection([("valid", "Valid"), ("voided", "Voided")], default="valid", required=True,
                             readonly=True, index=True)
    voided_reason = fields.Char(readonly=True)
    voided_at = fields.Datetime(readonly=True)
    decided_at = fields.Datetime(required=True, readonly=True)
    ip_address = fields.Char(string="IP address", readonly=True)
    session_ref = fields.Char(string="Session", readonly=True, help="SHA-256 prefix of the session id.")
