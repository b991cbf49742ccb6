"""Append-only audit trail, one keyed chain per company (rules in lib/audit_chain.py)."""
import json
import logging
import zlib

from markupsafe import escape

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError
from odoo.modules import module as odoo_module

from ..lib.audit_chain import (
    GENESIS,
    ChainHead,
    Verdict,
    chain_key,
    chain_key_id,
    entry_mac,
    event_mac,
    legacy_event_hash,
    payload_hash,
    verify_chain,
)
from ..lib.errors import SecretKeyError
from ..lib.masking import mask_text
from ..lib.readable import key_value_table, parse_json
from ..lib.secret_box import parse_master_key
from .button_access import check_button
from .secret_vault import configured_master_key

_logger = logging.getLogger(__name__)
AUDIT_LOCK_KEY = zlib.crc32(b"finance.audit.event") & 0x7FFFFFFF
VERIFY_GROUP = "finance_bridge_core.group_treasury_manager"
_ROW_COLUMNS = ("id, company_id, sequence, event_type, model, res_id, user_id, occurred_at, summary, "
                "payload, payload_hash, entry_mac, key_id, prev_hash, hash")


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


def audit_key(master_key_text=None):
    """The audit-chain key derived from the master key (configured one by default)."""
    return chain_key(parse_master_key(master_key_text or configured_master_key()))


