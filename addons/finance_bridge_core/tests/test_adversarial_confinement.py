"""Adversarial class "confinement": server-side folders, secrets bound to their endpoint, the master key.

A Connection Administrator (over JSON-RPC) points folders outside the server's
roots, plants symbolic links, redirects an endpoint to his own listener; a node
runs with a wrong master key. Every case passes when the attack is refused.
"""
import json
import os
import shutil
import tempfile
from datetime import date
from unittest.mock import patch

from odoo.tools import config

from ..lib.json_statement_parser import statement_to_document
from ..lib.provider_registry import ConfigField, Provider, SecretField, registry
from ..lib.secret_box import SecretBox, generate_master_key, parse_master_key
from . import factories
from .common import make_statement
from .loopback_server import LoopbackHttpMixin, ScriptedServer
from .rpc_case import RpcAttackCase

API_KEY = "sk-live-4f1d2c9e-never-leaves"
ADMIN = "adv_conn_admin_a"


class KeyedHttpProvider(Provider):
    """Sends its API key to its endpoint on Test connection, like any API provider."""

    key = "test_keyed_http"
    label = "Keyed HTTP API"
    config_schema = (ConfigField("url", "Endpoint", "url", required=True),
                     ConfigField("region", "Region", "char", default="eu"))
    secret_schema = (SecretField("api_key", "API key"),)

    def test_connection(self):
        key = self.context.secrets("api_key") or ""
        self.context.http(retries=0).get(f"{self.config['url']}/ping", headers={"Authorization": f"Bearer {key}"})
        return "endpoint answered"


class OtherKeyedProvider(KeyedHttpProvider):
    """Another provider declaring a secret of the same name, and its endpoint under another name."""

    key = "test_keyed_http_other"
    label = "Other keyed HTTP API"
    config_schema = (ConfigField("endpoint", "Endpoint", "url", required=True),)

    def test_connection(self):
        key = self.context.secrets("api_key") or ""
        self.context.http(retries=0).get(self.config["endpoint"], headers={"Authorization": f"Bearer {key}"})
        return "endpoint answered"


def received(server, secret=API_KEY):
    """Whether ``secret`` reached ``server`` anywhere in a request (path, headers or body)."""
    return any(secret in path or secret in json.dumps(headers) or secret.encode() in body
               for _method, path, headers, body, _at in server.requests)


def outside_dir(case):
    """A folder outside the test roots (/tmp): under Odoo's data dir, removed after ``case``."""
    os.makedirs(config["data_dir"], exist_ok=True)
    path = tempfile.mkdtemp(prefix="fb_outside_", dir=config["data_dir"])
    case.addCleanup(shutil.rmtree, path, True)
    return path


def config_dir(case):
    """Outside the roots, a copy of the server's configuration file.

    A copy, not the real folder: on code without the fix the attack succeeds,
    and running the test there must not move the real configuration away.
    """
    path = outside_dir(case)
    shutil.copy(config["config"], os.path.join(path, "odoo.conf"))
    return path


class ConfinementCase(LoopbackHttpMixin, RpcAttackCase):
    adversarial_class = "confinement"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for provider in (KeyedHttpProvider, OtherKeyedProvider):
            registry.register(provider)
            cls.addClassCleanup(registry.unregister, provider.key)

    def setting(self, conn, key):
        return conn.setting_ids.filtered(lambda s: s.key == key)

    def secret(self, conn, key="api_key"):
        return conn.secret_ids.filtered(lambda s: s.key == key)

    def write_setting(self, login, conn, key, value):
        return self.call_kw(login, "finance.bank.connection.setting", "write",
                            [[self.setting(conn, key).id], {"value": value}])

    def outside_dir(self):
        return outside_dir(self)

    def config_dir(self):
        return config_dir(self)

    def root_dir(self):
        path = tempfile.mkdtemp(prefix="fb_root_")
        self.addCleanup(shutil.rmtree, path, True)
        return path


class KeyedCase(ConfinementCase):
    def keyed_connection(self, url, provider=KeyedHttpProvider.key):
        conn = self.env["finance.bank.connection"].create({"name": "Keyed API", "provider": provider})
        self.setting(conn, "url" if provider == KeyedHttpProvider.key else "endpoint").value = url
        self.secret(conn).value = API_KEY
        return conn


