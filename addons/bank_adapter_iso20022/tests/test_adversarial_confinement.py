"""Adversarial class "confinement" for the file channels: watched folders and SFTP.

Save-time attacks are sent over JSON-RPC as the Connection Administrator;
use-time attacks are links planted on disk after the settings were accepted,
then a normal synchronisation runs. Every case passes when the attack is refused.
"""
import os
import shutil
import tempfile

from odoo.addons.finance_bridge_core.tests import factories
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.addons.finance_bridge_core.tests.test_adversarial_confinement import config_dir, outside_dir

from .capturing_sshd import CapturingSshd
from .test_channels import ChannelCase, batch

ADMIN = "adv_conn_admin_a"
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHcFUVqHUmCPyInAZEoJ7JdIqs5t3GZ0OL2G4z1l2yS9"
ATTACKER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPQ3rXlzvW4Q0ZB6dcQ0y3J3XcYjzyJ3cNv8c9T2Kf0A"


class TestFolderChannelPathsOverRpc(RpcAttackCase):
    adversarial_class = "confinement"

    def setUp(self):
        super().setUp()
        factories.bind(self.env)
        self.root = tempfile.mkdtemp(prefix="fb_folder_")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.inbound = os.path.join(self.root, "in")
        os.makedirs(self.inbound)
        self.conn = self.env["finance.bank.connection"].create({"name": "Folder", "provider": "iso20022_folder"})

    def write_path(self, key, value):
        setting = self.conn.setting_ids.filtered(lambda x: x.key == key)
        return self.call_kw(ADMIN, "finance.bank.connection.setting", "write", [[setting.id], {"value": value}])

    def test_inbound_on_odoo_configuration_folder_refused(self):
        conf_dir = config_dir(self)
        answer = self.write_path("inbound_path", conf_dir)
        self.assertRefused(answer)
        self.assertIn(conf_dir, answer.message)
        self.assertIn("finance_bridge_folder_roots", answer.message)

    def test_outbound_outside_roots_refused(self):
        answer = self.write_path("outbound_path", outside_dir(self))
        self.assertRefused(answer)
        self.assertIn("finance_bridge_folder_roots", answer.message)

    def test_dotdot_out_of_the_roots_refused(self):
        answer = self.write_path("inbound_path", self.inbound + "/../../../etc")
        self.assertRefused(answer)
        self.assertIn("resolves to /etc", answer.message)

    def test_symlinked_folder_into_etc_refused(self):
        link = os.path.join(self.root, "bank")
        os.symlink("/etc", link)
        answer = self.write_path("inbound_path", link)
        self.assertRefused(answer)
        self.assertIn("/etc", answer.message)


