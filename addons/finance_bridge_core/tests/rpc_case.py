"""Attacks over real HTTP JSON-RPC, as the respective users would send them.

``RpcAttackCase`` sets up what the review used: two companies and, in each, one user per group
of the suite (password = login). ``call_kw`` and ``call_button`` go through ``/web/dataset``
exactly like the web client or a script; they return ``RpcAnswer`` so a test asserts either the
result or the name of the server-side exception.
"""
from dataclasses import dataclass

from odoo.tests.common import HttpCase, new_test_user, tagged

from . import factories

# group xml id per role; risk_screening's reviewer is added when that addon is installed.
ROLE_GROUPS = {
    "user": "finance_bridge_core.group_finance_user",
    "preparer": "finance_bridge_core.group_payment_preparer",
    "approver": "finance_bridge_core.group_payment_approver",
    "releaser": "finance_bridge_core.group_payment_releaser",
    "treasury": "finance_bridge_core.group_treasury_manager",
    "conn_admin": "finance_bridge_core.group_connection_admin",
    "reviewer": "risk_screening.group_screening_reviewer",
    "accountant": "account.group_account_manager",
}


@dataclass(frozen=True)
class RpcAnswer:
    result: object = None
    error: str | None = None  # the exception's class name, e.g. "odoo.exceptions.AccessError"
    message: str = ""
    debug: str = ""

    @property
    def ok(self):
        return self.error is None

    @property
    def refused(self):
        """Refused by a deliberate server-side check, not by a crash."""
        return self.error is not None and self.error.rsplit(".", 1)[-1] in (
            "AccessError", "UserError", "ValidationError", "AccessDenied", "MissingError",
            "RedirectWarning")


@tagged("post_install", "-at_install")
class RpcAttackCase(HttpCase):
    """Two companies (A = the main company, B) and one user per role in each: ``cls.users[(role, "a")]``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.company_a = cls.env.company
        cls.company_b = factories.CompanyFactory(name="FB Attack Company B")
        cls.users = {}
        for role, group in ROLE_GROUPS.items():
            if not cls.env.ref(group, raise_if_not_found=False):
                continue
            for tag, company in (("a", cls.company_a), ("b", cls.company_b)):
                login = f"adv_{role}_{tag}"
                cls.users[(role, tag)] = new_test_user(
                    cls.env, login, password=login, groups=f"base.group_user,{group}",
                    company_id=company.id, company_ids=[(6, 0, company.ids)])

    def rpc(self, login, route, params):
        """POST one JSON-RPC call as ``login`` (password = login; "admin" for the administrator)."""
        self.authenticate(login, "admin" if login == "admin" else login)
        body = self.url_open(route, json={"jsonrpc": "2.0", "method": "call", "id": 1,
                                          "params": params}).json()
        if "error" in body:
            data = body["error"].get("data") or {}
            return RpcAnswer(error=data.get("name") or body["error"].get("message"),
                             message=data.get("message", ""), debug=data.get("debug", ""))
        return RpcAnswer(result=body.get("result"))

    def call_kw(self, login, model, method, args, kwargs=None):
        return self.rpc(login, "/web/dataset/call_kw", {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}})

    def call_button(self, login, model, method, ids, kwargs=None):
        return self.rpc(login, "/web/dataset/call_button", {
            "model": model, "method": method, "args": [ids], "kwargs": kwargs or {}})

    def assertRefused(self, answer, msg=None):
        """The call was refused by a deliberate check (not accepted, not a crash)."""
        self.assertTrue(answer.refused, msg or f"not refused as expected: {answer}")
        self.assertNotIn("Traceback", answer.message)

    def call_kw_as(self, login, model, method, args, kwargs=None):
        """``call_kw`` that logs in only when the login changes (for tests sending many calls)."""
        current = getattr(self, "_sod_session", (None, None))
        if current[0] != login or current[1] is not getattr(self, "session", None):
            self.authenticate(login, "admin" if login == "admin" else login)
            self._sod_session = (login, self.session)
        body = self.url_open("/web/dataset/call_kw", json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}}}).json()
        if "error" in body:
            data = body["error"].get("data") or {}
            return RpcAnswer(error=data.get("name") or body["error"].get("message"),
                             message=data.get("message", ""), debug=data.get("debug", ""))
        return RpcAnswer(result=body.get("result"))
