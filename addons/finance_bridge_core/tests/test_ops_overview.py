"""The overview's figures: failed imports and open hits counted, every figure opens its filtered list."""
from odoo.tests.common import TransactionCase, tagged

from ..models.ops_overview import FIGURES


@tagged("post_install", "-at_install")
class TestOpsOverview(TransactionCase):

    def row(self):
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["finance.ops.overview"].search([("company_id", "=", self.env.company.id)])

    def test_failed_imports_counted_and_linked(self):
        before = self.row().failed_imports
        failed = self.env["finance.file.import"].sudo().create({
            "name": "broken.xml", "company_id": self.env.company.id, "state": "failed", "error": "bad"})
        row = self.row()
        self.assertEqual(row.failed_imports, before + 1)
        action = row.with_context(figure="failed_imports").action_open_figure()
        self.assertEqual(action["res_model"], "finance.file.import")
        self.assertIn(failed, self.env["finance.file.import"].search(action["domain"]))
        self.assertEqual(self.env["finance.file.import"].search_count(action["domain"]), row.failed_imports)

    def test_every_figure_link_counts_what_the_tile_shows(self):
        row = self.row()
        for figure, (model, _domain) in FIGURES.items():
            action = row.with_context(figure=figure).action_open_figure()
            if model not in self.env:
                self.assertFalse(action)
                continue
            self.assertEqual(self.env[model].search_count(action["domain"]), row[figure], figure)

    def test_unknown_figure_opens_nothing(self):
        self.assertFalse(self.row().with_context(figure="res.users").action_open_figure())

    def test_zero_is_not_coloured(self):
        arch = self.env.ref("finance_bridge_core.view_finance_ops_overview_kanban").arch_db
        for figure in FIGURES:
            self.assertIn(f"record.{figure}.raw_value ? ", arch, f"{figure}: colour only when non-zero")
            self.assertIn(f"'figure': '{figure}'", arch, f"{figure}: a link to its list")
