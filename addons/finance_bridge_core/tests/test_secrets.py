"""Secrets: encrypted at rest, write-only for everyone, rotatable, never in the audit."""
import os
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests.common import TransactionCase
from odoo.tools import config

from ..lib.errors import SecretKeyError
from ..lib.provider_registry import Provider, SecretField, registry
from ..lib.secret_box import generate_master_key
from . import factories

PLAINTEXT = "correct-horse-battery-staple-4711"


class SecretProvider(Provider):
    key = "test_secret_holder"
    label = "Secret holder"
    secret_schema = (SecretField("password", "Password", required=True),
                     SecretField("private_key", "Private key"))


class TestSecrets(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        registry.register(SecretProvider)
        cls.addClassCleanup(registry.unregister, SecretProvider.key)
        cls.connection = factories.ConnectionFactory(provider=SecretProvider.key)
        cls.secret = cls.connection.secret_ids.filtered(lambda s: s.key == "password")
        cls.secret.value = PLAINTEXT

    def raw_token(self):
        self.env.cr.execute("SELECT ciphertext FROM finance_bank_secret WHERE id = %s", (self.secret.id,))
        return self.env.cr.fetchone()[0]

    def test_encrypted_at_rest_and_round_trip(self):
        token = self.raw_token()
        self.assertTrue(token.startswith("fb1$"))
        self.assertNotIn(PLAINTEXT, token)
        self.assertEqual(self.env["finance.secret.vault"]._open(self.secret), PLAINTEXT)
        self.assertTrue(self.secret.is_set)

    def test_value_field_never_shows_secret(self):
        self.secret.invalidate_recordset()
        self.assertFalse(self.secret.value)
        self.assertFalse(self.secret.read(["value"])[0]["value"])

    def test_ciphertext_refused_to_read_even_for_superuser(self):
        for env in (self.env, self.env(su=False)):
            with self.assertRaises(AccessError):
                env["finance.bank.secret"].browse(self.secret.id).read(["ciphertext"])
            with self.assertRaises(AccessError):
                env["finance.bank.secret"].search_read([("id", "=", self.secret.id)], ["ciphertext"])

    def test_ciphertext_not_in_default_read_fields_get_or_export(self):
        data = self.secret.read()[0]
        self.assertNotIn("ciphertext", data)
        self.assertNotIn("ciphertext", self.env["finance.bank.secret"].fields_get())
        with self.assertRaises(AccessError):
            self.secret.export_data(["ciphertext"])

    def test_ciphertext_not_searchable_nor_writable(self):
        with self.assertRaises(AccessError):
            self.env["finance.bank.secret"].search([("ciphertext", "like", "fb1$")])
        with self.assertRaises(AccessError):
            self.secret.write({"ciphertext": "fb1$forged$AAAA"})

    def test_missing_master_key_is_a_clear_error(self):
        with patch.dict(config.options, {"finance_bridge_master_key": ""}), \
                patch.dict(os.environ, {"FINANCE_BRIDGE_MASTER_KEY": ""}):
            with self.assertRaisesRegex(SecretKeyError, "no master key: set finance_bridge_master_key"):
                self.env["finance.secret.vault"]._open(self.secret)

    def test_wrong_master_key_is_a_clear_error(self):
        with patch.dict(config.options, {"finance_bridge_master_key": generate_master_key()}):
            with self.assertRaisesRegex(SecretKeyError, "master key is wrong"):
                self.env["finance.secret.vault"]._open(self.secret)

    def test_rotation_reencrypts_everything(self):
        other = self.connection.secret_ids.filtered(lambda s: s.key == "private_key")
        other.value = "-----BEGIN KEY-----abc"
        old_key, new_key = config["finance_bridge_master_key"], generate_master_key()
        counts = self.env["finance.secret.vault"]._rotate(old_key, new_key)
        self.assertEqual((counts["rotated"], counts["already"]), (2, 0))
        with patch.dict(config.options, {"finance_bridge_master_key": new_key}):
            self.assertEqual(self.env["finance.secret.vault"]._open(self.secret), PLAINTEXT)
            self.assertEqual(self.env["finance.secret.vault"]._open(other), "-----BEGIN KEY-----abc")
        with self.assertRaisesRegex(SecretKeyError, "master key is wrong"):
            self.env["finance.secret.vault"]._open(self.secret)
        again = self.env["finance.secret.vault"]._rotate(old_key, new_key)
        self.assertEqual((again["rotated"], again["already"]), (0, 2))

    def test_non_admin_cannot_set_secret(self):
        user = self.env["res.users"].create({
            "name": "Reader", "login": "fb_reader_secret",
            "group_ids": [(6, 0, [self.env.ref("finance_bridge_core.group_finance_user").id])]})
        with self.assertRaises(AccessError):
            self.secret.with_user(user).write({"value": "x"})

    def test_audit_records_change_not_secret(self):
        events = self.env["finance.audit.event"].search([("event_type", "=", "secret.set")])
        self.assertTrue(events)
        for event in events:
            self.assertNotIn(PLAINTEXT, event.payload)
            self.assertNotIn(PLAINTEXT, event.summary)

    def test_clear_secret(self):
        self.secret.action_clear()
        self.assertFalse(self.secret.is_set)
        self.assertIsNone(self.raw_token())
