from odoo import fields, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    finance_import_key = fields.Char(readonly=True, copy=False, string="Import key",
                                     help="The bank's own reference, or a content hash: makes re-imports no-ops.")

    _finance_import_key_unique = models.UniqueIndex(
        "(journal_id, finance_import_key) WHERE finance_import_key IS NOT NULL",
        "This bank line was imported into the journal already.")
