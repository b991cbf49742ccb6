"""`make run`'s demo, end to end: the simulator as its own process (as the Makefile starts it), the demo
connection built from its state folder, Connect approved on the bank's page, Sync now → lines and
balances."""
import os
import tempfile
from unittest import mock

from .psd2_case import Psd2Case
from .sim import spawned_bank


class TestDemo(Psd2Case):
    def test_demo_connection_connect_and_sync_now(self):
        with tempfile.TemporaryDirectory(prefix="psd2demo-") as folder, \
                spawned_bank(folder, seed=3, demo=True) as (info, remote):
            with mock.patch.dict(os.environ, {"FINANCE_BRIDGE_PSD2_SIM": os.path.join(folder, "sim.json")}):
                conn = self.env["finance.bank.connection"]._psd2_setup_demo()
            self.assertEqual(conn.state, "draft")
            self.assertEqual(len(conn.account_ids), 2)
            self.connection, self.bank = conn, remote
            self.bank.psu_url = info["psu_url"]
            self.redirect = conn._oauth_redirect_uri()
            self.connect()
            notification = conn.action_sync_now()
            self.assertEqual(notification["params"]["type"], "success", notification["params"]["message"])
            journals = conn.account_ids.journal_id
            lines = self.env["account.bank.statement.line"].search([("journal_id", "in", journals.ids)])
            self.assertEqual(len(lines), 40 + 25)  # what the simulator's demo books on the two accounts
            balances = self.env["finance.bank.balance"].search([("journal_id", "in", journals.ids)])
            self.assertEqual(len(balances), 6)
            pending = self.env["finance.bank.pending.line"].search([("journal_id", "in", journals.ids)])
            self.assertEqual(len(pending), 2)
