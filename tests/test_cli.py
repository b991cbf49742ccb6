"""The operator commands: `odoo finance_bridge verify-audit | rotate-key | generate-key`."""
import os
import pathlib
import subprocess
import sys
import tempfile
from unittest.mock import patch

from odoo.tools import config

from odoo.addons.finance_bridge_core.lib.secret_box import SecretBox, generate_master_key, parse_master_key
from odoo.addons.finance_bridge_core.tests.committed_case import CommittedCase

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONF = str(ROOT / ".odoo-test.conf")



class TestCli(CommittedCase):
    def test_generate_key(self):
        result = subprocess.run([sys.executable, "-m", "odoo", f"--addons-path={ROOT / 'addons'}",
                                 "finance_bridge", "generate-key"], capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(result.stdout.strip()), 44)

    def test_verify_audit_reports_intact_then_broken(self):
        with self.transaction() as env:
            env["finance.audit.event"]._log("cli.test", summary="cli verify")
        db = self.registry.db_name
        base = [sys.executable, "-m", "odoo", f"--addons-path={ROOT / 'addons'}", "finance_bridge",
                "verify-audit", "-c", CONF, "-d", db]
        ok = subprocess.run(base, capture_output=True, text=True, timeout=300)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("intact", ok.stdout)
        with self.transaction() as env:
            env.cr.execute("SELECT id, summary FROM finance_audit_event WHERE event_type = 'cli.test' "
                           "AND hash IS NOT NULL ORDER BY id DESC LIMIT 1")
            event_id, summary = env.cr.fetchone()
            env.cr.execute("UPDATE finance_audit_event SET summary = 'tampered' WHERE id = %s", (event_id,))
        try:
            broken = subprocess.run(base, capture_output=True, text=True, timeout=300)
            self.assertEqual(broken.returncode, 1, broken.stdout + broken.stderr)
            self.assertIn("BROKEN at #", broken.stdout)
        finally:
            with self.transaction() as env:
                env.cr.execute("UPDATE finance_audit_event SET summary = %s WHERE id = %s", (summary, event_id))

    def test_verify_audit_detects_truncation_against_anchor_file(self):
        """The external anchor file still catches a cut-off chain when the database anchors are gone too."""
        from odoo.addons.finance_bridge_core.models.audit_anchor import ANCHOR_FILE_OPTION
        from odoo.addons.finance_bridge_core.models.audit_event import audit_key
        with tempfile.TemporaryDirectory() as folder:
            anchors, conf = os.path.join(folder, "anchors.log"), os.path.join(folder, "odoo.conf")
            with open(CONF, encoding="utf-8") as source, open(conf, "w", encoding="utf-8") as target:
                target.write(source.read().rstrip("\n") + f"\n{ANCHOR_FILE_OPTION} = {anchors}\n")
            with self.transaction() as env:
                env["finance.audit.event"]._log("cli.anchor", summary="about to be cut off")
                company_id = env.company.id
            with patch.dict(config.options, {ANCHOR_FILE_OPTION: anchors}), self.transaction() as env:
                head = env["finance.audit.anchor"]._anchor_company(company_id, audit_key())
            with self.transaction() as env:
                env.cr.execute("DELETE FROM finance_audit_anchor WHERE company_id = %s RETURNING *", (company_id,))
                saved_anchors = env.cr.dictfetchall()
                env.cr.execute("DELETE FROM finance_audit_event WHERE company_id = %s AND sequence = %s RETURNING *",
                               (company_id, head.sequence))
                saved_event = env.cr.dictfetchall()
            try:
                result = subprocess.run([sys.executable, "-m", "odoo", f"--addons-path={ROOT / 'addons'}",
                                         "finance_bridge", "verify-audit", "-c", conf, "-d", self.registry.db_name],
                                        capture_output=True, text=True, timeout=300)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn(f"BROKEN at #{head.sequence}: truncated after anchor #{head.sequence} (file)",
                              result.stdout)
            finally:
                with self.transaction() as env:
                    for table, rows in (("finance_audit_event", saved_event), ("finance_audit_anchor", saved_anchors)):
                        for row in rows:
                            env.cr.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES "
                                           f"({', '.join(['%s'] * len(row))})", list(row.values()))

    def test_rotate_key_command(self):
        old_key, new_key = config["finance_bridge_master_key"], generate_master_key()
        with self.transaction() as env:
            conn = env["finance.bank.connection"].create({"name": "CLI rotate", "provider": "json_folder"})
            secret = env["finance.bank.secret"].create({"connection_id": conn.id, "key": "k", "label": "K"})
            secret.value = "rotate-me-please"
            conn_id, secret_id = conn.id, secret.id
        try:
            with tempfile.NamedTemporaryFile("w", suffix=".key") as key_file:
                key_file.write(new_key)
                key_file.flush()
                result = subprocess.run(
                    [sys.executable, "-m", "odoo", f"--addons-path={ROOT / 'addons'}", "finance_bridge",
                     "rotate-key", "--new-key-file", key_file.name, "-c", CONF, "-d", self.registry.db_name],
                    capture_output=True, text=True, timeout=300,
                    env=dict(os.environ, FINANCE_BRIDGE_OLD_MASTER_KEY=old_key))
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertRegex(result.stdout, r"rotated=[1-9]\d* already=0")
            with self.transaction() as env, patch.dict(config.options, {"finance_bridge_master_key": new_key}):
                self.assertEqual(env["finance.secret.vault"]._stored_fingerprint(),
                                 SecretBox(parse_master_key(new_key)).fingerprint, "rotate-key records the new key")
                self.assertEqual(env["finance.secret.vault"]._open(env["finance.bank.secret"].browse(secret_id)),
                                 "rotate-me-please")
        finally:
            with self.transaction() as env:
                env["finance.secret.vault"]._rotate(new_key, old_key)
                env["finance.bank.connection"].browse(conn_id).unlink()
