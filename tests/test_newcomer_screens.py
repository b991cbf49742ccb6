"""The screens a finance user opens first (issue 12): upload of a file for an unknown account,
Create bank journal, Retry, the file's statements, the line's references, readable names."""
import base64

from odoo.addons.bank_adapter_iso20022.tests import samples
from odoo.addons.risk_screening.models.risk_list_entry import name_hash
from odoo.exceptions import AccessError
from odoo.tests import Form
from odoo.tests.common import new_test_user
from scenario_case import ScenarioCase

IBAN = "GB33BUKB20201555555555"


class TestNewcomerScreens(ScenarioCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.treasurer = new_test_user(cls.env, "nc_treasurer", groups="finance_bridge_core.group_treasury_manager")
        cls.accountant = new_test_user(cls.env, "nc_accountant", groups=(
            "finance_bridge_core.group_treasury_manager,account.group_account_manager,base.group_partner_manager"))
        cls.euro = cls.env.ref("base.EUR")
        cls.euro.active = True
        entries = samples.entry("250.00", "CRDT", ref="ACSR-NC-1", txs=samples.tx(
            ind="CRDT", e2e="E2E-NC-1", uetr="3b5f4c9e-8d2a-4f6b-9c1e-7a2d5e8f0b13", ustrd="Invoice 42"))
        cls.camt = samples.camt053(iban=IBAN, ccy="EUR", entries=entries, seq="1")

    def _upload(self, user):
        attachment = self.env["ir.attachment"].with_user(user).create(
            {"name": "unknown.xml", "datas": base64.b64encode(self.camt)})
        wizard = self.env["finance.file.upload"].with_user(user).create({"attachment_ids": [(6, 0, attachment.ids)]})
        action = wizard.action_import()
        self.assertEqual(action["name"], "Upload results")  # not "Odoo"
        self.wizard = wizard
        return wizard.import_ids

    def test_unknown_account_create_journal_and_retry(self):
        failed = self._upload(self.accountant)
        self.assertEqual(failed.state, "failed")
        self.assertNotIn(IBAN, failed.error)  # the error text masks the number for every reader …
        self.assertEqual(failed.with_user(self.accountant).unknown_account, IBAN)  # … the journal creator sees it
        self.assertEqual(failed.with_user(self.accountant).unknown_currency, "EUR")
        with self.assertRaises(AccessError):
            failed.with_user(self.treasurer).read(["unknown_account"])
        with self.assertRaises(AccessError):
            failed.with_user(self.treasurer).action_create_bank_journal()

        self.wizard.invalidate_recordset()  # as the dialog reads it: in the next request
        self.assertEqual(self.wizard.unknown_account, IBAN)  # the results dialog offers the journal
        self.assertEqual(self.wizard.action_create_bank_journal()["context"],
                         failed.with_user(self.accountant).action_create_bank_journal()["context"])
        action = failed.with_user(self.accountant).action_create_bank_journal()
        self.assertEqual((action["res_model"], action["target"]), ("account.journal", "new"))
        defaults = {k[len("default_"):]: v for k, v in action["context"].items() if k.startswith("default_")}
        self.assertEqual((defaults["type"], defaults["currency_id"]), ("bank", self.euro.id))
        self.assertEqual(self.env["res.partner.bank"].browse(defaults["bank_account_id"]).sanitized_acc_number, IBAN)
        with Form(self.env["account.journal"].with_user(self.accountant).with_context(action["context"])) as form:
            form.code = "NCGB"  # what the user types; the rest comes filled in
        journal = form.record
        self.assertEqual(journal.bank_account_id.sanitized_acc_number, IBAN)

        result = failed.with_user(self.accountant).action_retry()
        retried = self.env["finance.file.import"].browse(result["res_id"])
        self.assertEqual((retried.state, retried.lines_created), ("done", 1), retried.error)
        self.assertEqual(failed.state, "failed")  # evidence: the failed record stays as it was
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "file.retried"),
                                                                 ("res_id", "=", failed.id)]))
        statement = retried.statement_ids
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.journal_id, journal)
        self.assertEqual(statement.finance_file_import_ids, retried)
        line = statement.line_ids
        self.assertEqual((line.finance_end_to_end_id, line.finance_acct_svcr_ref, line.finance_uetr),
                         ("E2E-NC-1", "ACSR-NC-1", "3b5f4c9e-8d2a-4f6b-9c1e-7a2d5e8f0b13"))
        self.assertIn("Invoice 42", line.finance_remittance)
        self.assertIn("EndToEndId", line.finance_details_html)
        self.assertEqual(line.finance_file_import_ids, retried)
        opened = retried.action_view_statements()
        self.assertEqual(opened["res_id"], statement.id)
        # a file that did not fail is not retried; a duplicate names the file it repeats
        with self.assertRaisesRegex(Exception, "only a failed file is retried"):
            retried.with_user(self.accountant).action_retry()
        again = self._upload(self.accountant)
        self.assertEqual(again.state, "duplicate")
        self.assertFalse(again.statement_ids)

    def test_readable_names(self):
        connection = self.env["finance.bank.connection"].create({"name": "Readable", "provider": "json_folder"})
        run = self.env["finance.sync.run"].sudo().create({"connection_id": connection.id, "trigger": "manual"})
        self.assertTrue(run.display_name.startswith("Readable · Sync now · "), run.display_name)
        self.env["finance.audit.event"]._log("connection.test", connection, summary="test",
                                             payload={"result": "success", "nested": {"a": 1}})
        event = self.env["finance.audit.event"].search([("event_type", "=", "connection.test"),
                                                        ("res_id", "=", connection.id)], limit=1)
        self.assertEqual(event.record_display, "Bank connection: Readable")
        self.assertIn("<th class='text-nowrap pe-3 align-top'>Result</th>", event.payload_html)
        source = self.env.ref("risk_screening.source_ofac_sdn")
        entry = self.env["risk.list.entry"].sudo().create({
            "source_id": source.id, "ref": "NC-1", "entry_type": "person", "name": "PETROV, Ivan",
            "names": [["PETROV, Ivan", True, True], ["Vanya", False, False]], "identifiers": {"passport": ["X1"]}})
        self.assertIn("<td>weak</td>", entry.names_html)
        self.assertIn("X1", entry.identifiers_html)
        allow = self.env["risk.allowlist"].sudo().new({"entry_id": entry.id, "screened_name": "Ivan Petrov",
                                                        "name_hash": name_hash("Ivan Petrov")})
        self.assertEqual(allow.display_name, "Ivan Petrov ≠ PETROV, Ivan")
