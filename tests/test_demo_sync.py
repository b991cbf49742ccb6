"""The demo of `make run`: journals with IBANs and a folder connection whose Sync now imports lines."""
import shutil
import tempfile
from datetime import timedelta

from scenario_case import ScenarioCase

from odoo import fields


class TestDemoSync(ScenarioCase):
    def test_demo_connection_really_synchronises(self):
        inbox = tempfile.mkdtemp(prefix="fb_demo_")
        self.addCleanup(shutil.rmtree, inbox, True)
        connection = self.env["finance.bank.connection"].create({"name": "Demo", "provider": "json_folder"})
        journals = self.env["finance.bridge.demo"]._setup_demo(connection=connection, inbox=inbox)
        self.assertEqual(len(journals), 2)
        self.assertTrue(all(j.bank_account_id.acc_number.startswith("DE") for j in journals))
        self.assertEqual(connection.state, "active")
        # The README's promise: the scheduler does not take the demo before the user presses Sync now.
        self.assertGreater(connection.next_run, fields.Datetime.now() + timedelta(minutes=59))
        self.assertNotIn(connection, self.env["finance.bank.connection"].search(
            [("state", "=", "active"), ("next_run", "<=", fields.Datetime.now())]))
        self.assertIn("holds 6 statement file(s). 6 not imported yet.",
                      connection.action_test_connection()["params"]["message"])
        action = connection.action_sync_now()
        self.assertEqual(action["params"]["type"], "success", action["params"]["message"])
        lines = self.env["account.bank.statement.line"].search([("journal_id", "in", journals.ids)])
        self.assertEqual(len(lines), 18)  # 2 accounts x 3 days x 3 counterparties
        self.assertTrue(all(lines.partner_id), "every demo counterparty is found by IBAN")
        statements = lines.statement_id
        self.assertEqual(set(statements.mapped("finance_continuity")), {"unchecked", "ok"})
        self.assertTrue(all(statements.mapped("is_complete")))
        again = connection.action_sync_now()
        self.assertIn("0 line(s) created", again["params"]["message"])
        # Test connection no longer counts the files already imported as waiting.
        self.assertIn("holds 6 statement file(s). 0 not imported yet.",
                      connection.action_test_connection()["params"]["message"])