class TestNonBindingSettings(KeyedCase):
    """Not an attack: only settings that say where the secret goes unbind it."""

    adversarial_class = None

    def test_non_binding_setting_keeps_the_secret(self):
        with ScriptedServer() as bank:
            conn = self.keyed_connection(bank.url)
            self.write_setting(ADMIN, conn, "region", "us")
            self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])
            self.assertTrue(received(bank))


class TestSecretsBoundToEndpoint(KeyedCase):

    def test_endpoint_change_then_test_connection_sends_no_secret(self):
        with ScriptedServer() as bank, ScriptedServer() as listener:
            conn = self.keyed_connection(bank.url)
            answer = self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])
            self.assertTrue(answer.ok, answer)
            self.assertTrue(received(bank), "the bank gets the key: the test is not vacuous")
            self.write_setting(ADMIN, conn, "url", listener.url)
            self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])
            self.assertFalse(received(listener), "the API key reached the new endpoint")
        self.env.invalidate_all()
        self.assertFalse(self.secret(conn).is_set, "a secret bound to the old endpoint is still set")
        cleared = self.env["finance.audit.event"].search([("event_type", "=", "secret.clear")], order="id desc",
                                                         limit=1)
        self.assertIn("bound to", cleared.summary)

    def test_endpoint_changed_behind_the_orm_cannot_unseal(self):
        """A write path that is missed (here: SQL) still cannot send the key: it is sealed with the endpoint."""
        with ScriptedServer() as bank, ScriptedServer() as listener:
            conn = self.keyed_connection(bank.url)
            self.env.flush_all()
            self.env.cr.execute("UPDATE finance_bank_connection_setting SET value = %s WHERE id = %s",
                                (listener.url, self.setting(conn, "url").id))
            self.env.invalidate_all()
            answer = self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])
            self.assertFalse(received(listener), "the API key reached an endpoint it was not entered for")
            self.assertIn("bound to", json.dumps(answer.result or answer.message))

    def test_provider_switch_does_not_carry_secrets(self):
        with ScriptedServer() as bank, ScriptedServer() as listener:
            conn = self.keyed_connection(bank.url)
            self.call_kw(ADMIN, "finance.bank.connection", "write",
                         [[conn.id], {"provider": OtherKeyedProvider.key}])
            self.env.invalidate_all()
            if conn.provider == OtherKeyedProvider.key:
                self.write_setting(ADMIN, conn, "endpoint", listener.url)
            self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])
            self.assertFalse(received(listener), "the API key followed the connection to another provider")
            self.env.invalidate_all()
            self.assertFalse(self.secret(conn).is_set)

    def test_secret_row_moved_to_another_connection_does_not_open(self):
        with ScriptedServer() as bank, ScriptedServer() as listener:
            conn = self.keyed_connection(bank.url)
            trap = self.env["finance.bank.connection"].create({"name": "Trap", "provider": KeyedHttpProvider.key})
            self.setting(trap, "url").value = listener.url
            self.secret(trap).unlink()
            self.call_kw(ADMIN, "finance.bank.secret", "write", [[self.secret(conn).id], {"connection_id": trap.id}])
            self.env.invalidate_all()
            self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [trap.id])
            self.assertFalse(received(listener), "a secret moved to another connection opened there")

    def test_setting_row_replaced_over_rpc_sends_no_secret(self):
        with ScriptedServer() as bank, ScriptedServer() as listener:
            conn = self.keyed_connection(bank.url)
            self.call_kw(ADMIN, "finance.bank.connection.setting", "unlink", [[self.setting(conn, "url").id]])
            self.call_kw(ADMIN, "finance.bank.connection.setting", "create",
                         [{"connection_id": conn.id, "key": "url", "value": listener.url}])
            self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])
            self.assertFalse(received(listener), "the API key reached a re-created endpoint setting")


