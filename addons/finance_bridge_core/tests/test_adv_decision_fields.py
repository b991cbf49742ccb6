"""Segregation of duties, generically: no user group writes a decision or state field over RPC.

The walker finds every model of the suite (every model with a field declared by an addon next to
finance_bridge_core, so an addon added later is walked without editing this file), every decision/
state field on it (declared ``guarded``, every field of a ``_finance_guarded_records`` model, and
every stored field named like a decision: state, *_state, decision, approved*, reviewed*…), and
tries ``write``, ``create`` and ``unlink`` of each over real JSON-RPC as one user per group of the
suite, a plain internal user and the administrator. Each attempt must be refused and change nothing.
"""
import base64
import xmlrpc.client
from datetime import date, datetime

from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope, looks_like_decision
from odoo.addons.finance_bridge_core.models.guarded_fields import MAGIC_FIELDS, suite_modules
from odoo.tests.common import new_test_user, tagged

from .rpc_case import ROLE_GROUPS, RpcAttackCase

GUARD_MARK = "can only be changed through the actions that check the rules"

def _sample_reconcile_suggestion(builder):
    """A suggestion needs a statement line of a bank journal (bank_reconciliation_matching)."""
    journal = builder.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", builder.company.id)],
                                                    limit=1)
    line = builder.env["account.bank.statement.line"].create({
        "journal_id": journal.id, "payment_ref": "walker sample", "amount": 1.0, "date": "2026-01-05"})
    return builder.env["finance.reconcile.suggestion"].create({"statement_line_id": line.id, "rule": "manual"})


# Models the generic builder cannot make: model -> callable(builder) -> record. A model of a later addon
# that the generic builder fails on makes test_every_model_gets_a_sample fail until it is listed here.
def _sample_payment_batch_line(b):
    """A payment batch line needs a posted vendor bill (payment_release_workflow)."""
    env = b.env
    partner = env["res.partner"].create({"name": "walker vendor", "is_company": True})
    bill = env["account.move"].create({
        "move_type": "in_invoice", "partner_id": partner.id, "invoice_date": "2020-01-02", "company_id": b.company.id,
        "invoice_line_ids": [(0, 0, {"name": "walker goods", "quantity": 1, "price_unit": 10, "tax_ids": []})]})
    bill.action_post()
    batch = env["finance.payment.batch"].create({"company_id": b.company.id})
    return env["finance.payment.batch.line"].create({"batch_id": batch.id, "move_id": bill.id})


def _sample_statement_line(b):
    """A bank statement line of a bank journal, linked to the file import that created it."""
    env = b.env
    journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", b.company.id)], limit=1)
    file_import = env["finance.file.import"].create({"name": "walker.xml", "state": "done",
                                                     "company_id": b.company.id})
    return env["account.bank.statement.line"].create({
        "journal_id": journal.id, "payment_ref": "walker sample line", "amount": 2.0, "date": "2026-01-05",
        "finance_file_import_id": file_import.id})


SAMPLE_RECORDS = {
    "account.bank.statement.line": _sample_statement_line,
    "finance.audit.event": lambda b: b.env["finance.audit.event"]._log("test.sample", summary="walker sample",
                                                                       company=b.company),
    "finance.reconcile.suggestion": _sample_reconcile_suggestion,
    "finance.payment.batch.line": _sample_payment_batch_line,
    # res.company carries payment_small_team (guarded); its name is related to the partner's.
    "res.company": lambda b: b.env["res.company"].create({"name": "walker company"}),
}
# Models whose own create() refuses clients before the guard does: model -> words of that refusal.
OWN_CREATE_REFUSAL = {"finance.audit.event": "written by the system only"}


def suite_models(env):
    """Stored models with at least one field declared by an addon of the suite."""
    suite = suite_modules()
    names = []
    for name in sorted(env.registry):
        model = env[name]
        if model._abstract or model._transient or not model._auto:
            continue
        if any(set(field._modules) & suite for field in model._fields.values()):
            names.append(name)
    return names


def decision_fields(model):
    """Guarded fields plus every stored suite field named like a decision (those must be guarded)."""
    suite = suite_modules()
    named = {name for name, field in model._fields.items()
             if field.store and name not in MAGIC_FIELDS and set(field._modules) & suite
             and looks_like_decision(name)}
    return sorted(set(model._finance_guarded_names()) | named)


