"""One bank account (journal) served by a connection, with its own sync cursor."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib.masking import mask_account


class FinanceBankConnectionAccount(models.Model):
    _name = "finance.bank.connection.account"
    _description = "Bank account served by a connection"
    _order = "connection_id, id"

    connection_id = fields.Many2one("finance.bank.connection", required=True, ondelete="cascade", index=True,
                                    fixed=True)
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True, fixed=True)
    journal_id = fields.Many2one("account.journal", required=True, ondelete="restrict",
                                 domain="[('type', '=', 'bank'), ('company_id', '=', company_id)]",
                                 help="The bank journal whose statements this connection imports.")
    account_number = fields.Char(compute="_compute_account_number", store=True,
                                 help="Normalised IBAN or number of the journal's bank account.")
    account_number_masked = fields.Char(compute="_compute_account_number_masked", string="Account")
    cursor = fields.Char(copy=False, help="Where the next synchronisation starts (provider-specific). "
                                          "Clear it to re-read everything the bank still offers.")
    last_sync = fields.Datetime(readonly=True, copy=False)
    last_statement_date = fields.Date(readonly=True, copy=False)

    _connection_journal_unique = models.Constraint(
        "UNIQUE (connection_id, journal_id)", "A journal is listed once per connection.")

    @api.depends("journal_id.bank_account_id.sanitized_acc_number")
    def _compute_account_number(self):
        for link in self:
            number = link.journal_id.bank_account_id.sanitized_acc_number or False
            link.account_number = number

    @api.depends("account_number")
    def _compute_account_number_masked(self):
        for link in self:
            link.account_number_masked = mask_account(link.account_number) if link.account_number else False

    @api.constrains("journal_id", "connection_id")
    def _check_journal(self):
        for link in self:
            if link.journal_id.type != "bank":
                raise ValidationError(_("%s is not a bank journal.", link.journal_id.display_name))
            if link.journal_id.company_id != link.connection_id.company_id:
                raise ValidationError(_("Journal %(j)s belongs to another company than connection %(c)s.",
                                        j=link.journal_id.display_name, c=link.connection_id.name))
            if not link.journal_id.bank_account_id:
                raise ValidationError(_("Journal %s has no bank account number.", link.journal_id.display_name))
