"""Trace one unit of work by correlation id, EndToEndId, MsgId or UETR: the whole path, in time order.

The screen (``finance.trace``) asks ``finance.trace.hooks`` twice: which identifiers are related to
the ones known so far (until nothing new turns up) and which steps those identifiers lead to. The
core answers for sync runs, outbox messages and their files, status events, statements, statement
lines and audit events; an addon with records of its own (the payment release workflow: bills,
batches, approvals, releases, payments, matching) extends both through ``super()`` — neither side
imports the other (docs/EXTENDING.md, "Tracing"). Everything is read as the user: company rules
apply; nothing is written but the transient result.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.trace_steps import TraceStep, ordered_steps
from .button_access import check_button

USER_GROUP = "finance_bridge_core.group_finance_user"
EXPANSION_ROUNDS = 4
MAX_KEYS = 500


def step(at, kind, summary, record):
    """A TraceStep of ``record`` (a one-record recordset)."""
    return TraceStep(at=at, kind=kind, summary=(summary or "")[:500], model=record._name, res_id=record.id)


class FinanceTraceHooks(models.AbstractModel):
    _name = "finance.trace.hooks"
    _description = "Finance Bridge tracing hooks"

    @api.model
    def _finance_trace_keys(self, keys):
        """Identifiers related to ``keys`` (a set of strings); extensions add theirs to ``super()``'s set."""
        keys = set(keys)
        runs = self._trace_search("finance.sync.run", [("correlation_id", "in", list(keys))])
        msgs = self._trace_messages(keys)
        events = self._trace_events(keys)
        keys |= set(runs.mapped("correlation_id")) | set(msgs.mapped("correlation_id")) | set(msgs.mapped("key"))
        keys |= set(events.mapped("msg_id")) | set(events.mapped("end_to_end_id")) | set(events.mapped("uetr"))
        for line in self._trace_statement_lines(keys, runs, events):
            details = line.transaction_details if isinstance(line.transaction_details, dict) else {}
            keys |= {details.get("end_to_end_id"), details.get("uetr")}
        return {k for k in keys if k}

    @api.model
    def _finance_trace_steps(self, keys):
        """TraceSteps (lib/trace_steps.py) of the records ``keys`` lead to; extensions add theirs."""
        env, steps = self.env, []
        runs = self._trace_search("finance.sync.run", [("correlation_id", "in", list(keys))])
        msgs = self._trace_messages(keys)
        events = self._trace_events(keys)
        for run in runs:
            steps.append(step(run.started_at, "Sync run", f"{run.connection_id.display_name}: {run.state}, "
                              f"{run.lines_created} lines, {run.lines_skipped} skipped", run))
        # Records carry their transaction's start time; the audit event of the enqueue carries the moment
        # (a release that took a few seconds queues its message after it was released, not before).
        enqueued = {ev.res_id: ev.occurred_at for ev in self._trace_search(
            "finance.audit.event", [("model", "=", "finance.outbox.message"), ("res_id", "in", msgs.ids),
                                    ("event_type", "=", "outbox.enqueue")])}
        for msg in msgs:
            steps.append(step(max(filter(None, (msg.create_date, enqueued.get(msg.id)))), "Outbox queued",
                              f"{msg.message_type} {msg.key}", msg))
            if msg.sent_at:
                steps.append(step(msg.sent_at, "Sent to bank",
                                  f"{msg.key}: {msg.state}, {msg.attempts} attempt(s)", msg))
            for att in msg.file_ids:   # the file is what was sent: shown with the sending
                steps.append(step(msg.sent_at or att.create_date, "File", att.name, att))
        for ev in events:
            bank_time = f" (bank time {ev.occurred_at})" if ev.occurred_at else ""
            steps.append(step(ev.create_date, "Status from bank",
                              f"{ev.source} {ev.status} {ev.end_to_end_id or ev.msg_id or ''} "
                              f"{ev.reason_code or ''}{bank_time}", ev))
        st_lines = self._trace_statement_lines(keys, runs, events)
        statements = self._trace_search("account.bank.statement", [("finance_sync_run_id", "in", runs.ids)]) \
            if runs else env["account.bank.statement"]
        for st in statements | st_lines.statement_id:
            steps.append(step(st.create_date, "Statement", f"{st.name or st.finance_bank_ref}: "
                              f"{len(st.line_ids)} lines, closing {st.balance_end_real}", st))
        for line in st_lines:
            steps.append(step(line.create_date, "Statement line",
                              f"{line.date} {line.amount} {line.currency_id.name}: {line.payment_ref or ''} "
                              f"EndToEndId {line.finance_end_to_end_id or '-'}"
                              f"{', matched' if line.is_reconciled else ', not matched yet'}", line))
        audits = self._trace_search("finance.audit.event",
            ["|", "&", ("model", "=", "finance.outbox.message"), ("res_id", "in", msgs.ids),
             "&", ("model", "=", "finance.sync.run"), ("res_id", "in", runs.ids)])
        for key in sorted(keys)[:50]:
            audits |= self._trace_search("finance.audit.event", [("payload", "ilike", key)], limit=200)
        steps += self._trace_audit_steps(audits)
        return steps

    # ------------------------------------------------------------------ helpers for extensions
    @api.model
    def _trace_search(self, model, domain, **kwargs):
        """``search`` as the user, or nothing when the user may not read ``model`` at all (a trace shows
        what the user may see; it does not fail on what they may not)."""
        records = self.env[model]
        return records.search(domain, **kwargs) if records.has_access("read") else records.browse()

    @api.model
    def _trace_audit_steps(self, audits):
        return [step(ev.occurred_at, "Audit", f"{ev.event_type}: {ev.summary} ({ev.user_id.name})", ev)
                for ev in audits]

    @api.model
    def _trace_messages(self, keys):
        return self._trace_search("finance.outbox.message",
                                  ["|", ("correlation_id", "in", list(keys)), ("key", "in", list(keys))])

    @api.model
    def _trace_events(self, keys):
        keys = list(keys)
        return self._trace_search("finance.status.event", [
            "|", "|", "|", "|", ("msg_id", "in", keys), ("end_to_end_id", "in", keys), ("uetr", "in", keys),
            ("pmt_inf_id", "in", keys), ("instruction_id", "in", keys)])

    @api.model
    def _trace_statement_lines(self, keys, runs, events):
        """Statement lines booked for ``keys``: by EndToEndId or UETR from the bank, by import key, or
        named by a status event (bookings of our own payments)."""
        Line = self.env["account.bank.statement.line"]
        if not Line.has_access("read"):
            return Line
        ids = [(ev.raw or {}).get("statement_line_id") for ev in events if isinstance(ev.raw, dict)]
        found = Line.search([("id", "in", [i for i in ids if isinstance(i, int)])])
        keys = [k for k in keys if k and isinstance(k, str)]
        if keys:
            # Both lookups use the partial expression indexes below, whatever the number of lines.
            Line.flush_model(["transaction_details"])
            self.env.cr.execute("""
                SELECT id FROM account_bank_statement_line
                 WHERE transaction_details->>'end_to_end_id' = ANY(%(k)s) AND transaction_details ? 'end_to_end_id'
                 UNION
                SELECT id FROM account_bank_statement_line
                 WHERE transaction_details->>'uetr' = ANY(%(k)s) AND transaction_details ? 'uetr'
                 LIMIT 500""", {"k": keys})
            found |= Line.search([("id", "in", [r[0] for r in self.env.cr.fetchall()])])
        origin = self.env.context.get("finance_trace_origin")
        if origin:   # a line traced from its import key (no bank reference): that line itself
            found |= Line.search([("finance_import_key", "=", origin)], limit=20)
        return found

    @api.model
    def _finance_trace_query(self, record):
        """The identifier the Trace button of ``record`` starts from; extensions answer for their models."""
        if record._name in ("finance.sync.run", "finance.outbox.message"):
            return record.correlation_id
        if record._name == "finance.status.event":
            return record.msg_id or record.end_to_end_id or record.uetr
        if record._name == "account.bank.statement.line":
            return (record.finance_end_to_end_id or record.finance_uetr or record.finance_import_key
                    or record.statement_id.finance_sync_run_id.correlation_id)
        return False