class TestMasterKeyFingerprint(ConfinementCase):
    def setUp(self):
        super().setUp()
        self.conn = self.env["finance.bank.connection"].create({"name": "Key test",
                                                                "provider": KeyedHttpProvider.key})
        self.setting(self.conn, "url").value = "http://127.0.0.1:9/"
        self.secret(self.conn).value = API_KEY   # sealed with the right key: fingerprint recorded
        self.wrong_key = generate_master_key()

    def token(self):
        self.env.cr.execute("SELECT ciphertext FROM finance_bank_secret WHERE id = %s", (self.secret(self.conn).id,))
        return self.env.cr.fetchone()[0]

    def test_wrong_master_key_refuses_to_seal(self):
        before = self.token()
        with patch.dict(config.options, {"finance_bridge_master_key": self.wrong_key}):
            answer = self.call_kw(ADMIN, "finance.bank.secret", "write",
                                  [[self.secret(self.conn).id], {"value": "new-value"}])
        self.assertRefused(answer)
        self.assertIn("master key is wrong", answer.message)
        self.assertIn("fingerprint", answer.message)
        self.assertEqual(self.token(), before, "a token sealed with the wrong key was stored")

    def test_wrong_master_key_refuses_to_unseal_even_its_own_tokens(self):
        """Tokens a misconfigured node wrote before the check existed do not open on it either."""
        wrong_box = SecretBox(parse_master_key(self.wrong_key))
        vault = self.env["finance.secret.vault"]
        secret = self.secret(self.conn)
        vault._store(secret, wrong_box.seal("planted", vault._aad(secret)))
        with patch.dict(config.options, {"finance_bridge_master_key": self.wrong_key}):
            with self.assertRaisesRegex(Exception, "fingerprint"):
                vault._open(secret)
            answer = self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [self.conn.id])
        self.assertIn("fingerprint", json.dumps(answer.result or answer.message))

    def test_database_without_fingerprint_refuses_a_key_that_sealed_nothing_here(self):
        from ..models.secret_vault import FINGERPRINT_PARAM  # here, so the module also loads on unfixed code
        self.env.cr.execute("DELETE FROM ir_config_parameter WHERE key = %s", (FINGERPRINT_PARAM,))
        self.env.registry.clear_cache()
        with patch.dict(config.options, {"finance_bridge_master_key": self.wrong_key}):
            answer = self.call_kw(ADMIN, "finance.bank.secret", "write",
                                  [[self.secret(self.conn).id], {"value": "new-value"}])
        self.assertRefused(answer)
        self.assertIn("master key is wrong", answer.message)

    def test_rotate_key_keeps_working(self):
        old_key, new_key = config["finance_bridge_master_key"], self.wrong_key
        vault = self.env["finance.secret.vault"]
        vault._rotate(old_key, new_key)
        self.assertEqual(vault._stored_fingerprint(), SecretBox(parse_master_key(new_key)).fingerprint)
        with patch.dict(config.options, {"finance_bridge_master_key": new_key}):
            self.assertEqual(vault._open(self.secret(self.conn)), API_KEY)
            answer = self.call_kw(ADMIN, "finance.bank.secret", "write",
                                  [[self.secret(self.conn).id], {"value": "after-rotation"}])
            self.assertTrue(answer.ok, answer)
            self.env.invalidate_all()
            self.assertEqual(vault._open(self.secret(self.conn)), "after-rotation")
        answer = self.call_kw(ADMIN, "finance.bank.secret", "write",
                              [[self.secret(self.conn).id], {"value": "old-node"}])
        self.assertRefused(answer, "a node still on the old key sealed a secret after the rotation")


