"""The Settings tab as a real form: typed widgets from the provider's schema, saved with their types,
required fields refused by name — over JSON-RPC as the web client sends it."""
from lxml import etree

from ..lib.provider_registry import register_provider, registry
from ..lib.settings_form import form_problems, slot_map, to_stored, to_widget
from .rpc_case import RpcAttackCase
from .test_provider_registry import EchoProvider

MODEL = "finance.bank.connection.settings"


class TestConnectionSettingsForm(RpcAttackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        register_provider(EchoProvider)
        cls.addClassCleanup(registry.unregister, EchoProvider.key)
        cls.conn = cls.env["finance.bank.connection"].create({"name": "Echo bank", "provider": "test_echo"})
        cls.context = {"default_connection_id": cls.conn.id, "finance_settings_provider_view_ref": "test_echo"}

    def test_pure_slot_map_and_conversions(self):
        slots = dict(slot_map(EchoProvider.config_schema))
        self.assertEqual({k: s.name for k, s in slots.items()},
                         {"char_1": "url", "int_1": "pages", "bool_1": "sandbox", "choice_1": "mode"})
        sandbox = slots["bool_1"]
        self.assertIs(to_widget(sandbox, None), True, "unset: the schema default")
        self.assertIs(to_widget(sandbox, "False"), False)
        self.assertEqual((to_stored(sandbox, False), to_stored(slots["int_1"], 3)), ("False", "3"))
        self.assertEqual(form_problems(EchoProvider.config_schema, {"url": False, "mode": "z"}),
                         ["URL: required", "Mode: choose one of a, b"])

    def test_form_opens_with_typed_widgets_and_labels(self):
        action = self.call_button("adv_conn_admin_a", "finance.bank.connection", "action_edit_settings",
                                  [self.conn.id]).result
        self.assertEqual((action["res_model"], action["target"]), (MODEL, "new"))
        # As the web client loads views: only lang and *_view_ref keys of the action's context reach get_views.
        view_context = {k: v for k, v in action["context"].items() if k == "lang" or k.endswith("_view_ref")}
        answer = self.call_kw("adv_conn_admin_a", MODEL, "get_views", [[[False, "form"]]], {"context": view_context})
        self.assertTrue(answer.ok, answer)
        arch = etree.fromstring(answer.result["views"]["form"]["arch"])
        fields = {f.get("string"): f for f in arch.iter("field") if f.get("string")}
        self.assertEqual(fields["URL *"].get("name"), "char_1", "a required field is marked *")
        self.assertIn(fields["URL *"].get("required"), ("1", "True", "true"))
        self.assertEqual(fields["URL *"].get("widget"), "url")
        described = answer.result["models"][MODEL]["fields"]
        self.assertEqual(described[fields["Pages"].get("name")]["type"], "integer")
        self.assertEqual(described[fields["Sandbox"].get("name")]["type"], "boolean")
        choice = described[fields["Mode"].get("name")]
        self.assertEqual((choice["type"], choice["selection"]), ("selection", [["a", "a"], ["b", "b"]]))
        defaults = self.call_kw("adv_conn_admin_a", MODEL, "default_get",
                                [["connection_id", "char_1", "int_1", "bool_1", "choice_1"]],
                                {"context": action["context"]}).result
        self.assertEqual((defaults["int_1"], defaults["bool_1"], defaults["choice_1"]), (1, True, "a"))

    def _save(self, login, values):
        created = self.call_kw(login, MODEL, "web_save", [[], values],
                               {"context": self.context, "specification": {"id": {}}})
        if not created.ok:
            return created
        return self.call_button(login, MODEL, "action_save", [created.result[0]["id"]],
                                {"context": self.context})

    def test_values_saved_with_their_types(self):
        answer = self._save("adv_conn_admin_a", {"connection_id": self.conn.id, "char_1": "https://echo.test",
                                                 "int_1": 3, "bool_1": False, "choice_1": "b"})
        self.assertTrue(answer.ok, answer)
        self.env.invalidate_all()
        stored = {s.key: s.value for s in self.conn.setting_ids}
        self.assertEqual(stored, {"url": "https://echo.test", "pages": "3", "sandbox": "False", "mode": "b"})
        self.assertEqual(self.conn._config(), {"url": "https://echo.test", "pages": 3, "sandbox": False, "mode": "b"})
        self.assertIn("echo.test", self.conn.settings_html)

    def test_required_refused_naming_the_field(self):
        answer = self._save("adv_conn_admin_a", {"connection_id": self.conn.id, "char_1": "", "int_1": 2,
                                                 "bool_1": True, "choice_1": "a"})
        self.assertRefused(answer)
        self.assertIn("URL: required", answer.message)
        answer = self._save("adv_conn_admin_a", {"connection_id": self.conn.id, "char_1": "ftp://echo.test"})
        self.assertIn("URL: 'ftp://echo.test' is not a web address", answer.message)
        self.env.invalidate_all()
        self.assertFalse(self.conn.setting_ids.filtered(lambda s: s.key == "url").value, "nothing saved")

    def test_only_connection_admins_edit(self):
        for login in ("adv_user_a", "adv_treasury_a", "adv_conn_admin_b"):
            self.assertRefused(self.call_button(login, "finance.bank.connection", "action_edit_settings",
                                                [self.conn.id]), login)
            self.assertRefused(self._save(login, {"connection_id": self.conn.id, "char_1": "https://evil.test"}),
                               login)
        self.env.invalidate_all()
        self.assertFalse(self.conn.setting_ids.filtered(lambda s: s.key == "url").value)