def other_value(env, record, field):
    """A JSON-serialisable value different from the record's current one."""
    current = record[field.name]
    kind = field.type
    if kind == "selection":
        values = [v for v in field.get_values(env) if v != current]
        return values[0] if values else False
    if kind == "many2one":
        other = env[field.comodel_name].sudo().with_context(active_test=False).search(
            [("id", "!=", current.id)], limit=1)
        return other.id or False
    if kind in ("one2many", "many2many"):
        return [(6, 0, [])] if current else [(6, 0, env[field.comodel_name].sudo().search([], limit=1).ids)]
    if kind == "boolean":
        return not current
    if kind in ("integer", "float", "monetary"):
        return (current or 0) + 7
    if kind == "date":
        return "2001-02-03" if current != date(2001, 2, 3) else "2002-02-03"
    if kind == "datetime":
        return "2001-02-03 04:05:06" if current != datetime(2001, 2, 3, 4, 5, 6) else "2002-02-03 04:05:06"
    if kind == "json":
        return {"forged": True}
    if kind == "binary":
        return base64.b64encode(b"forged").decode()
    return "forged by rpc" if current != "forged by rpc" else "forged again"


class SampleBuilder:
    """Builds one valid record of any model generically: required fields get a plausible value."""

    def __init__(self, env, company):
        self.env = env(su=True)
        self.company = company
        self.cache = {}
        self.counter = 0

    def vals(self, model_name):
        model = self.env[model_name]
        vals = {}
        for name, field in model._fields.items():
            if name == "company_id" and field.store and not field.related:
                vals[name] = self.company.id
            if name == "name" and field.type == "char" and field.store and not field.compute:
                vals[name] = f"sample {model_name}"
            if not field.store or field.compute or field.related or name in MAGIC_FIELDS or not field.required:
                continue
            if (field.default and name != "company_id") or name in vals:
                continue
            self.counter += 1
            if field.type == "many2one":
                vals.setdefault(name, self.record(field.comodel_name).id)
            elif field.type == "selection":
                vals[name] = field.get_values(self.env)[0]
            elif field.type in ("char", "text", "html"):
                vals[name] = f"sample {model_name} {self.counter}"
            elif field.type in ("integer", "float", "monetary"):
                vals[name] = 1
            elif field.type == "date":
                vals[name] = "2020-01-02"
            elif field.type == "datetime":
                vals[name] = "2020-01-02 03:04:05"
            elif field.type == "json":
                vals[name] = {}
            elif field.type == "boolean":
                vals[name] = True
        return vals

    def record(self, model_name):
        if model_name in self.cache:
            return self.cache[model_name]
        model = self.env[model_name].with_context(active_test=False)
        domain = [("company_id", "in", (False, self.company.id))] if "company_id" in model._fields else []
        existing = model.search(domain, limit=1) if not set(self._suite_owned(model_name)) else model.browse()
        record = existing or model.create(self.vals(model_name))
        self.cache[model_name] = record
        return record

    def _suite_owned(self, model_name):
        """Suite modules that define the model itself (not just extend it)."""
        model = self.env[model_name]
        return {model._original_module} & suite_modules()

    def fresh(self, model_name):
        """A new record of the model, carrying non-default values in its decision fields."""
        with decision_scope("test set-up"):
            if model_name in SAMPLE_RECORDS:
                record = SAMPLE_RECORDS[model_name](self)
            else:
                record = self.env[model_name].with_context(active_test=False).create(self.vals(model_name))
            for name in decision_fields(record):
                field = record._fields[name]
                if looks_like_decision(name) and field.type == "selection":
                    default = record.default_get([name]).get(name)
                    values = [v for v in field.get_values(self.env) if v != default]
                    if values:
                        record.write({name: values[0]})
        return record


