"""Trace by correlation id, EndToEndId, MsgId or UETR: the whole path of one unit of work, in time order.

Everything is read as the user (company rules apply); nothing is written but the transient result.
"""
from odoo import api, fields, models
from odoo.addons.finance_bridge_core.models.button_access import check_button

USER_GROUP = "finance_bridge_core.group_finance_user"


class FinanceTreasuryTrace(models.TransientModel):
    _name = "finance.treasury.trace"
    _description = "Trace a unit of work"

    query = fields.Char(string="Correlation id, EndToEndId, MsgId or UETR", required=True)
    line_ids = fields.One2many("finance.treasury.trace.line", "trace_id", readonly=True)

    @api.model
    def _collect(self, query):
        """(at, kind, summary, record) of every step found for ``query``, expanded one level."""
        env = self.env
        keys, steps, seen = {query}, [], set()
        for _round in range(2):
            runs = env["finance.sync.run"].search([("correlation_id", "in", list(keys))])
            msgs = env["finance.outbox.message"].search(["|", ("correlation_id", "in", list(keys)),
                                                         ("key", "in", list(keys))])
            events = env["finance.status.event"].search([
                "|", "|", "|", "|", ("msg_id", "in", list(keys)), ("end_to_end_id", "in", list(keys)),
                ("uetr", "in", list(keys)), ("pmt_inf_id", "in", list(keys)), ("instruction_id", "in", list(keys))])
            keys |= set(runs.mapped("correlation_id")) | set(msgs.mapped("correlation_id")) | set(msgs.mapped("key"))
            keys |= set(events.mapped("msg_id")) - {False}
        statements = env["account.bank.statement"].search([("finance_sync_run_id", "in", runs.ids)]) if runs else \
            env["account.bank.statement"]
        audits = env["finance.audit.event"]
        for key in sorted(k for k in keys if k):
            audits |= env["finance.audit.event"].search([("payload", "ilike", key)], limit=200)
        audits |= env["finance.audit.event"].search(
            ["|", "&", ("model", "=", "finance.outbox.message"), ("res_id", "in", msgs.ids),
             "&", ("model", "=", "finance.sync.run"), ("res_id", "in", runs.ids)])
        for run in runs:
            steps.append((run.started_at, "Sync run", f"{run.connection_id.display_name}: {run.state}, "
                          f"{run.lines_created} lines, {run.lines_skipped} skipped", run))
        for msg in msgs:
            steps.append((msg.create_date, "Outbox queued", f"{msg.message_type} {msg.key}", msg))
            if msg.sent_at:
                steps.append((msg.sent_at, "Sent to bank", f"{msg.key}: {msg.state}, {msg.attempts} attempt(s)",
                              msg))
            for att in msg.file_ids:
                steps.append((att.create_date, "File", att.name, att))
        for ev in events:
            steps.append((ev.occurred_at or ev.create_date, "Status from bank",
                          f"{ev.source} {ev.status} {ev.end_to_end_id or ev.msg_id or ''} {ev.reason_code or ''}",
                          ev))
        for st in statements:
            steps.append((st.create_date, "Statement", f"{st.name or st.finance_bank_ref}: "
                          f"{len(st.line_ids)} lines, closing {st.balance_end_real}", st))
        for ev in audits:
            steps.append((ev.occurred_at, "Audit", f"{ev.event_type}: {ev.summary} ({ev.user_id.name})", ev))
        unique = []
        for step in sorted(steps, key=lambda s: (s[0] or fields.Datetime.now(), s[1])):
            ident = (step[1], step[3]._name, step[3].id)
            if ident not in seen:
                seen.add(ident)
                unique.append(step)
        return unique

    def action_trace(self):
        check_button(self, USER_GROUP, "write")
        self.ensure_one()
        steps = self._collect(self.query.strip())
        self.line_ids.unlink()
        self.write({"line_ids": [(0, 0, {"at": at, "kind": kind, "summary": (summary or "")[:500],
                                         "res_model": rec._name, "res_id": rec.id})
                                 for at, kind, summary, rec in steps]})
        return {"type": "ir.actions.act_window", "res_model": "finance.treasury.trace.line", "view_mode": "list",
                "domain": [("trace_id", "=", self.id)], "target": "current", "name": f"Trace {self.query}",
                "context": {"trace_id": self.id}}

    @api.model
    def _open_for(self, query):
        trace = self.create({"query": query})
        return trace.action_trace()


class FinanceTreasuryTraceLine(models.TransientModel):
    _name = "finance.treasury.trace.line"
    _description = "Trace step"
    _order = "at, id"

    trace_id = fields.Many2one("finance.treasury.trace", required=True, ondelete="cascade")
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


def trace_action(record, query_of):
    """The Trace button of a record: check the press, then trace ``query_of(record)``."""
    check_button(record, USER_GROUP)
    record.ensure_one()
    return record.env["finance.treasury.trace"]._open_for(query_of(record))


class FinanceSyncRunTrace(models.Model):
    _inherit = "finance.sync.run"

    def action_treasury_trace(self):
        return trace_action(self, lambda rec: rec.correlation_id)


class FinanceOutboxMessageTrace(models.Model):
    _inherit = "finance.outbox.message"

    def action_treasury_trace(self):
        return trace_action(self, lambda rec: rec.correlation_id)


class FinanceStatusEventTrace(models.Model):
    _inherit = "finance.status.event"

    def action_treasury_trace(self):
        return trace_action(self, lambda rec: rec.msg_id or rec.end_to_end_id or rec.uetr)
