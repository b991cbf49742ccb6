"""Over real HTTP JSON-RPC, as a browser or script would call: the sealed column is refused."""
from odoo.tests.common import HttpCase, tagged

from . import factories


@tagged("post_install", "-at_install")
class TestSecretsOverRpc(HttpCase):
    def test_rpc_read_of_ciphertext_refused_for_admin(self):
        factories.bind(self.env)
        connection = factories.ConnectionFactory()
        self.env["finance.bank.secret"].create({"connection_id": connection.id, "key": "token",
                                               "label": "Token"}).value = "rpc-canary-9f3e"
        secret = connection.secret_ids
        self.authenticate("admin", "admin")

        def call(method, args, kwargs=None):
            return self.url_open("/web/dataset/call_kw", json={
                "jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"model": "finance.bank.secret", "method": method, "args": args,
                           "kwargs": kwargs or {}}}).json()

        refused = call("read", [secret.ids, ["ciphertext"]])
        self.assertIn("error", refused)
        self.assertIn("AccessError", refused["error"]["data"]["name"])
        refused = call("search_read", [[("id", "=", secret.id)], ["ciphertext", "key"]])
        self.assertIn("error", refused)
        allowed = call("read", [secret.ids, ["key", "value", "is_set"]])["result"][0]
        self.assertEqual((allowed["key"], allowed["value"], allowed["is_set"]), ("token", False, True))
        everything = call("read", [secret.ids])["result"][0]
        self.assertNotIn("ciphertext", everything)
        self.assertNotIn("rpc-canary-9f3e", str(everything))
        exported = call("export_data", [secret.ids, ["ciphertext"]])
        self.assertIn("error", exported)