@tagged("post_install", "-at_install")
class TestDecisionFieldsOverRpc(RpcAttackCase):
    adversarial_class = "segregation_of_duties"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, "adv_base_a", password="adv_base_a", groups="base.group_user",
                      company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)])
        # One user per group of the suite (groups a later addon declares included), plus the roles of
        # RpcAttackCase, a plain internal user and the administrator.
        cls.logins = [user.login for (_role, tag), user in cls.users.items() if tag == "a"]
        covered = {cls.env.ref(group).id for group in ROLE_GROUPS.values()
                   if cls.env.ref(group, raise_if_not_found=False)}
        suite_groups = cls.env["ir.model.data"].search(
            [("model", "=", "res.groups"), ("module", "in", sorted(suite_modules()))])
        for xmlid in suite_groups:
            if xmlid.res_id not in covered:
                login = f"adv_grp_{xmlid.module}_{xmlid.name}"[:60]
                new_test_user(cls.env, login, password=login, groups=f"base.group_user,{xmlid.module}.{xmlid.name}",
                              company_id=cls.company_a.id, company_ids=[(6, 0, cls.company_a.ids)])
                cls.logins.append(login)
        cls.logins += ["adv_base_a", "admin"]
        builder = SampleBuilder(cls.env, cls.company_a)
        cls.targets, cls.unbuilt = {}, {}
        for name in suite_models(cls.env):
            fields_ = decision_fields(cls.env[name])
            if fields_:
                try:
                    with cls.env.cr.savepoint():
                        cls.targets[name] = (builder.fresh(name), fields_)
                except Exception as exc:  # reported by test_every_model_gets_a_sample
                    cls.unbuilt[name] = repr(exc)
        cls.builder = builder

    def _snapshot(self, record, names):
        record.invalidate_recordset()
        return record.sudo().with_context(active_test=False).read(names)[0]

    def test_walker_covers_the_suite(self):
        """The walker sees the models that carry decisions today; later models join by themselves."""
        for name in ("finance.bank.connection", "finance.outbox.message", "finance.file.import",
                     "finance.sync.run", "finance.status.event", "finance.job.progress"):
            self.assertIn(name, self.targets)
        if "risk.screening.hit" in self.env:
            for name in ("risk.screening.hit", "risk.allowlist", "risk.list.version", "res.partner"):
                self.assertIn(name, self.targets)

    def test_every_model_gets_a_sample(self):
        """Every model carrying decisions is attacked; add a SAMPLE_VALS entry for one that is not."""
        self.assertEqual(self.unbuilt, {})

    def test_every_decision_named_field_is_guarded(self):
        """A stored field named like a decision (state, *_state, approved*…) must be guarded."""
        unguarded = [f"{name}.{field}" for name in suite_models(self.env)
                     for field in decision_fields(self.env[name])
                     if field not in self.env[name]._finance_guarded_names()]
        self.assertEqual(unguarded, [], "decision/state fields writable by clients")

    def test_no_writable_related_field_reaches_a_guarded_field(self):
        """A writable related field would write its target in superuser mode: none may end on a guard."""
        leaks = []
        for name in self.env.registry:
            model = self.env[name]
            for field in model._fields.values():
                if field.related and not field.readonly:
                    target = field.related_field
                    if target.name in self.env[target.model_name]._finance_guarded_names():
                        leaks.append(f"{name}.{field.name} -> {target.model_name}.{target.name}")
        self.assertEqual(leaks, [])

    def test_write_each_decision_field_refused_for_every_group(self):
        failures = []
        for model, (record, names) in self.targets.items():
            before = self._snapshot(record, names)
            for login in self.logins:
                # Every group tries each decision-named field alone and the other guarded fields at once;
                # the administrator tries every guarded field alone.
                singles = names if login == "admin" else [n for n in names if looks_like_decision(n)]
                attempts = [{name: other_value(self.env, record, record._fields[name])} for name in singles]
                rest = {name: other_value(self.env, record, record._fields[name])
                        for name in names if name not in singles}
                attempts += [rest] if rest else []
                for vals in attempts:
                    answer = self.call_kw_as(login, model, "write", [record.ids, vals])
                    if not answer.refused:
                        failures.append(f"{login}: {model} write {vals!r} -> {answer}")
            self.assertEqual(self._snapshot(record, names), before, f"{model} changed over RPC")
        self.assertEqual(failures, [])

    def test_create_with_decision_fields_refused_for_every_group(self):
        failures = []
        for model, (record, names) in self.targets.items():
            guarded_records = self.env[model]._finance_guarded_records
            count = self.env[model].sudo().with_context(active_test=False).search_count([])
            for login in self.logins:
                base_vals = self.builder.vals(model)
                attempts = [dict(base_vals)] if guarded_records else [
                    dict(base_vals, **{name: other_value(self.env, record, record._fields[name])})
                    for name in names]
                for vals in attempts:
                    answer = self.call_kw_as(login, model, "create", [vals])
                    if not (answer.refused and (GUARD_MARK in answer.message
                                                or OWN_CREATE_REFUSAL.get(model, GUARD_MARK) in answer.message)):
                        failures.append(f"{login}: create {model} {sorted(vals)} -> {answer}")
            self.assertEqual(self.env[model].sudo().with_context(active_test=False).search_count([]), count)
        self.assertEqual(failures, [])

    def test_create_with_default_context_refused(self):
        """``default_state`` in the context is a write of the state too."""
        failures = []
        for model, (record, names) in self.targets.items():
            if self.env[model]._finance_guarded_records:
                continue
            for name in names:
                value = other_value(self.env, record, record._fields[name])
                answer = self.call_kw_as("admin", model, "create", [self.builder.vals(model)],
                                         {"context": {f"default_{name}": value}})
                if not answer.refused:
                    failures.append(f"create {model} with default_{name} -> {answer}")
        self.assertEqual(failures, [])

    def test_unlink_records_carrying_decisions_refused_for_every_group(self):
        failures = []
        for model, (record, names) in self.targets.items():
            if not (self.env[model]._finance_guarded_records or any(map(looks_like_decision, names))):
                continue  # no decision on the record (e.g. a secret's bookkeeping): deleting is configuration
            for login in self.logins:
                answer = self.call_kw_as(login, model, "unlink", [record.ids])
                if not answer.refused:
                    failures.append(f"{login}: unlink {model} -> {answer}")
            self.assertTrue(record.sudo().with_context(active_test=False).exists(), f"{model} deleted over RPC")
        self.assertEqual(failures, [])

    def test_xmlrpc_and_parent_one2many_refused(self):
        """XML-RPC ``execute_kw`` and a parent's one2many commands end in the same guard."""
        conn, _names = self.targets["finance.bank.connection"]
        run, _names = self.targets["finance.sync.run"]
        run_state, conn_state = run.state, conn.state
        models = self.xmlrpc_object  # HttpCase's proxy (its transport joins the test transaction)
        admin = self.users[("conn_admin", "a")]
        self.env.flush_all()
        for model, ids, vals in (
                ("finance.bank.connection", conn.ids, {"state": "error" if conn_state != "error" else "draft"}),
                ("finance.bank.connection", conn.ids, {"sync_run_ids": [(1, run.id, {"state": "running"})]}),
                ("finance.bank.connection", conn.ids, {"sync_run_ids": [(2, run.id)]}),
                ("finance.bank.connection", conn.ids, {"sync_run_ids": [(0, 0, {"state": "done"})]})):
            for login in (admin.login, "admin"):
                uid = self.env["res.users"].search([("login", "=", login)]).id
                with self.assertRaises(xmlrpc.client.Fault, msg=f"{login}: {vals}") as caught:
                    models.execute_kw(self.env.cr.dbname, uid, login, model, "write", [ids, vals])
                self.assertIn(GUARD_MARK, caught.exception.faultString)
        run.invalidate_recordset()
        conn.invalidate_recordset()
        self.assertEqual((run.exists().state, conn.state), (run_state, conn_state))

    def test_copy_starts_with_fresh_decisions(self):
        """A client's copy gets the default state, never the original's decision."""
        conn, _names = self.targets["finance.bank.connection"]
        self.assertNotEqual(conn.state, "draft")
        admin = self.users[("conn_admin", "a")].login
        answer = self.call_kw_as(admin, "finance.bank.connection", "copy", [conn.ids])
        self.assertTrue(answer.ok, answer)
        copy = self.env["finance.bank.connection"].browse(answer.result)
        self.assertEqual((copy.state, copy.consecutive_failures, copy.last_error), ("draft", 0, False))
        self.assertRefused(self.call_kw_as(admin, "finance.bank.connection", "copy", [conn.ids],
                                           {"default": {"state": "active"}}))

    def test_web_save_and_import_refused(self):
        """The form's ``web_save`` and the import (``load``) end in the same guard."""
        conn, _names = self.targets["finance.bank.connection"]
        state = conn.state
        target = "error" if state != "error" else "expired"
        admin = self.users[("conn_admin", "a")].login
        self.assertRefused(self.call_kw_as(admin, "finance.bank.connection", "web_save",
                                           [conn.ids, {"state": target}], {"specification": {"state": {}}}))
        answer = self.call_kw_as(admin, "finance.bank.connection", "load",
                                 [[".id", "state"], [[str(conn.id), target]]])
        messages = (answer.result or {}).get("messages") or []
        self.assertTrue(answer.refused or (messages and not (answer.result or {}).get("ids")),
                        f"import changed a state: {answer}")
        self.assertEqual(self._snapshot(conn, ["state"])["state"], state)
        # the form's ordinary fields stay editable for the connection administrator
        saved = self.call_kw_as(admin, "finance.bank.connection", "web_save",
                                [conn.ids, {"name": "Renamed by its administrator"}], {"specification": {"name": {}}})
        self.assertTrue(saved.ok, saved)
