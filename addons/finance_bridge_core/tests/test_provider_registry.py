"""Providers plug in by registration; the core needs no change to offer them."""
import unittest

from odoo.tests.common import TransactionCase

from ..lib.dto import FetchResult
from ..lib.errors import ConfigurationError
from ..lib.provider_registry import (
    Capability,
    ConfigField,
    Provider,
    ProviderRegistry,
    SecretField,
    register_provider,
    registry,
    validate_config,
)


class EchoProvider(Provider):
    key = "test_echo"
    label = "Test echo bank"
    capabilities = frozenset({Capability.STATEMENTS})
    config_schema = (ConfigField("url", "URL", "url", required=True),
                     ConfigField("pages", "Pages", "int", default=1),
                     ConfigField("sandbox", "Sandbox", "bool", default=True),
                     ConfigField("mode", "Mode", "selection", default="a", choices=("a", "b")))
    secret_schema = (SecretField("api_key", "API key", required=True),)

    def test_connection(self):
        return f"echo {self.config['url']}"

    def fetch_statements(self, account, cursor):
        return FetchResult(next_cursor=cursor)


class TestRegistryPure(unittest.TestCase):
    def test_register_and_get(self):
        reg = ProviderRegistry()
        reg.register(EchoProvider)
        self.assertIs(reg.get("test_echo"), EchoProvider)
        self.assertEqual([k for k, _c in reg.items()], ["test_echo"])

    def test_unknown_key(self):
        with self.assertRaisesRegex(ConfigurationError, "no provider is registered under 'nope'"):
            ProviderRegistry().get("nope")

    def test_key_clash_refused(self):
        reg = ProviderRegistry()
        reg.register(EchoProvider)
        other = type("Other", (Provider,), {"key": "test_echo"})
        with self.assertRaisesRegex(ValueError, "already registered"):
            reg.register(other)

    def test_provider_needs_key(self):
        with self.assertRaisesRegex(ValueError, "no provider key"):
            ProviderRegistry().register(type("Nameless", (Provider,), {}))

    def test_validate_config_coerces_and_defaults(self):
        config = validate_config(EchoProvider, {"url": "https://bank.test", "pages": "3", "sandbox": "false"})
        self.assertEqual(config, {"url": "https://bank.test", "pages": 3, "sandbox": False, "mode": "a"})

    def test_validate_config_names_every_problem(self):
        with self.assertRaises(ConfigurationError) as ctx:
            validate_config(EchoProvider, {"pages": "x", "mode": "c", "extra": 1})
        text = str(ctx.exception)
        for fragment in ("url: required", "pages: 'x' is not a valid int", "mode: 'c'", "extra: not a setting"):
            self.assertIn(fragment, text)

    def test_folder_provider_registered(self):
        cls = registry.get("json_folder")
        self.assertIn(Capability.STATEMENTS, cls.capabilities)


class TestRegistryInOdoo(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        register_provider(EchoProvider)
        cls.addClassCleanup(registry.unregister, "test_echo")

    def test_plugged_provider_offered_as_selection(self):
        keys = dict(self.env["finance.bank.connection"]._selection_provider())
        self.assertEqual(keys["test_echo"], "Test echo bank")
        self.assertIn("json_folder", keys)

    def test_connection_gets_schema_rows_and_provider_context(self):
        conn = self.env["finance.bank.connection"].create({"name": "Echo", "provider": "test_echo"})
        self.assertEqual(sorted(conn.setting_ids.mapped("key")), ["mode", "pages", "sandbox", "url"])
        self.assertEqual(conn.secret_ids.key, "api_key")
        with self.assertRaisesRegex(ConfigurationError, "url: required"):
            conn._make_provider()
        conn.setting_ids.filtered(lambda s: s.key == "url").value = "https://echo.test"
        with self.assertRaisesRegex(ConfigurationError, "missing secrets: API key"):
            conn._make_provider()
        conn.secret_ids.value = "k-123456"
        provider = conn._make_provider()
        self.assertIsInstance(provider, EchoProvider)
        self.assertEqual(provider.context.secrets("api_key"), "k-123456")
        self.assertEqual(provider.test_connection(), "echo https://echo.test")
        self.assertEqual(conn.provider_capabilities, "statements")

    def test_provider_of_uninstalled_addon_hidden(self):
        alien = type("Alien", (Provider,), {"key": "test_alien", "label": "Alien",
                                            "__module__": "odoo.addons.not_installed_addon.providers"})
        registry.register(alien)
        self.addCleanup(registry.unregister, "test_alien")
        keys = dict(self.env["finance.bank.connection"]._selection_provider())
        self.assertNotIn("test_alien", keys)
