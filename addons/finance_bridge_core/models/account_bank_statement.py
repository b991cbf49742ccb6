from odoo import fields, models


class AccountBankStatement(models.Model):
    _inherit = "account.bank.statement"

    finance_connection_id = fields.Many2one("finance.bank.connection", readonly=True, index="btree_not_null",
                                            string="Bank connection")
    finance_sync_run_id = fields.Many2one("finance.sync.run", readonly=True, string="Sync run")
    finance_bank_ref = fields.Char(readonly=True, string="Bank statement id", index="btree_not_null")
    finance_sequence = fields.Integer(readonly=True, string="Bank sequence number")
    finance_continuity = fields.Selection(
        [("ok", "Continuous"), ("gap", "Gap"), ("unchecked", "Not checked")], readonly=True, guarded=True,
        string="Continuity", help="Whether the opening balance equals the previous statement's closing "
                                  "balance and the bank's sequence number follows on.")
    finance_continuity_note = fields.Char(readonly=True, string="Continuity note", guarded=True)
    finance_balance_note = fields.Char(
        readonly=True, string="Balance mismatch", guarded=True,
        help="Set when the bank's opening balance plus its lines is not its closing balance and the company "
             "imports such statements flagged instead of refusing them.")
    finance_file_import_ids = fields.Many2many(
        "finance.file.import", "finance_file_import_statement_rel", "statement_id", "import_id", readonly=True,
        groups="finance_bridge_core.group_finance_user",
        string="Source files", help="The imported bank files that created this statement or added lines to it.")