class TestFolderChannelPlantedLinks(ChannelCase):
    adversarial_class = "confinement"

    def setUp(self):
        super().setUp()
        self.folder_connection()
        self.outside = outside_dir(self)

    def drop(self, folder, name, data):
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def imports(self):
        return self.env["finance.file.import"].search([("connection_id", "=", self.conn.id)])

    def refused_ack(self):
        """Run the post-commit acknowledgements; the refused move is logged, never made."""
        with self.assertLogs("odoo.addons.finance_bridge_core.models.sync_engine", "WARNING") as logs:
            self.commit_hooks()
        return "\n".join(logs.output)

    def test_inbound_forced_onto_odoo_configuration_folder_reads_nothing(self):
        conf_dir = config_dir(self)
        before = sorted(os.listdir(conf_dir))
        setting = self.conn.setting_ids.filtered(lambda x: x.key == "inbound_path")
        self.env.flush_all()
        self.env.cr.execute("UPDATE finance_bank_connection_setting SET value = %s WHERE id = %s",
                            (conf_dir, setting.id))
        self.env.invalidate_all()
        run = self.conn._run_sync("manual")
        self.commit_hooks()
        self.assertEqual(run.state, "failed")
        self.assertIn("finance_bridge_folder_roots", run.error)
        self.assertFalse(self.imports(), "a file of the configuration folder was stored as an import")
        self.assertEqual(sorted(os.listdir(conf_dir)), before, "the configuration folder was changed")

    def test_symlinked_file_inside_inbound_not_imported_nor_moved(self):
        target = self.drop(self.outside, "camt.xml", self.camt())
        os.symlink(target, os.path.join(self.inbound, "stmt.xml"))
        run = self.conn._run_sync("manual")
        self.commit_hooks()
        self.assertEqual(run.lines_created, 0)
        self.assertFalse(self.imports(), "a file outside the roots was stored through a link")
        self.assertTrue(os.path.isfile(target))
        self.assertTrue(os.path.islink(os.path.join(self.inbound, "stmt.xml")), "the link was moved")

    def test_failed_subfolder_swapped_for_symlink(self):
        self.drop(self.inbound, "bad.xml", b"<broken")
        os.symlink(self.outside, os.path.join(self.inbound, "failed"))
        self.conn._run_sync("manual")
        error = self.refused_ack()
        self.assertEqual(os.listdir(self.outside), [], "a file was moved out of the roots through failed/")
        self.assertIn("symbolic link", error)

    def test_processed_subfolder_swapped_for_symlink(self):
        self.drop(self.inbound, "a.xml", self.camt())
        os.symlink(self.outside, os.path.join(self.inbound, "processed"))
        self.conn._run_sync("manual")
        error = self.refused_ack()
        self.assertEqual(os.listdir(self.outside), [], "a file was moved out of the roots through processed/")
        self.assertIn("symbolic link", error)
        self.assertTrue(os.path.isfile(os.path.join(self.inbound, "a.xml")))

    def test_inbound_folder_swapped_for_symlink_after_saving(self):
        self.drop(self.outside, "camt.xml", self.camt())
        os.rmdir(self.inbound)
        os.symlink(self.outside, self.inbound)
        run = self.conn._run_sync("manual")
        self.commit_hooks()
        self.assertEqual(run.state, "failed")
        self.assertFalse(self.imports())
        self.assertEqual(os.listdir(self.outside), ["camt.xml"])

    def test_outbound_temp_file_planted_as_symlink_not_followed(self):
        victim = self.drop(self.outside, "victim.txt", b"keep me")
        os.symlink(victim, os.path.join(self.outbound, ".pain001-PAY-1.xml.part"))
        self.conn._make_provider().submit_payment_batch(batch(), idempotency_key="outbox-key")
        with open(victim, "rb") as handle:
            self.assertEqual(handle.read(), b"keep me", "the payment file was written through a planted link")
        self.assertFalse(os.path.islink(os.path.join(self.outbound, "pain001-PAY-1.xml")))


class TestSftpSecretsBoundToServer(RpcAttackCase):
    adversarial_class = "confinement"

    def setUp(self):
        super().setUp()
        self.conn = self.env["finance.bank.connection"].create({"name": "SFTP", "provider": "iso20022_sftp"})
        for key, value in {"host": "sftp.bank.example", "port": "22", "username": "us",
                           "host_key": HOST_KEY}.items():
            self.conn.setting_ids.filtered(lambda x, k=key: x.key == k).value = value
        for key in ("password", "private_key"):
            self.conn.secret_ids.filtered(lambda x, k=key: x.key == k).value = f"{key}-of-the-bank-login"

    def redirect(self, key, value):
        setting = self.conn.setting_ids.filtered(lambda x: x.key == key)
        return self.call_kw(ADMIN, "finance.bank.connection.setting", "write", [[setting.id], {"value": value}])

    def assert_secrets_gone(self):
        self.env.invalidate_all()
        vault = self.env["finance.secret.vault"]
        for secret in self.conn.secret_ids:
            self.assertFalse(secret.is_set, f"{secret.key} still set")
            self.assertIsNone(vault._open(secret), f"{secret.key} still opens")
        events = self.env["finance.audit.event"].search([("event_type", "=", "secret.clear")])
        self.assertTrue(any("bound to" in e.summary for e in events), "the clearing was not audited")

    def test_host_change_clears_secrets(self):
        self.redirect("host", "sftp.attacker.example")
        self.assert_secrets_gone()

    def test_host_key_change_clears_secrets(self):
        self.redirect("host_key", ATTACKER_KEY)
        self.assert_secrets_gone()

    def test_port_or_user_change_clears_secrets(self):
        self.redirect("port", "2222")
        self.assert_secrets_gone()

    def test_redirected_server_gets_no_password_on_test_connection(self):
        """The whole attack: host, port and host key of the attacker's own server, then Test connection."""
        self.conn.secret_ids.filtered(lambda x: x.key == "private_key").action_clear()   # password login
        with CapturingSshd() as attacker:
            for key, value in (("host", "127.0.0.1"), ("port", str(attacker.port)),
                               ("host_key", attacker.host_key_line())):
                self.redirect(key, value)
            self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [self.conn.id])
        self.assertFalse([a for a in attacker.attempts if a[0] == "password" and "bank-login" in (a[2] or "")],
                         f"the bank password reached the attacker's server: {attacker.attempts}")
