"""Adversarial (operations): every object button of the suite's views, pressed over JSON-RPC.

The buttons are read from the installed views of every finance_bridge addon (not a hand-written
list), and each is called through ``/web/dataset/call_button`` like the web client does:

* by users of company A outside the button's ``groups`` -> refused, and nothing changed;
* by users of company B (records of company A) -> refused or harmless, nothing changed;
* by the users the button is meant for, on records with empty or broken configuration
  (an unconfigured connection of every provider, an unreachable endpoint on a closed loopback
  port, a missing folder, a list URL nobody answers, junk files) -> a result or a clear
  UserError/ValidationError/AccessError/RedirectWarning, never a traceback or a raw
  urllib3 message.
"""
import base64
import json
import socket

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from lxml import etree

from odoo.tests.common import tagged

from ..lib.dto import PAYMENT_STATUSES, StatusEventDTO
from ..lib.outbox_handlers import register_outbox_handler, unregister_outbox_handler
from ..lib.webhook_protocol import WebhookEvent
from .factories import iban_de
from .loopback_server import LoopbackHttpMixin
from .outbox_sources import queue_message
from .rpc_case import RpcAnswer, RpcAttackCase

CLEAR_ERRORS = ("UserError", "ValidationError", "AccessError", "AccessDenied", "MissingError", "RedirectWarning")
RAW_TEXT = ("Traceback", "urllib3", "HTTPConnectionPool", "Max retries exceeded", "NewConnectionError",
            "psycopg2", "object at 0x")
# Users of company A tried as outsiders / insiders; company B users are tried on A's records.
ROLES_A = ("user", "preparer", "accountant", "reviewer", "treasury", "conn_admin")
ROLES_B = ("user", "treasury", "conn_admin", "reviewer")
CONNECTION_WATCH = ("state", "consecutive_failures", "last_error", "next_run", "next_retry", "last_success")


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def noop_handler(message):
    return {}