class FinanceAuditEvent(models.Model):
    _name = "finance.audit.event"
    _inherit = ["finance.audit.append.only"]
    _description = "Finance Bridge audit event"
    _append_only_label = "Audit events"
    _order = "company_id, sequence desc, id desc"
    _rec_name = "summary"
    _finance_guarded_records = True  # evidence: appended by _log (server code) only

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    sequence = fields.Integer(readonly=True, help="Position in the company's chain; empty until sealed.")
    event_type = fields.Char(required=True, readonly=True, index=True,
                             help="What happened, e.g. connection.state, sync.done, secret.set.")
    model = fields.Char(readonly=True)
    res_id = fields.Integer(readonly=True)
    # restrict: a cascade (set null) would rewrite evidence and break the chain.
    user_id = fields.Many2one("res.users", readonly=True, ondelete="restrict")
    occurred_at = fields.Datetime(required=True, readonly=True)
    summary = fields.Char(readonly=True)
    payload = fields.Text(readonly=True, help="Masked JSON of the facts recorded; never a secret.")
    payload_hash = fields.Char(readonly=True)
    entry_mac = fields.Char(readonly=True, help="HMAC of the row as written by the server (content and id).")
    key_id = fields.Char(readonly=True, help="Public name of the audit key the row was sealed with.")
    prev_hash = fields.Char(readonly=True, string="Previous MAC")
    hash = fields.Char(readonly=True, index=True, string="MAC",
                       help="HMAC-SHA256 link over the row and the previous MAC, keyed from the master key.")

    record_display = fields.Char(compute="_compute_readable", string="Record")
    payload_html = fields.Html(compute="_compute_readable", string="Facts recorded", sanitize=False)

    _company_sequence_unique = models.Constraint(
        "UNIQUE (company_id, sequence)", "Audit sequence numbers are unique per company.")

    @api.depends("model", "res_id", "payload")
    def _compute_readable(self):
        """The record as its model and name (as far as the reader may see it), the payload as a table."""
        for event in self:
            event.record_display = event._record_label()
            data = parse_json(event.payload)
            event.payload_html = key_value_table(data) if isinstance(data, dict) else (
                escape(data) if data else False)

    def _record_label(self):
        if not self.model or self.model not in self.env:
            return self.model or False
        Model = self.env[self.model]
        label = Model._description or self.model
        if not self.res_id:
            return label
        try:
            record = Model.browse(self.res_id).exists()
            return f"{label}: {record.display_name}" if record else f"{label} #{self.res_id} (deleted)"
        except AccessError:
            return f"{label} #{self.res_id}"

    @api.model
    def _log(self, event_type, record=None, summary="", payload=None, company=None):
        """Append one event, in the caller's transaction, to be sealed into the chain after commit.

        Writers never wait for each other: the event is inserted with its
        content, payload hash and entry MAC only. Sealing (sequence, previous
        MAC, MAC) happens right after the transaction commits, one sealer per
        company at a time, in commit order. An event that never commits is
        never sealed, so the chain holds exactly what really happened; a row
        without a valid entry MAC (inserted by SQL) is never sealed at all.
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
        try:
            key = audit_key()
        except SecretKeyError as exc:
            _logger.warning("audit event %s written without entry MAC, it cannot be sealed: %s", event.id, exc)
        else:
            row = next(self._rows("id = %s", (event.id,)))
            self.env.cr.execute("UPDATE finance_audit_event SET entry_mac = %s WHERE id = %s",
                                (entry_mac(key, row), event.id))
            event.invalidate_recordset(["entry_mac"])
        pending = self.env.cr.postcommit.data.setdefault("finance_audit_pending", set())
        if not pending:
            dbname = self.env.cr.dbname
            self.env.cr.postcommit.add(lambda: _seal_after_commit(dbname, pending))
        pending.add(company.id)
        return event

    @api.model
    def _rows(self, where, params, order="sequence"):
        """Rows as plain dicts (the shape lib/audit_chain.py works on), read with SQL."""
        self.env.cr.execute(f"SELECT {_ROW_COLUMNS} FROM finance_audit_event WHERE {where} ORDER BY {order}",
                            params)
        for row in self.env.cr.dictfetchall():
            row["occurred_at"] = fields.Datetime.to_string(row["occurred_at"])
            yield row

    @api.model
    def _head_row(self, company_id):
        return next(self._rows("company_id = %s AND hash IS NOT NULL", (company_id,), "sequence DESC LIMIT 1"),
                    None)

    @api.model
    def _seal_company(self, company_id, key=None):
        """Chain the authentic pending events of one company; the caller provides the transaction."""
        cr = self.env.cr
        self.flush_model()
        key = key or audit_key()
        key_id = chain_key_id(key)
        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (AUDIT_LOCK_KEY, company_id))
        pending = list(self._rows("company_id = %s AND hash IS NULL", (company_id,), "id FOR UPDATE"))
        if not pending:
            return 0
        head = self._head_row(company_id)
        if head and head["key_id"] != key_id:
            _logger.error("not sealing audit events of company %s: its chain is sealed with audit key %s, "
                          "this server's key is %s (wrong master key?)", company_id, head["key_id"], key_id)
            return 0
        sequence, prev = (head["sequence"], head["hash"]) if head else (0, GENESIS)
        sealed = 0
        for row in pending:
            if entry_mac(key, row) != row["entry_mac"] or payload_hash(row["payload"]) != row["payload_hash"]:
                _logger.error("audit row id %s of company %s is not authentic (not written by the server, "
                              "or edited): left out of the chain", row["id"], company_id)
                continue
            sequence += 1
            event = dict(row, sequence=sequence, prev_hash=prev, key_id=key_id)
            prev = event_mac(key, event)
            cr.execute("UPDATE finance_audit_event SET sequence = %s, prev_hash = %s, hash = %s, key_id = %s "
                       "WHERE id = %s", (sequence, event["prev_hash"], prev, key_id, row["id"]))
            sealed += 1
        self.invalidate_model(["sequence", "prev_hash", "hash", "key_id"])
        if sealed:
            head = ChainHead(company_id, sequence, prev, key_id)
            dbname = cr.dbname
            export = self.env["finance.audit.anchor"]._export_head
            cr.postcommit.add(lambda: export(dbname, head))
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
        self.invalidate_model(["sequence", "prev_hash", "hash", "key_id"])
        return sealed

    @api.model
    def _cron_seal(self):
        """Backstop for events whose post-commit sealing did not run (a crashed worker)."""
        self._seal_pending()

    @api.model
    def _verify_company_verdict(self, company):
        """The full ``Verdict`` of one company's chain against its anchors (DB and external file)."""
        try:
            key = audit_key()
        except SecretKeyError as exc:
            return Verdict(False, reason=str(exc))
        return verify_chain(
            self._rows("company_id = %s AND hash IS NOT NULL", (company.id,)), key,
            unsealed=list(self._rows("company_id = %s AND hash IS NULL", (company.id,), "id")),
            anchors=self.env["finance.audit.anchor"]._anchors_for(company),
            now=fields.Datetime.now())

    @api.model
    def _verify_company(self, company):
        """Return None when the chain holds, else (sequence, reason)."""
        return self._verify_company_verdict(company).as_tuple()

    @api.model
    def _verify_companies(self, companies=None):
        """Authorised companies to verify: all (server code), else the caller's own, for treasury managers."""
        if self.env.su:
            return companies or self.env["res.company"].sudo().search([])
        if not self.env.user.has_group(VERIFY_GROUP):
            raise AccessError(_("Only treasury managers and administrators may verify the audit trail."))
        own = self.env.user.company_ids
        if companies is None:
            return self.env.companies & own
        return self.env["res.company"].browse(getattr(companies, "ids", companies)) & own

    @api.model
    def verify_chains(self, companies=None):
        """Seal what is pending, then verify each company's chain; returns {company name: result}.

        Server code (sudo) verifies any company; a user must be a treasury manager and gets
        an answer only for the companies they belong to.
        """
        companies = self._verify_companies(companies)
        verdicts = self.sudo()._verdicts(companies)
        return {company.name: verdict.as_tuple() for company, verdict in verdicts}

    @api.model
    def _verdicts(self, companies):
        self._seal_pending(companies.ids)
        return [(company, self._verify_company_verdict(company)) for company in companies]

    def action_verify_chain(self):
        """Button / menu "Verify audit trail": a dialog with one line per company of the user.

        Not ``@api.model``: the list's header button sends the selected ids, which do not matter
        beyond this: ids of events the user may not read (another company's) are refused.
        """
        check_button(self, "finance_bridge_core.group_treasury_manager")
        companies = self._verify_companies()
        verdicts = self.sudo()._verdicts(companies)
        return self.env["finance.audit.verify.result"].sudo()._open_for(verdicts)

    @api.model
    def _rekey(self, old_key_text, new_key_text):
        """Re-seal every company's chain under the audit key of a new master key.

        ``old_key_text`` None: the chain is the unkeyed SHA-256 chain of 19.0.1.0.0
        (upgrade). The chain is verified first; a broken chain is re-sealed too (a
        rotation cannot wait), but the break is recorded in the new chain and logged.
        """
        new_key = audit_key(new_key_text)
        old_key = audit_key(old_key_text) if old_key_text else None
        self.env.flush_all()
        self.env.cr.execute("SELECT DISTINCT company_id FROM finance_audit_event ORDER BY company_id")
        counts = {}
        for (company_id,) in self.env.cr.fetchall():
            counts[company_id] = self._rekey_company(company_id, old_key, new_key)
        return counts

    @api.model
    def _rekey_company(self, company_id, old_key, new_key):
        cr = self.env.cr
        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (AUDIT_LOCK_KEY, company_id))
        new_id = chain_key_id(new_key)
        head = self._head_row(company_id)
        keys = [k for k in (old_key, new_key) if k]
        current = next((k for k in keys if head and head["key_id"] == chain_key_id(k)), None)
        if current:
            problem = self._verify_company_verdict_with(company_id, current).as_tuple()
        else:
            problem = self._legacy_problem(company_id) if head else None
        rows = list(self._rows("company_id = %s AND hash IS NOT NULL", (company_id,)))
        rows += [row for row in self._rows("company_id = %s AND hash IS NULL", (company_id,), "id")
                 if old_key is None or any(entry_mac(k, row) == row["entry_mac"] for k in keys)]
        if problem:
            _logger.error("audit chain of company %s was broken before re-sealing: #%s %s",
                          company_id, problem[0], problem[1])
        # The re-sealing is itself an event, chained last: it is ours, whichever key _log had at hand.
        event = self._log("audit.rekey", summary=f"audit chain re-sealed with audit key {new_id}",
                          payload={"resealed": len(rows), "broken_before": list(problem) if problem else None},
                          company=self.env["res.company"].browse(company_id))
        rows += list(self._rows("id = %s", (event.id,)))
        sequence, prev = 0, GENESIS
        for row in rows:
            sequence += 1
            sealed = dict(row, sequence=sequence, key_id=new_id, prev_hash=prev)
            sealed["entry_mac"] = entry_mac(new_key, sealed)
            prev = event_mac(new_key, sealed)
            cr.execute("UPDATE finance_audit_event SET sequence = NULL WHERE company_id = %s AND sequence = %s "
                       "AND id != %s", (company_id, sequence, row["id"]))
            cr.execute("UPDATE finance_audit_event SET sequence = %s, prev_hash = %s, hash = %s, key_id = %s, "
                       "entry_mac = %s WHERE id = %s",
                       (sequence, sealed["prev_hash"], prev, new_id, sealed["entry_mac"], row["id"]))
        self.invalidate_model()
        self.env["finance.audit.anchor"]._anchor_company(company_id, new_key)
        return len(rows) - 1

    @api.model
    def _verify_company_verdict_with(self, company_id, key):
        return verify_chain(self._rows("company_id = %s AND hash IS NOT NULL", (company_id,)), key)

    @api.model
    def _legacy_problem(self, company_id):
        """First broken link of an unkeyed 19.0.1.0.0 chain, or None."""
        expected_prev, expected_seq = GENESIS, 1
        for row in self._rows("company_id = %s AND hash IS NOT NULL", (company_id,)):
            if row["sequence"] != expected_seq or row["prev_hash"] != expected_prev \
                    or legacy_event_hash(row) != row["hash"] or payload_hash(row["payload"]) != row["payload_hash"]:
                return row["sequence"], "legacy chain link does not match"
            expected_prev, expected_seq = row["hash"], expected_seq + 1
        return None
