"""Append-only, hash-chained audit trail (one chain per company)."""
import json
import zlib

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.audit_chain import GENESIS, event_hash, payload_hash, verify_chain
from ..lib.masking import mask_text


class FinanceAuditEvent(models.Model):
    _name = "finance.audit.event"
    _description = "Finance Bridge audit event"
    _order = "company_id, sequence desc"
    _rec_name = "summary"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    sequence = fields.Integer(required=True, readonly=True)
    event_type = fields.Char(required=True, readonly=True, index=True,
                             help="What happened, e.g. connection.state, sync.done, secret.set.")
    model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)
    user_id = fields.Many2one("res.users", readonly=True)
    occurred_at = fields.Datetime(required=True, readonly=True)
    summary = fields.Char(readonly=True)
    payload = fields.Text(readonly=True, help="Masked JSON of the facts recorded; never a secret.")
    payload_hash = fields.Char(readonly=True)
    prev_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True, index=True)

    _company_sequence_unique = models.Constraint(
        "UNIQUE (company_id, sequence)", "Audit sequence numbers are unique per company.")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("finance_audit_append"):
            raise UserError(_("Audit events are written by the system only."))
        return super().create(vals_list)

    def write(self, vals):
        raise UserError(_("Audit events cannot be changed."))

    def unlink(self):
        raise UserError(_("Audit events cannot be deleted."))

    def copy(self, default=None):
        raise UserError(_("Audit events cannot be copied."))

    @api.model
    def _log(self, event_type, record=None, summary="", payload=None, company=None):
        """Append one event to the company's chain.

        A transaction-scoped advisory lock per company serialises writers, so
        two workers never take the same sequence number or fork the chain.
        """
        company = company or (record.company_id if record is not None and "company_id" in record._fields
                              and record.company_id else self.env.company)
        company.ensure_one()
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                            (zlib.crc32(b"finance.audit.event") & 0x7FFFFFFF, company.id))
        self.env.cr.execute(
            "SELECT sequence, hash FROM finance_audit_event WHERE company_id = %s "
            "ORDER BY sequence DESC LIMIT 1", (company.id,))
        row = self.env.cr.fetchone()
        sequence, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        payload_text = mask_text(json.dumps(payload or {}, sort_keys=True, default=str))
        now = fields.Datetime.now()
        event = {
            "company_id": company.id, "sequence": sequence, "event_type": event_type,
            "model": record._name if record is not None else None,
            "res_id": record.id if record is not None and len(record) == 1 else 0,
            "user_id": self.env.uid, "occurred_at": fields.Datetime.to_string(now),
            "summary": (summary or event_type)[:256], "payload_hash": payload_hash(payload_text),
            "prev_hash": prev,
        }
        event["hash"] = event_hash(event)
        vals = dict(event, occurred_at=now, payload=payload_text)
        return self.sudo().with_context(finance_audit_append=True).create(vals)

    @api.model
    def _chain_rows(self, company):
        self.env.cr.execute(
            "SELECT company_id, sequence, event_type, model, res_id, user_id, occurred_at, "
            "summary, payload, payload_hash, prev_hash, hash FROM finance_audit_event "
            "WHERE company_id = %s ORDER BY sequence", (company.id,))
        for row in self.env.cr.dictfetchall():
            row["occurred_at"] = fields.Datetime.to_string(row["occurred_at"])
            yield row

    @api.model
    def _verify_company(self, company):
        """Return None when the chain holds, else (sequence, reason)."""
        def rows():
            for row in self._chain_rows(company):
                if payload_hash(row["payload"]) != row["payload_hash"]:
                    row = dict(row, hash="payload-edited")
                yield row
        return verify_chain(rows())

    @api.model
    def verify_chains(self, companies=None):
        """Verify the chain of each company; returns {company name: result}."""
        companies = companies or self.env["res.company"].sudo().search([])
        return {company.name: self._verify_company(company) for company in companies}

    @api.model
    def action_verify_chain(self):
        results = self.verify_chains(self.env.companies)
        broken = {name: res for name, res in results.items() if res}
        if broken:
            text = "; ".join(_("%(company)s: first broken link at #%(seq)s (%(reason)s)",
                               company=name, seq=res[0], reason=res[1]) for name, res in broken.items())
            notif = {"type": "danger", "title": _("Audit chain broken"), "message": text, "sticky": True}
        else:
            count = self.search_count([("company_id", "in", self.env.companies.ids)])
            notif = {"type": "success", "title": _("Audit chain intact"),
                     "message": _("%s events verified.", count), "sticky": False}
        return {"type": "ir.actions.client", "tag": "display_notification", "params": notif}
