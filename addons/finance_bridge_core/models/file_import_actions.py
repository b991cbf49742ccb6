"""Buttons of an imported file: retry a failed one, open its statements, create the missing journal."""
from odoo import _, models
from odoo.exceptions import UserError

from .button_access import check_button
from .file_import import JOURNAL_CREATORS

RETRY_GROUP = "finance_bridge_core.group_treasury_manager"


class FinanceFileImportActions(models.Model):
    _inherit = "finance.file.import"

    def action_retry(self):
        """Import the kept original of a failed file again (after fixing what failed, e.g. creating
        its bank journal). The failed record stays as it was: a retry is a new record."""
        self.ensure_one()
        check_button(self, RETRY_GROUP)
        record = self.sudo()
        attachment = record.attachment_id
        if record.state != "failed":
            raise UserError(_("%s was not refused: only a failed file is retried.", record.name))
        if not attachment or attachment.name != record.name:
            raise UserError(_("%s: the original was not kept whole, so it cannot be retried; import the file "
                              "again from its source.", record.name))
        results = self._import_payload(attachment.raw, record.name, record.channel,
                                       record.connection_id or None, record.company_id)
        self.env["finance.audit.event"]._log("file.retried", record, summary=f"{record.name}: retried",
                                             payload={"results": results.ids}, company=record.company_id)
        return {"type": "ir.actions.act_window", "res_model": self._name, "name": _("Retry of %s", record.name),
                "views": [(False, "form")] if len(results) == 1 else [(False, "list"), (False, "form")],
                "res_id": results[:1].id, "domain": [("id", "in", results.ids)], "target": "current"}

    def action_view_statements(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        statements = self.statement_ids
        action = self.env["ir.actions.act_window"]._for_xml_id("finance_bridge_core.action_finance_bank_statement")
        action["domain"] = [("id", "in", statements.ids)]
        if len(statements) == 1:
            action.update(res_id=statements.id, views=[(self.env.ref(
                "finance_bridge_core.view_finance_bank_statement_form").id, "form")], view_mode="form")
        return action

    def action_view_lines(self):
        """The bank transactions this file created (not the other lines of its statements)."""
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        action = self.env["ir.actions.act_window"]._for_xml_id("finance_bridge_core.action_finance_bank_transaction")
        action.update(domain=[("finance_file_import_id", "=", self.id)], context={},
                      name=_("Transactions of %s", self.name))
        return action

    def action_view_sync_run(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        return {"type": "ir.actions.act_window", "res_model": "finance.sync.run", "res_id": self.sync_run_id.id,
                "views": [(False, "form")], "name": self.sync_run_id.display_name}

    def action_create_bank_journal(self):
        """A new bank journal form for the account and currency of a file no journal had."""
        self.ensure_one()
        check_button(self, JOURNAL_CREATORS)
        if not self.unknown_account:
            raise UserError(_("%s names no unknown bank account.", self.name))
        currency = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "=", self.unknown_currency)], limit=1) if self.unknown_currency else None
        # The journal form takes the company's own bank account record: found, or made for this number
        # (only the company's partner, only by a journal creator, so no contact rights are needed).
        partner = self.company_id.partner_id
        banks = self.env["res.partner.bank"].sudo()
        number = self.unknown_account.replace(" ", "").upper()
        bank = banks.search([("partner_id", "=", partner.id), ("sanitized_acc_number", "=", number)], limit=1) \
            or banks.create({"partner_id": partner.id, "acc_number": self.unknown_account})
        context = {"default_type": "bank", "default_bank_account_id": bank.id,
                   "default_name": _("Bank %s", self.unknown_account[-4:]), "default_company_id": self.company_id.id}
        if currency and currency != self.company_id.currency_id:
            context["default_currency_id"] = currency.id
        return {"type": "ir.actions.act_window", "res_model": "account.journal", "name": _("Create bank journal"),
                "views": [(False, "form")], "target": "new", "context": context}