class FinanceTrace(models.TransientModel):
    _name = "finance.trace"
    _description = "Trace a unit of work"

    query = fields.Char(string="Correlation id, EndToEndId, MsgId or UETR", required=True)
    line_ids = fields.One2many("finance.trace.line", "trace_id", readonly=True)

    @api.model
    def _collect(self, query):
        """The TraceSteps of every record ``query`` leads to, in time order."""
        hooks = self.env["finance.trace.hooks"].with_context(finance_trace_origin=query)
        keys = {query}
        for _round in range(EXPANSION_ROUNDS):
            more = hooks._finance_trace_keys(keys)
            if more <= keys or len(more) > MAX_KEYS:
                keys = set(list(more)[:MAX_KEYS]) | {query}
                break
            keys = more
        return ordered_steps(hooks._finance_trace_steps(keys), fields.Datetime.now())

    def action_trace(self):
        check_button(self, USER_GROUP, "write")
        self.ensure_one()
        steps = self._collect((self.query or "").strip())
        self.line_ids.unlink()
        self.write({"line_ids": [(0, 0, {"sequence": n, "at": s.at, "kind": s.kind, "summary": s.summary,
                                         "res_model": s.model, "res_id": s.res_id})
                                 for n, s in enumerate(steps, 1)]})
        return {"type": "ir.actions.act_window", "res_model": "finance.trace.line", "view_mode": "list",
                "domain": [("trace_id", "=", self.id)], "target": "current", "name": f"Trace {self.query}",
                "context": {"trace_id": self.id}}

    @api.model
    def _open_for(self, record):
        """The Trace button of any record: check the press, then trace from the record's identifier."""
        check_button(record, USER_GROUP)
        record.ensure_one()
        query = self.env["finance.trace.hooks"]._finance_trace_query(record)
        if not query:
            raise UserError(_("%s carries no identifier to trace yet.", record.display_name))
        return self.create({"query": query}).action_trace()