class TestFolderRoots(ConfinementCase):
    """The core's watched folder (json_folder): paths resolved and confined, at save and at use."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journal = factories.BankJournalFactory()
        cls.iban = cls.journal.bank_account_id.sanitized_acc_number

    def setUp(self):
        super().setUp()
        self.inbox = os.path.join(self.root_dir(), "inbox")
        os.makedirs(self.inbox)
        self.conn = self.env["finance.bank.connection"].create({"name": "Folder", "provider": "json_folder"})
        self.setting(self.conn, "inbound_path").value = self.inbox
        self.conn.account_ids = [(0, 0, {"journal_id": self.journal.id})]
        self.conn.action_activate()

    def statement_file(self, folder, name="20260302-0001.json", amount="12.34", day=2):
        stmt = make_statement(self.iban, date(2026, 3, day), [amount], currency=self.env.company.currency_id.name)
        path = os.path.join(folder, name)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(statement_to_document(stmt), handle)
        return path

    def lines(self):
        return self.env["account.bank.statement.line"].search_count([("journal_id", "=", self.journal.id)])

    def force_path(self, path):
        """What a missed save path would leave: the value in the row, unchecked."""
        self.env.flush_all()
        self.env.cr.execute("UPDATE finance_bank_connection_setting SET value = %s WHERE id = %s",
                            (path, self.setting(self.conn, "inbound_path").id))
        self.env.invalidate_all()

    def sync(self):
        """A synchronisation as the cron runs it: the planted links are the attack, not who syncs."""
        run = self.conn._run_sync("manual")
        self.env.invalidate_all()
        return run

    def test_inbound_path_on_odoo_configuration_folder_refused(self):
        conf_dir = self.config_dir()
        answer = self.write_setting(ADMIN, self.conn, "inbound_path", conf_dir)
        self.assertRefused(answer)
        self.assertIn(conf_dir, answer.message)
        self.assertIn("finance_bridge_folder_roots", answer.message)
        # and at use time, should the value get there another way (pattern widened to read the .conf)
        self.force_path(conf_dir)
        self.setting(self.conn, "pattern_suffix").value = ".conf"
        before = os.listdir(conf_dir)
        self.sync()
        self.assertEqual(self.conn.sync_run_ids[:1].state, "failed")
        self.assertIn("finance_bridge_folder_roots", self.conn.last_error)
        self.assertEqual(os.listdir(conf_dir), before)

    def test_dotdot_traversal_refused(self):
        outside = self.outside_dir()
        self.statement_file(outside)
        climbing = self.inbox + "/.." * 12 + outside
        answer = self.write_setting(ADMIN, self.conn, "inbound_path", climbing)
        self.assertRefused(answer)
        self.assertIn("finance_bridge_folder_roots", answer.message)
        self.force_path(climbing)
        self.sync()
        self.assertEqual(self.lines(), 0, "a statement outside the roots was imported")

    def test_symlink_folder_into_etc_refused(self):
        link = os.path.join(os.path.dirname(self.inbox), "etc_link")
        os.symlink("/etc", link)
        answer = self.write_setting(ADMIN, self.conn, "inbound_path", link)
        self.assertRefused(answer)
        self.assertIn("/etc", answer.message)

    def test_folder_swapped_for_symlink_after_saving(self):
        outside = self.outside_dir()
        self.statement_file(outside)
        os.rmdir(self.inbox)
        os.symlink(outside, self.inbox)   # planted after the save-time check passed
        self.sync()
        self.assertEqual(self.lines(), 0, "a statement outside the roots was imported through a planted link")
        self.assertEqual(self.conn.sync_run_ids[:1].state, "failed")
        self.assertIn("finance_bridge_folder_roots", self.conn.last_error)

    def test_symlinked_file_inside_allowed_folder_not_read(self):
        outside = self.outside_dir()
        target = self.statement_file(outside)
        self.statement_file(self.inbox, "20260301-0001.json", amount="1.00", day=1)   # a genuine file
        os.symlink(target, os.path.join(self.inbox, "20260302-0001.json"))
        self.sync()
        self.assertEqual(self.lines(), 1, "only the regular file of the inbox is imported, not the link")
        self.assertTrue(os.path.isfile(target))

    def test_no_roots_configured_refuses_every_folder(self):
        with patch.dict(config.options, {"finance_bridge_folder_roots": ""}), \
                patch.dict(os.environ, {"FINANCE_BRIDGE_FOLDER_ROOTS": ""}):
            answer = self.write_setting(ADMIN, self.conn, "inbound_path", os.path.join(self.inbox, "sub"))
            self.assertRefused(answer)
            self.assertIn("no folder roots are configured", answer.message)
            self.statement_file(self.inbox)
            self.sync()
        self.assertEqual(self.lines(), 0)
        self.assertIn("finance_bridge_folder_roots", self.conn.last_error)