@tagged("post_install", "-at_install")
class TestEveryButton(LoopbackHttpMixin, RpcAttackCase):
    adversarial_class = "operations"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        register_outbox_handler("test.ops_noop", "Test no-op")(noop_handler)
        cls.addClassCleanup(unregister_outbox_handler, "test.ops_noop")
        cls.port = closed_port()
        cls.buttons = cls._suite_buttons()
        cls.fixtures = cls._make_fixtures()

    # ------------------------------------------------------------------ discovery
    @classmethod
    def _suite_buttons(cls):
        """{(model, method): groups} for every <button type="object"> (and <a type="object">) in the suite's views."""
        modules = cls.env["ir.module.module"].search([("author", "=", "finance_bridge"), ("state", "=", "installed")])
        data = cls.env["ir.model.data"].search([("module", "in", modules.mapped("name")), ("model", "=", "ir.ui.view")])
        buttons = {}
        for view in cls.env["ir.ui.view"].browse(data.mapped("res_id")):
            for button in etree.fromstring(view.arch_db).iter("button", "a"):  # kanban links call methods too
                if button.get("type") == "object":
                    buttons[(view.model, button.get("name"))] = button.get("groups")
        return buttons

    # ------------------------------------------------------------------ broken records
    @classmethod
    def _connection(cls, name, provider, settings=None, active=False, journal=True):
        conn = cls.env["finance.bank.connection"].create({"name": name, "provider": provider,
                                                          "company_id": cls.company_a.id})
        for key, value in (settings or {}).items():
            # Straight to the column: the point is a broken configuration, whatever the forms allow.
            cls.env.cr.execute("UPDATE finance_bank_connection_setting SET value = %s "
                               "WHERE connection_id = %s AND key = %s", (value, conn.id, key))
        if journal:
            cls._journal_seq = getattr(cls, "_journal_seq", 0) + 1
            bank = cls.env["res.partner.bank"].create({"acc_number": iban_de(77_000_000 + cls._journal_seq + conn.id),
                                                       "partner_id": cls.company_a.partner_id.id})
            journal_rec = cls.env["account.journal"].create({
                "name": f"Ops {conn.id}", "code": f"OP{conn.id % 1000:03d}", "type": "bank",
                "bank_account_id": bank.id, "company_id": cls.company_a.id})
            conn.account_ids = [(0, 0, {"journal_id": journal_rec.id})]
        if active:
            cls.env.cr.execute("UPDATE finance_bank_connection SET state = 'active', next_run = now() at time zone 'UTC' "
                               "WHERE id = %s", (conn.id,))
        conn.invalidate_recordset()
        return conn

    @classmethod
    def _make_fixtures(cls):
        env = cls.env
        missing = f"/tmp/fb-nonexistent/fb-ops-{cls.port}"
        url = f"http://127.0.0.1:{cls.port}"
        fx = {}
        providers = [key for key, _label in env["finance.bank.connection"]._selection_provider()]
        conns = [cls._connection(f"unconfigured {key}", key, journal=False) for key in providers]
        broken = {"json_folder": {"inbound_path": missing}, "iso20022_folder": {"inbound_path": missing,
                                                                                "outbound_path": missing},
                  "iso20022_sftp": {"host": "127.0.0.1", "port": str(cls.port), "username": "nobody",
                                    "host_key": "ssh-ed25519 AAAAnot-a-key"},
                  "yente_match": {"url": url, "timeout": "2"}}
        for key, settings in broken.items():
            if key in providers:
                conns.append(cls._connection(f"broken {key}", key, settings, active=True))
                conns.append(cls._connection(f"broken draft {key}", key, settings))
        fx["finance.bank.connection"] = conns
        messages = []
        for state in ("failed", "dead", "queued"):
            message = queue_message(env, f"ops-{state}-{cls.port}", "test.ops_noop", {"n": 1}, company=cls.company_a)
            env.cr.execute("UPDATE finance_outbox_message SET state = %s WHERE id = %s", (state, message.id))
            message.invalidate_recordset()
            messages.append(message)
        fx["finance.outbox.message"] = messages
        events = env["finance.status.event"].sudo()._record(
            [StatusEventDTO(source="api", status=PAYMENT_STATUSES[0], end_to_end_id=f"E2E-OPS-{cls.port}")],
            company=cls.company_a)
        fx["finance.status.event"] = list(events)
        fx["finance.audit.event"] = list(env["finance.audit.event"]._log(
            "test.ops", summary="an event to verify from", company=cls.company_a))
        imports = env["finance.file.import"].sudo()
        fx["finance.file.import"] = [  # a junk file whose original was kept, and one refused unread
            imports._record_failed("junk.xml", "junk.xml: cannot be read", "upload", None, cls.company_a,
                                   data=b"<not-a-bank-file"),
            imports._refuse_unread("huge.xml", 2 ** 30, "upload", None, cls.company_a)]
        fx["res.partner"] = [env["res.partner"].create({"name": "Ops Counterparty", "company_id": cls.company_a.id})]
        if "risk.list.source" in env:
            fx["risk.list.source"] = [
                env["risk.list.source"].create({"name": "Unreachable list", "list_format": "un_xml",
                                                "url": f"{url}/consolidated.xml"}),
                env["risk.list.source"].create({"name": "List without URL", "list_format": "uk_csv"}),
            ]
            listed = env["risk.list.source"].create({"name": "Ops list", "list_format": "ofac_csv"})
            listed._import_files({"main": b'7001,"QUORVANT IXELBY TRADING",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,'
                                          b'-0- ,-0- ,-0- \r\n'})
            hit_partner = env["res.partner"].create({"name": "Quorvant Ixelby Trading", "is_company": True,
                                                     "company_id": cls.company_a.id})
            fx["risk.screening.hit"] = list(hit_partner.sudo().risk_hit_ids)
            fx["res.partner"].append(hit_partner)
            fx["risk.allowlist"] = list(env["risk.allowlist"].sudo().create({
                "company_id": cls.company_a.id, "entry_id": env["risk.list.entry"].sudo().search([], limit=1).id,
                "screened_name": "Quorvant Ixelby Trading", "name_hash": "ops", "reason": "fixture"}))
        fx["finance.sync.run"] = list(env["finance.sync.run"].sudo().create({
            "connection_id": conns[0].id, "correlation_id": f"ops-run-{cls.port}", "state": "failed"}))
        fx["finance.ops.overview"] = list(env["finance.ops.overview"].browse(cls.company_a.id))
        fx["finance.webhook.inbox"] = cls._webhook_fixtures(conns)
        if "finance.treasury.cash.account" in env:
            cls._treasury_fixtures(fx, conns)
        if "finance.reconcile.suggestion" in env:
            cls._reconcile_fixtures(fx)
        if "finance.payment.batch" in env:
            batches = env["finance.payment.batch"].with_company(cls.company_a)
            empty = batches.create({"company_id": cls.company_a.id})
            cancelled = batches.create({"company_id": cls.company_a.id})
            cancelled.action_cancel("fixture")
            fx.setdefault("finance.payment.batch", []).extend([empty, cancelled])
        if "finance.payment.exception" in env:  # payment_release_workflow (release): a rejected payment
            vendor = env["res.partner"].create({"name": "Exception fixture vendor", "is_company": True})
            bill = env["account.move"].with_company(cls.company_a).create({
                "move_type": "in_invoice", "partner_id": vendor.id, "invoice_date": "2026-03-01",
                "invoice_line_ids": [(0, 0, {"name": "fixture", "quantity": 1, "price_unit": 10, "tax_ids": []})]})
            bill.action_post()
            batch = env["finance.payment.batch"].with_company(cls.company_a).create({
                "company_id": cls.company_a.id, "line_ids": [(0, 0, {"move_id": bill.id, "amount": 10})]})
            batch.line_ids._set_line_state("rejected", status_reason="AC01 fixture")
            fx["finance.payment.exception"] = list(env["finance.payment.exception"].search(
                [("line_id", "in", batch.line_ids.ids)]))
        if "finance.payment.policy.change" in env:  # payment_release_workflow (approval): a pending change
            fx["finance.payment.policy.change"] = [env["finance.payment.policy.change"].create({
                "company_id": cls.company_a.id, "operation": "small_team", "reason": "ops fixture"})]
        return fx

    @classmethod
    def _webhook_fixtures(cls, conns):
        """Webhook events of a webhook connection: one failed (Retry), one still queued, one applied."""
        conn = next((c for c in conns if c.webhook_enabled), None)
        if conn is None:
            return []
        body = b'{"id": "ops", "type": "sync_account", "account": "DE00"}'
        events = []
        for state in ("failed", "queued", "applied"):
            ids, _corr = cls.env["finance.webhook.inbox"].sudo()._store(
                conn, [WebhookEvent(event_id=f"ops-{state}-{cls.port}", kind="sync_account", account="DE00")],
                body, "127.0.0.1")
            cls.env.cr.execute("UPDATE finance_webhook_inbox SET state = %s WHERE id = %s", (state, ids[0]))
            events.append(cls.env["finance.webhook.inbox"].browse(ids[0]))
        return events

    @classmethod
    def _treasury_fixtures(cls, fx, conns):
        """Rows of the treasury views (ids are connection, journal and company ids) and its records."""
        env = cls.env
        journal = next(c for c in conns if c.account_ids).account_ids[0].journal_id
        fx["finance.treasury.ops.connection"] = list(env["finance.treasury.ops.connection"].browse(conns[0].id))
        fx["finance.treasury.ops.company"] = list(env["finance.treasury.ops.company"].browse(cls.company_a.id))
        fx["finance.treasury.cash.account"] = list(env["finance.treasury.cash.account"].browse(journal.id))
        fx["finance.treasury.daily.balance"] = list(env["finance.treasury.daily.balance"].sudo().create({
            "journal_id": journal.id, "company_id": cls.company_a.id, "currency_id": journal.company_id.currency_id.id,
            "date": "2026-01-02", "closing_balance": 1, "source": "bank"}))
        fx["finance.treasury.alert.rule"] = list(env["finance.treasury.alert.rule"].create({
            "name": "Ops dead letters", "condition": "outbox_dead", "company_id": cls.company_a.id}))
        fx["finance.treasury.metrics.config"] = list(env.ref("finance_bridge_treasury.metrics_config"))

    @classmethod
    def _reconcile_fixtures(cls, fx):
        """bank_reconciliation_matching: a journal, a bare line, a line whose suggestion points to a
        journal item that no longer exists."""
        env = cls.env
        journal = env["account.journal"].create({"name": "Ops Recon Bank", "code": f"OR{cls.port % 1000}",
                                                 "type": "bank", "company_id": cls.company_a.id})
        Line = env["account.bank.statement.line"]
        bare = Line.create({"journal_id": journal.id, "payment_ref": "ops bare", "amount": 5.0, "date": "2026-01-05"})
        stale = Line.create({"journal_id": journal.id, "payment_ref": "ops stale", "amount": 6.0, "date": "2026-01-05"})
        suggestion = env["finance.reconcile.suggestion"].sudo().create({
            "statement_line_id": stale.id, "rule": "manual", "rank": 1, "score": 99,
            "allocations": [[2_000_000_000, "6.00"]]})
        fx["account.journal"] = [journal]
        fx["account.bank.statement.line"] = [bare, stale]
        fx["finance.reconcile.suggestion"] = [suggestion]

    def _transient(self, model, login):
        """Wizards belong to whoever made them: one for this user if he may create it, else the admin's."""
        user = self.env["res.users"].search([("login", "=", login)])
        # Made in the user's name when he may create it (superuser rights only to skip the
        # record rules of what it points to), else the administrator's, which he may not use.
        maker = self.env(user=user, su=True) if self.env(user=user)[model].has_access("create") else self.env
        if model == "finance.file.upload":
            attachment = maker["ir.attachment"].create({"name": "junk.xml", "raw": b"<not-a-bank-file"})
            return [maker[model].create({"attachment_ids": [(6, 0, attachment.ids)]})]
        if model == "risk.list.upload":
            source = self.fixtures["risk.list.source"][1]
            return [maker[model].create({"source_id": source.id, "file": base64.b64encode(b"not,a,list\n"),
                                         "filename": "junk.csv"}),
                    maker[model].create({"source_id": source.id, "file": base64.b64encode(b""),
                                         "filename": "empty.csv"})]
        if model == "finance.reconcile.manual":
            return [maker[model].create({"statement_line_id": self.fixtures["account.bank.statement.line"][0].id})]
        if model == "finance.reconcile.accept.all":
            return [maker[model].create({"journal_id": self.fixtures["account.journal"][0].id, "min_score": 0})]
        if model == "risk.hit.review":
            hits = self.fixtures["risk.screening.hit"]
            return [maker[model].create({"hit_ids": [(6, 0, [h.id for h in hits])], "decision": "false_positive",
                                         "reason": " "})]
        if model == "finance.treasury.trace":
            return [maker[model].create({"query": "no-such-correlation-id"})]
        if model == "finance.treasury.trace.line":
            trace = maker["finance.treasury.trace"].create({"query": "x"})
            return [maker[model].create({"trace_id": trace.id, "kind": "Audit", "res_model": "finance.audit.event",
                                         "res_id": self.fixtures["finance.audit.event"][0].id})]
        if model == "finance.payment.batch.cancel":
            return [maker[model].create({"batch_id": self.fixtures["finance.payment.batch"][0].id, "reason": " "})]
        if model == "finance.payment.propose":
            return [maker[model].create({"due_date": "2000-01-01", "company_id": self.company_a.id})]
        raise AssertionError(f"no broken wizard of {model}: add one to this test")

    def _records(self, model, login):
        if self.env[model]._transient:
            return self._transient(model, login)
        self.assertIn(model, self.fixtures, f"{model} has object buttons but no broken record in this test")
        return self.fixtures[model]

    # ------------------------------------------------------------------ calling
    def _users(self, roles, tag):
        return [(role, self.users[(role, tag)]) for role in roles if (role, tag) in self.users]

    def _press(self, login, model, method, record_id):
        body = self.url_open("/web/dataset/call_button", json={
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"model": model, "method": method, "args": [[record_id]], "kwargs": {}}}).json()
        if "error" in body:
            data = body["error"].get("data") or {}
            return RpcAnswer(error=data.get("name") or body["error"].get("message"),
                             message=data.get("message", ""), debug=data.get("debug", ""))
        return RpcAnswer(result=body.get("result"))

    def _snapshot(self):
        self.env.invalidate_all()
        conns = self.env["finance.bank.connection"].search([("company_id", "=", self.company_a.id)])
        return ({c.id: tuple(c[f] for f in CONNECTION_WATCH) for c in conns},
                self.env["finance.sync.run"].search_count([("connection_id", "in", conns.ids)]))

    def assertClear(self, answer, where):
        """A result or a deliberate, readable refusal; no traceback, no raw library text anywhere."""
        if not answer.ok:
            self.assertIn(answer.error.rsplit(".", 1)[-1], CLEAR_ERRORS, f"{where}: {answer.error}: {answer.message}")
        text = answer.message + (json.dumps(answer.result, default=str) if answer.ok else "")
        for raw in RAW_TEXT:
            self.assertNotIn(raw, text, f"{where}: raw text reaches the user: {text[:400]}")

    def _walk(self, models):
        buttons = sorted((m, meth, g) for (m, meth), g in self.buttons.items() if m in models)
        self.assertTrue(buttons, f"no object button found for {models}")
        for model, method, groups in buttons:
            self.assertTrue(groups, f"{model}.{method}: the view shows the button to every user (no groups=)")
        before = self._snapshot()
        # 1. Company A users outside the button's groups, and company B users: refused, nothing changes.
        for tag, roles in (("a", ROLES_A), ("b", ROLES_B)):
            for _role, user in self._users(roles, tag):
                self.authenticate(user.login, user.login)
                for model, method, groups in buttons:
                    allowed = any(user.has_group(g) for g in groups.split(","))
                    if tag == "a" and allowed:
                        continue
                    records = sorted(self._records(model, user.login),
                                     key=lambda r: r._fields.get("state") is None or r.state != "active")
                    for record in records[:3]:
                        where = f"{user.login} {model}.{method}({record.display_name})"
                        answer = self._press(user.login, model, method, record.id)
                        self.assertClear(answer, where)
                        if tag == "a" or "company_id" in self.env[model]._fields:
                            self.assertTrue(answer.refused, f"{where}: not refused: {answer}")
                        self.assertEqual(self._snapshot(), before, f"{where} changed a connection")
        # 2. The users the button is for, on every broken record: a result or a clear error.
        for _role, user in self._users(ROLES_A, "a"):
            self.authenticate(user.login, user.login)
            for model, method, groups in buttons:
                if not any(user.has_group(g) for g in groups.split(",")):
                    continue
                for record in self._records(model, user.login):
                    answer = self._press(user.login, model, method, record.id)
                    self.assertClear(answer, f"{user.login} {model}.{method}({record.display_name})")

    # ------------------------------------------------------------------ cases
    def test_every_object_button_has_groups_and_a_broken_record_here(self):
        models = {model for model, _method in self.buttons}
        self.assertIn("finance.bank.connection", models)
        for model in models:
            if not self.env[model]._transient:
                self.assertIn(model, self.fixtures, f"{model} has object buttons: give it a broken record here")
        without = [f"{m}.{meth}" for (m, meth), g in self.buttons.items() if not g]
        self.assertFalse(without, f"buttons shown to every user: {without}")

    def test_sync_now_hidden_from_read_only_user(self):
        self.authenticate("adv_user_a", "adv_user_a")
        answer = self.call_kw("adv_user_a", "finance.bank.connection", "get_views", [[[False, "form"]]])
        arch = answer.result["views"]["form"]["arch"]
        self.assertNotIn("action_sync_now", arch)
        self.assertNotIn("action_test_connection", arch)
        answer = self.call_kw("adv_treasury_a", "finance.bank.connection", "get_views", [[[False, "form"]]])
        self.assertIn("action_sync_now", answer.result["views"]["form"]["arch"])

    def test_connection_buttons(self):
        self._walk({"finance.bank.connection"})

    def test_sync_now_by_read_only_user_changes_nothing_and_by_treasury_is_clear(self):
        conn = next(c for c in self.fixtures["finance.bank.connection"]
                    if c.provider == "yente_match" and c.state == "active")
        answer = self.call_button("adv_user_a", "finance.bank.connection", "action_sync_now", [conn.id])
        self.assertRefused(answer)
        self.assertEqual(answer.error.rsplit(".", 1)[-1], "AccessError")
        conn.invalidate_recordset()
        self.assertEqual((conn.state, conn.consecutive_failures, conn.sync_run_count), ("active", 0, 0))
        answer = self.call_button("adv_treasury_a", "finance.bank.connection", "action_sync_now", [conn.id])
        self.assertClear(answer, "treasury sync now")

    def test_activate_unconfigured_connection_is_a_user_error(self):
        for conn in self.fixtures["finance.bank.connection"]:
            if not conn.name.startswith("unconfigured"):
                continue
            answer = self.call_button("adv_conn_admin_a", "finance.bank.connection", "action_activate", [conn.id])
            self.assertClear(answer, f"activate {conn.name}")
            self.assertFalse(answer.ok, f"{conn.name} activated without configuration")
            self.assertIn(conn.name, answer.message)

    def test_test_connection_offline_names_host_and_reason(self):
        for provider, expected in (("yente_match", "cannot reach 127.0.0.1: connection refused"),
                                   ("iso20022_sftp", f"127.0.0.1:{self.port}")):
            conn = next(c for c in self.fixtures["finance.bank.connection"]
                        if c.provider == provider and c.state == "active")
            if provider == "iso20022_sftp":
                host_key = Ed25519PrivateKey.generate().public_key().public_bytes(
                    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
                self.env.cr.execute("UPDATE finance_bank_connection_setting SET value = %s "
                                    "WHERE connection_id = %s AND key = 'host_key'", (host_key, conn.id))
            answer = self.call_button("adv_conn_admin_a", "finance.bank.connection", "action_test_connection",
                                      [conn.id])
            self.assertClear(answer, f"test connection offline ({provider})")
            self.assertTrue(answer.ok)
            self.assertIn(expected, answer.result["params"]["message"])

    def test_queue_event_and_upload_buttons(self):
        self._walk({"finance.outbox.message", "finance.status.event", "finance.file.upload", "finance.audit.event",
                    "finance.file.import", "finance.webhook.inbox"})

    def test_overview_figure_links(self):
        self._walk({"finance.ops.overview"})

    def test_treasury_buttons(self):
        models = {m for m, _meth in self.buttons if m.startswith("finance.treasury.") or m == "finance.sync.run"}
        if not models:
            self.skipTest("finance_bridge_treasury is not installed")
        self._walk(models)

    def test_payment_batch_buttons(self):
        self._walk({m for m, _meth in self.buttons if m.startswith("finance.payment.")})

    def test_screening_buttons(self):
        models = {m for m, _meth in self.buttons if m.startswith("risk.") or m == "res.partner"}
        if not models:
            self.skipTest("risk_screening is not installed")
        self._walk(models)

    def test_list_download_offline_says_cannot_reach(self):
        if "risk.list.source" not in self.fixtures:
            self.skipTest("risk_screening is not installed")
        source = self.fixtures["risk.list.source"][0]
        answer = self.call_button("adv_conn_admin_a", "risk.list.source", "action_download", [source.id])
        self.assertClear(answer, "download offline")
        self.assertEqual(answer.error.rsplit(".", 1)[-1], "UserError")
        self.assertIn("cannot reach 127.0.0.1: connection refused", answer.message)
        self.assertIn(source.name, answer.message)

    def test_sync_runs_as_technical_context(self):
        """Who presses never changes the outcome: the same broken connection fails the same way
        for the cron and for a Treasury Manager, and a working sync needs no rights of the presser."""
        conn = next(c for c in self.fixtures["finance.bank.connection"]
                    if c.provider == "json_folder" and c.state == "active")
        answer = self.call_button("adv_treasury_a", "finance.bank.connection", "action_sync_now", [conn.id])
        self.assertClear(answer, "treasury sync")
        conn.invalidate_recordset()
        manual = conn.sync_run_ids.sorted("id")[-1]
        self.assertEqual(manual.state, "failed")
        self.assertIn("does not exist", manual.error)
        self.assertEqual(manual.create_uid, self.users[("treasury", "a")], "the run records who pressed")
        self.env.cr.execute("UPDATE finance_bank_connection SET next_run = now() at time zone 'UTC' - interval '1 s' "
                            "WHERE id = %s", (conn.id,))
        conn.invalidate_recordset()
        conn.with_context(allowed_company_ids=self.company_a.ids)._technical()._run_sync(trigger="cron")
        cron_run = conn.sync_run_ids.sorted("id")[-1]
        self.assertEqual(cron_run.error, manual.error)

    def test_reconciliation_buttons(self):
        models = {m for m, _meth in self.buttons if m.startswith("finance.reconcile") or m in (
            "account.journal", "account.bank.statement.line")}
        if models:
            self._walk(models)
