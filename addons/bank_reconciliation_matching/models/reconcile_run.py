"""A matching run over the lines of one import: inline for small imports, in the background
(cron, in chunks, each committed) for large ones, with its progress visible meanwhile."""
import logging

from odoo import api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides

_logger = logging.getLogger(__name__)

BACKGROUND_FROM = 2000    # lines of one import: above this, matching runs in the background

CHUNK = 2000


class FinanceReconcileRun(models.Model):
    _name = "finance.reconcile.run"
    _description = "Bank reconciliation matching run"
    _order = "id desc"
    _finance_guarded_records = True

    journal_id = fields.Many2one("account.journal", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="journal_id.company_id", store=True)
    first_line_id = fields.Integer(readonly=True, help="Lines after this id (in the journal) belong to the run.")
    last_done_id = fields.Integer(readonly=True)
    lines_total = fields.Integer(readonly=True)
    lines_done = fields.Integer(readonly=True)
    lines_auto = fields.Integer(readonly=True, string="Reconciled automatically")
    lines_suggested = fields.Integer(readonly=True, string="With suggestions")
    lines_bulk = fields.Integer(readonly=True, string="Written set-based",
                                help="Automatic reconciliations written by the set-based writer (the others went "
                                     "through Odoo's reconciliation, see Notes).")
    notes = fields.Text(readonly=True, help="Why automatic reconciliations went through Odoo's reconciliation "
                                            "instead of the set-based writer.")
    state = fields.Selection([("queued", "Queued"), ("done", "Done")], default="queued", readonly=True, required=True)

    def _lines(self, limit=None):
        return self.env["account.bank.statement.line"].sudo().search(
            [("journal_id", "=", self.journal_id.id), ("id", ">", max(self.first_line_id, self.last_done_id))],
            order="id", limit=limit)

    @api.model
    @decides
    def _start(self, journal, first_line_id):
        background_from = int(self.env["ir.config_parameter"].sudo().get_param(
            "bank_reconciliation_matching.background_from", BACKGROUND_FROM))
        run = self.create({"journal_id": journal.id, "first_line_id": first_line_id})
        total = self.env["account.bank.statement.line"].sudo().search_count(
            [("journal_id", "=", journal.id), ("id", ">", first_line_id)])
        run.lines_total = total
        if total <= background_from:
            run._step(limit=None)
        else:
            cron = self.env.ref("bank_reconciliation_matching.ir_cron_reconcile_runs", raise_if_not_found=False)
            if cron:
                cron._trigger()
        return run

    @decides
    def _step(self, limit=CHUNK):
        self.ensure_one()
        lines = self._lines(limit)
        if lines:
            counts = self.env["finance.reconcile.matcher"]._match(lines, auto=True)
            vals = {"last_done_id": lines[-1].id, "lines_done": self.lines_done + len(lines),
                    "lines_auto": self.lines_auto + counts["auto"],
                    "lines_bulk": self.lines_bulk + counts.get("bulk", 0),
                    "lines_suggested": self.lines_suggested + counts["suggested"]}
            if counts.get("orm_reasons"):
                note = "; ".join(f"{n} through Odoo's reconciliation: {reason}"
                                 for reason, n in sorted(counts["orm_reasons"].items(), key=lambda r: -r[1]))
                vals["notes"] = "\n".join(filter(None, (self.notes, note)))
            self.write(vals)
        if not lines or limit is None or len(lines) < limit:
            self.state = "done"

    @api.model
    def _cron_process(self):
        """Work through queued runs chunk by chunk, committing after each (progress visible)."""
        for run in self.search([("state", "=", "queued")], order="id"):
            while run.state == "queued":
                run._step()
                if not self.env.context.get("finance_no_commit"):
                    self.env.cr.commit()
        return True
