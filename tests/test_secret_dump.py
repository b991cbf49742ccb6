"""Acceptance: a dump of the database does not contain a secret's plaintext."""
import os
import subprocess
import tempfile
import uuid

from odoo.addons.finance_bridge_core.tests.committed_case import CommittedCase


class TestSecretNotInDump(CommittedCase):
    def test_pg_dump_has_no_plaintext(self):
        canary = f"dump-canary-{uuid.uuid4().hex}"
        with self.transaction() as env:
            connection = env["finance.bank.connection"].create({"name": "Dump test", "provider": "json_folder"})
            secret = env["finance.bank.secret"].create({"connection_id": connection.id, "key": "password",
                                                       "label": "Password"})
            secret.value = canary
            connection_id = connection.id
        try:
            with tempfile.NamedTemporaryFile(suffix=".sql") as dump:
                subprocess.run(["pg_dump", "--no-owner", "-f", dump.name, self.registry.db_name],
                               check=True, timeout=300, env=dict(os.environ))
                text = open(dump.name, encoding="utf-8", errors="replace").read()
            self.assertIn("fb1$", text, "the sealed token should be in the dump")
            self.assertNotIn(canary, text)
            self.assertNotIn(canary.encode().hex(), text)
        finally:
            with self.transaction() as env:
                env["finance.bank.connection"].browse(connection_id).unlink()
