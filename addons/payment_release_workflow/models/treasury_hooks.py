"""What the payment release workflow tells the core's tracing and cash-position hooks.

Both hooks are core models (``finance.trace.hooks``, ``finance.treasury.transit``): this addon answers
them through ``super()`` without depending on the treasury addon, which reads them without importing
this one (docs/EXTENDING.md, "Tracing" and "Payments in transit").
"""
from odoo import api, models
from odoo.addons.finance_bridge_core.models.trace import step

LINES_PER_TRACE = 50
# Batches whose lines have left (or are about to leave) the bank account.
IN_TRANSIT_BATCH_STATES = ("released", "transmitted", "accepted", "partially_rejected")
# Lines on their way to the bank (not excluded, held, rejected or returned).
IN_TRANSIT_LINE_STATES = ("pending", "in_process", "accepted", "paid")


class FinanceTraceHooks(models.AbstractModel):
    _inherit = "finance.trace.hooks"

    @api.model
    def _trace_batch_lines(self, keys):
        keys = list(keys)
        return self._trace_search("finance.payment.batch.line",
            ["|", "|", "|", ("end_to_end_id", "in", keys), ("tx_end_to_end_id", "in", keys), ("uetr", "in", keys),
             ("pmt_inf_id", "in", keys)], limit=LINES_PER_TRACE)

    @api.model
    def _trace_batches(self, keys):
        keys = list(keys)
        return self._trace_search("finance.payment.batch", ["|", ("msg_id", "in", keys), ("name", "in", keys)])

    @api.model
    def _finance_trace_keys(self, keys):
        """A line leads to its transfer's ids and its batch's MsgId; a batch to its MsgId and name."""
        keys = super()._finance_trace_keys(keys)
        lines = self._trace_batch_lines(keys)
        batches = self._trace_batches(keys) | lines.batch_id
        for line in lines:
            keys |= {line.end_to_end_id, line.tx_end_to_end_id, line.uetr, line.pmt_inf_id}
        keys |= set(batches.mapped("msg_id")) | set(batches.mapped("name"))
        return {k for k in keys if k}

    @api.model
    def _finance_trace_steps(self, keys):
        """Bills, batch, approvals, release, payments and their matching with the statement line."""
        steps = super()._finance_trace_steps(keys)
        lines = self._trace_batch_lines(keys)
        batches = self._trace_batches(keys) | lines.batch_id
        if not lines:   # traced from the batch: its lines (the first ones of a large batch)
            lines = batches.line_ids[:LINES_PER_TRACE]
        for batch in batches:
            steps.append(step(batch.create_date, "Payment batch",
                              f"{batch.name} prepared by {batch.preparer_id.name}: {batch.amount_total} "
                              f"{batch.currency_id.name}, {len(batch.line_ids)} line(s), MsgId {batch.msg_id or '-'}",
                              batch))
            for approval in self._trace_search("finance.payment.approval", [("batch_id", "=", batch.id)]):
                steps.append(step(approval.decided_at, "Approval",
                                  f"approved by {approval.user_id.name} ({approval.tier or '-'}), content "
                                  f"{(approval.content_hash or '')[:12]}…, {approval.state}", approval))
            if batch.released_at:
                steps.append(step(batch.released_at, "Released",
                                  f"{batch.name} released by {batch.released_by_id.name} (re-authenticated)", batch))
            audits = self._trace_search("finance.audit.event", [("model", "=", batch._name), ("res_id", "=", batch.id)])
            steps += self._trace_audit_steps(audits)
        if not (self.env["account.move"].has_access("read") and self.env["account.payment"].has_access("read")):
            return steps     # bills and payments are for invoicing users
        for bill in lines.move_id:
            steps.append(step(bill.create_date, "Bill", f"{bill.name} {bill.partner_id.name}: {bill.amount_total} "
                              f"{bill.currency_id.name}, due {bill.invoice_date_due}", bill))
        for payment in lines.payment_id:
            # created by the release: shown at the release's moment, not at its transaction's start
            released = payment.finance_batch_id.released_at
            at = max(payment.create_date, released) if released else payment.create_date
            steps.append(step(at, "Payment",
                              f"{payment.name or '/'} {payment.amount} {payment.currency_id.name} to "
                              f"{payment.partner_id.name}: {payment.state}", payment))
            steps += self._trace_matching(payment)
        return steps

    @api.model
    def _trace_matching(self, payment):
        """When the payment's outstanding item was reconciled with a statement line."""
        result = []
        outstanding = payment.move_id.line_ids.filtered(lambda ln: ln.account_id == payment.outstanding_account_id)
        for partial in outstanding.matched_debit_ids | outstanding.matched_credit_ids:
            other = partial.debit_move_id if partial.credit_move_id in outstanding else partial.credit_move_id
            st_line = other.move_id.statement_line_id
            if st_line:
                result.append(step(partial.create_date, "Matched",
                                   f"{payment.name} matched with statement line {st_line.date} {st_line.amount} "
                                   f"({st_line.payment_ref or ''})", st_line))
        return result

    @api.model
    def _finance_trace_query(self, record):
        if record._name == "finance.payment.batch":
            return record.msg_id or record.name
        if record._name == "finance.payment.batch.line":
            return record.tx_end_to_end_id or record.end_to_end_id
        if record._name == "account.payment" and record.finance_batch_id:
            lines = self.env["finance.payment.batch.line"].search([("payment_id", "=", record.id)], limit=1)
            return lines.tx_end_to_end_id or lines.end_to_end_id or record.finance_batch_id.msg_id
        return super()._finance_trace_query(record)


class FinanceTreasuryTransit(models.AbstractModel):
    _inherit = "finance.treasury.transit"

    @api.model
    def _treasury_in_transit_sources(self):
        """Released lines whose payment is not posted yet (no payment, or a draft one).

        Once posted, a payment is the default source's (Odoo's unmatched payments) until its statement
        line is matched; a rejected one is in neither. So each line is counted once, by one source.
        """
        line_states = ", ".join(f"'{s}'" for s in IN_TRANSIT_LINE_STATES)
        batch_states = ", ".join(f"'{s}'" for s in IN_TRANSIT_BATCH_STATES)
        return [*super()._treasury_in_transit_sources(), f"""
            SELECT 'payment_batch'::varchar AS source, b.company_id, b.journal_id, l.currency_id,
                   -l.amount AS amount, COALESCE(b.execution_date, b.requested_date) AS due_date
              FROM finance_payment_batch_line l
              JOIN finance_payment_batch b ON b.id = l.batch_id
              LEFT JOIN account_payment p ON p.id = l.payment_id
             WHERE b.state IN ({batch_states}) AND b.journal_id IS NOT NULL
               AND l.state IN ({line_states})
               AND (l.payment_id IS NULL OR p.state = 'draft')"""]


class FinancePaymentBatchTrace(models.Model):
    _inherit = "finance.payment.batch"

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)


class FinancePaymentBatchLineTrace(models.Model):
    _inherit = "finance.payment.batch.line"

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)


class AccountPaymentTrace(models.Model):
    _inherit = "account.payment"

    def action_finance_trace(self):
        return self.env["finance.trace"]._open_for(self)