class FinanceTraceLine(models.TransientModel):
    _name = "finance.trace.line"
    _description = "Trace step"
    _order = "sequence, id"

    trace_id = fields.Many2one("finance.trace", required=True, ondelete="cascade")
    sequence = fields.Integer()
    at = fields.Datetime(string="When")
    kind = fields.Char(string="Step")
    summary = fields.Char()
    res_model = fields.Char(string="Record type")
    res_id = fields.Integer()

    def action_open_record(self):
        check_button(self, USER_GROUP)
        self.ensure_one()
        return {"type": "ir.actions.act_window", "res_model": self.res_model, "res_id": self.res_id,
                "view_mode": "form"}


class FinanceSyncRunTrace(models.Model):
    _inherit = "finance.sync.run"

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)


class FinanceOutboxMessageTrace(models.Model):
    _inherit = "finance.outbox.message"

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)


class FinanceStatusEventTrace(models.Model):
    _inherit = "finance.status.event"

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)


class AccountBankStatementLineTrace(models.Model):
    _inherit = "account.bank.statement.line"

    def init(self):
        # The trace finds statement lines by the bank's EndToEndId or UETR: partial indexes (only lines
        # that carry one), so a trace stays an index lookup over millions of lines.
        super().init()
        for key in ("end_to_end_id", "uetr"):
            self.env.cr.execute(f"""
                CREATE INDEX IF NOT EXISTS finance_st_line_{key}_idx ON account_bank_statement_line
                    ((transaction_details->>'{key}')) WHERE transaction_details ? '{key}'""")

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)
