"""Match what an import created, in the importing transaction (small imports) or in the
background through a progress record (large ones)."""
from odoo import api, models


class FinanceStatementIngestion(models.AbstractModel):
    _inherit = "finance.statement.ingestion"

    @api.model
    def _store_statement(self, journal, header, line_chunks, run=None, connection=None, progress=None):
        Line = self.env["account.bank.statement.line"].sudo()
        before = Line.search([("journal_id", "=", journal.id)], order="id desc", limit=1).id or 0
        counts = super()._store_statement(journal, header, line_chunks, run, connection, progress)
        if counts.get("lines_created"):
            self.env["finance.reconcile.run"].sudo()._start(journal, before)
        return counts
