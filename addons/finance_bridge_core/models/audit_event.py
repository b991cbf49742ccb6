"""Append-only, hash-chained audit trail (one chain per company)."""
import json
import logging
import zlib

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError
from odoo.modules import module as odoo_module

from ..lib.audit_chain import GENESIS, event_hash, payload_hash, verify_chain
from ..lib.masking import mask_text

_logger = logging.getLogger(__name__)
AUDIT_LOCK_KEY = zlib.crc32(b"finance.audit.event") & 0x7FFFFFFF


def _seal_in_own_transaction(registry, company_ids):
    sealed = 0
    with registry.cursor() as cr:
        # Under HttpCase's test mode the registry hands out a cursor wrapping the
        # test transaction (savepoints): the isolation level is not ours to set.
        if type(cr).__name__ != "TestCursor":
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        env = api.Environment(cr, SUPERUSER_ID, {})
        for company_id in company_ids:
            sealed += env["finance.audit.event"]._seal_company(company_id)
    return sealed


def _seal_after_commit(dbname, company_ids):
    try:
        from odoo.modules.registry import Registry
        _seal_in_own_transaction(Registry(dbname), sorted(company_ids))
    except Exception:
        _logger.exception("sealing audit events failed; the audit cron will retry")


class FinanceAuditEvent(models.Model):
    _name = "finance.audit.event"
    _description = "Finance Bridge audit event"
    _order = "company_id, sequence desc, id desc"
    _rec_name = "summary"
    _finance_guarded_records = True  # evidence: appended by _log (server code) only

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    sequence = fields.Integer(readonly=True, help="Position in the company's chain; empty until sealed.")
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
        """Append one event, in the caller's transaction, to be sealed into the chain after commit.

        Writers never wait for each other: the event is inserted with its
        content and payload hash only. Sealing (sequence, previous hash,
        hash) happens right after the transaction commits, one sealer per
        company at a time, in commit order. An event that never commits is
        never sealed, so the chain holds exactly what really happened.
        """
        company = company or (record.company_id if record is not None and "company_id" in record._fields
                              and record.company_id else self.env.company)
        company.ensure_one()
        payload_text = mask_text(json.dumps(payload or {}, sort_keys=True, default=str))
        event = self.sudo().with_context(finance_audit_append=True).create({
            "company_id": company.id, "event_type": event_type,
            "model": record._name if record is not None else False,
            "res_id": record.id if record is not None and len(record) == 1 else 0,
            "user_id": self.env.uid, "occurred_at": fields.Datetime.now(),
            "summary": (summary or event_type)[:256], "payload": payload_text,
            "payload_hash": payload_hash(payload_text),
        })
        pending = self.env.cr.postcommit.data.setdefault("finance_audit_pending", set())
        if not pending:
            dbname = self.env.cr.dbname
            self.env.cr.postcommit.add(lambda: _seal_after_commit(dbname, pending))
        pending.add(company.id)
        return event

    @api.model
    def _seal_company(self, company_id):
        """Chain the pending events of one company; the caller provides the transaction."""
        cr = self.env.cr
        self.flush_model()
        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (AUDIT_LOCK_KEY, company_id))
        cr.execute("SELECT sequence, hash FROM finance_audit_event WHERE company_id = %s AND hash IS NOT NULL "
                   "ORDER BY sequence DESC LIMIT 1", (company_id,))
        row = cr.fetchone()
        sequence, prev = (row[0], row[1]) if row else (0, GENESIS)
        cr.execute("SELECT id, event_type, model, res_id, user_id, occurred_at, summary, payload_hash "
                   "FROM finance_audit_event WHERE company_id = %s AND hash IS NULL ORDER BY id FOR UPDATE",
                   (company_id,))
        sealed = 0
        for row in cr.dictfetchall():
            sequence += 1
            event = dict(row, company_id=company_id, sequence=sequence, prev_hash=prev,
                         occurred_at=fields.Datetime.to_string(row["occurred_at"]))
            event.pop("id")
            prev = event_hash(event)
            cr.execute("UPDATE finance_audit_event SET sequence = %s, prev_hash = %s, hash = %s WHERE id = %s",
                       (sequence, event["prev_hash"], prev, row["id"]))
            sealed += 1
        self.invalidate_model(["sequence", "prev_hash", "hash"])
        return sealed

    @api.model
    def _seal_pending(self, company_ids=None):
        """Seal now. Outside tests this runs in a transaction of its own (READ COMMITTED,
        so that after waiting for the lock it sees what the previous sealer committed)."""
        if company_ids is None:
            self.env.cr.execute("SELECT DISTINCT company_id FROM finance_audit_event WHERE hash IS NULL")
            company_ids = [r[0] for r in self.env.cr.fetchall()]
        self.env.flush_all()
        if getattr(odoo_module, "current_test", None):
            # Tests run in one uncommitted transaction that another cursor cannot see.
            return sum(self._seal_company(cid) for cid in company_ids)
        sealed = _seal_in_own_transaction(self.env.registry, company_ids)
        self.invalidate_model(["sequence", "prev_hash", "hash"])
        return sealed

    @api.model
    def _cron_seal(self):
        """Backstop for events whose post-commit sealing did not run (a crashed worker)."""
        self._seal_pending()

    @api.model
    def _chain_rows(self, company):
        self.env.cr.execute(
            "SELECT company_id, sequence, event_type, model, res_id, user_id, occurred_at, "
            "summary, payload, payload_hash, prev_hash, hash FROM finance_audit_event "
            "WHERE company_id = %s AND hash IS NOT NULL ORDER BY sequence", (company.id,))
        for row in self.env.cr.dictfetchall():
            row["occurred_at"] = fields.Datetime.to_string(row["occurred_at"])
            yield row

    @api.model
    def _verify_company(self, company):
        """Return None when the chain holds, else (sequence, reason)."""
        def rows():
            for row in self._chain_rows(company):
                edited = payload_hash(row["payload"]) != row["payload_hash"]
                yield dict(row, hash="payload-edited") if edited else row
        return verify_chain(rows())

    @api.model
    def verify_chains(self, companies=None):
        """Seal what is pending, then verify each company's chain; returns {company name: result}."""
        companies = companies or self.env["res.company"].sudo().search([])
        self._seal_pending(companies.ids)
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
