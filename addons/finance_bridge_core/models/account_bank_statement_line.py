from odoo import api, fields, models

from ..lib.readable import key_value_table

# Bank references kept in transaction_details by the import (statement_ingestion._details), shown
# as fields of their own on the Bank Transactions form.
DETAIL_LABELS = (
    ("end_to_end_id", "EndToEndId"), ("acct_svcr_ref", "AcctSvcrRef"), ("uetr", "UETR"),
    ("ntry_ref", "Entry reference"), ("unique_id", "Bank line id"),
    ("bank_transaction_code", "Bank transaction code"), ("counterparty_bic", "Counterparty BIC"),
    ("remittance_structured", "Structured remittance"), ("remittance_unstructured", "Remittance"),
    ("value_date", "Value date"),
)


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    finance_import_key = fields.Char(readonly=True, copy=False, string="Import key",
                                     help="The bank's own reference, or a content hash: makes re-imports no-ops.")
    finance_end_to_end_id = fields.Char(compute="_compute_finance_details", string="EndToEndId")
    finance_acct_svcr_ref = fields.Char(compute="_compute_finance_details", string="AcctSvcrRef",
                                        help="The account servicer's (bank's) reference of the entry.")
    finance_uetr = fields.Char(compute="_compute_finance_details", string="UETR")
    finance_counterparty_bic = fields.Char(compute="_compute_finance_details", string="Counterparty BIC")
    finance_remittance = fields.Text(compute="_compute_finance_details", string="Remittance information")
    finance_value_date = fields.Date(compute="_compute_finance_details", string="Value date")
    finance_details_html = fields.Html(compute="_compute_finance_details", string="Details from the bank",
                                       sanitize=False)
    finance_sync_run_id = fields.Many2one(related="statement_id.finance_sync_run_id", string="Sync run",
                                          groups="finance_bridge_core.group_finance_user")
    finance_connection_id = fields.Many2one(related="statement_id.finance_connection_id", string="Bank connection",
                                            groups="finance_bridge_core.group_finance_user")
    finance_file_import_ids = fields.Many2many(related="statement_id.finance_file_import_ids",
                                               string="Source files", groups="finance_bridge_core.group_finance_user")

    finance_file_import_id = fields.Many2one(
        "finance.file.import", readonly=True, copy=False, index="btree_not_null", ondelete="set null",
        guarded=True, string="Imported from file",
        help="The imported bank file that created this line (empty for lines from a bank API).")

    _finance_import_key_unique = models.UniqueIndex(
        "(journal_id, finance_import_key) WHERE finance_import_key IS NOT NULL",
        "This bank line was imported into the journal already.")

    @api.depends("transaction_details")
    def _compute_finance_details(self):
        for line in self:
            details = line.transaction_details if isinstance(line.transaction_details, dict) else {}
            line.finance_end_to_end_id = details.get("end_to_end_id")
            line.finance_acct_svcr_ref = details.get("acct_svcr_ref")
            line.finance_uetr = details.get("uetr")
            line.finance_counterparty_bic = details.get("counterparty_bic")
            line.finance_value_date = fields.Date.to_date(details["value_date"]) \
                if isinstance(details.get("value_date"), str) and len(details["value_date"]) == 10 else False
            line.finance_remittance = "\n".join(
                str(details[k]) for k in ("remittance_unstructured", "remittance_structured") if details.get(k))
            line.finance_details_html = key_value_table(details, dict(DETAIL_LABELS))
