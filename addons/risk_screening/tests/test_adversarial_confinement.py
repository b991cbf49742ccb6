"""Adversarial class "confinement": the remote screening service's API key is bound to its URL.

A Connection Administrator who never saw the key points the yente connection at
his own listener (over JSON-RPC) and presses Test connection: the key must not arrive.
"""
import json

from odoo.addons.finance_bridge_core.tests.loopback_server import LoopbackHttpMixin, ScriptedServer
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase

API_KEY = "yente-api-key-7d2b41c0"
ADMIN = "adv_conn_admin_a"
ANSWER = (200, {"Content-Type": "application/json"}, json.dumps({"responses": {}}).encode(), 0)


def received(server):
    return any(API_KEY in json.dumps(headers) or API_KEY in path or API_KEY.encode() in body
               for _method, path, headers, body, _at in server.requests)


class TestYenteKeyBoundToUrl(LoopbackHttpMixin, RpcAttackCase):
    adversarial_class = "confinement"

    def yente(self, url):
        conn = self.env["finance.bank.connection"].create({"name": "yente", "provider": "yente_match"})
        conn.setting_ids.filtered(lambda s: s.key == "url").value = url
        conn.secret_ids.filtered(lambda s: s.key == "api_key").value = API_KEY
        return conn

    def press_test(self, conn):
        return self.call_button(ADMIN, "finance.bank.connection", "action_test_connection", [conn.id])

    def test_url_change_then_test_connection_sends_no_key(self):
        with ScriptedServer() as service, ScriptedServer() as listener:
            service.responses, listener.responses = [ANSWER], [ANSWER]
            conn = self.yente(service.url)
            self.press_test(conn)
            self.assertTrue(received(service), "the real service gets the key: the test is not vacuous")
            url = conn.setting_ids.filtered(lambda s: s.key == "url")
            self.call_kw(ADMIN, "finance.bank.connection.setting", "write", [[url.id], {"value": listener.url}])
            self.press_test(conn)
            self.assertFalse(received(listener), "the API key reached the attacker's listener")
        self.env.invalidate_all()
        self.assertFalse(conn.secret_ids.is_set)

    def test_url_changed_behind_the_orm_sends_no_key(self):
        with ScriptedServer() as service, ScriptedServer() as listener:
            listener.responses = [ANSWER]
            conn = self.yente(service.url)
            url = conn.setting_ids.filtered(lambda s: s.key == "url")
            self.env.flush_all()
            self.env.cr.execute("UPDATE finance_bank_connection_setting SET value = %s WHERE id = %s",
                                (listener.url, url.id))
            self.env.invalidate_all()
            self.press_test(conn)
            self.assertFalse(received(listener), "the API key opened under another URL")
