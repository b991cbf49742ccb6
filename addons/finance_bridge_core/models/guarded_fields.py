"""One guard for the whole suite: decision/state fields, evidence records, fixed and shared records.

Declared on the models, enforced here for every entry point that ends in ``create``/``write``/
``unlink`` (forms, ``call_kw``, XML-RPC, imports, ``copy``):

* ``fields.X(..., guarded=True)``: the field changes only in server code (see
  ``lib/decision_guard.py``); a client's ``write`` or ``create`` naming it is refused, and a record
  whose guarded field differs from its default cannot be deleted by a client.
* ``_finance_guarded_records = True``: decision or evidence records (hits, allowlist entries,
  imported files, sync runs, outbox messages…): every field the suite declares on them is guarded
  and clients can neither create nor delete them.
* ``fields.X(..., fixed=True)``: cannot change after creation, for anyone (``company_id`` and
  parent links of connections and their secrets, settings and accounts).
* ``_finance_shared_config = True``: records without a company are shared by every company, so only
  a user allowed in every company may create, change or delete them.
"""
import functools
import os

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_path

from ..lib.decision_guard import in_decision_scope, looks_like_decision

MAGIC_FIELDS = {"id", "create_uid", "create_date", "write_uid", "write_date", "display_name"}


@functools.cache
def suite_modules():
    """The addons shipped next to finance_bridge_core (the suite), by directory."""
    root = os.path.dirname(get_module_path("finance_bridge_core"))
    return frozenset(name for name in os.listdir(root) if os.path.isfile(os.path.join(root, name, "__manifest__.py")))


class Base(models.AbstractModel):
    _inherit = "base"

    _finance_guarded_records = False
    _finance_shared_config = False

    def _valid_field_parameter(self, field, name):
        return name in ("guarded", "fixed") or super()._valid_field_parameter(field, name)

    # ------------------------------------------------------------------ declarations
    @api.model
    def _finance_guarded_names(self):
        """Names of the fields only server code may write on this model."""
        cls = type(self)
        cached = cls.__dict__.get("_finance_guarded_cache")
        if cached is None:
            suite = suite_modules()
            cached = frozenset(
                name for name, field in self._fields.items()
                if getattr(field, "guarded", False) or (
                    self._finance_guarded_records and field.store and name not in MAGIC_FIELDS
                    and set(field._modules) & suite))
            cls._finance_guarded_cache = cached
        return cached

    def _finance_privileged(self):
        return self.env.su or in_decision_scope()

    def _finance_refuse(self, operation, names):
        labels = ", ".join(sorted(self._fields[n].string or n for n in names)) if names else ""
        raise AccessError(_(
            "%(model)s: %(op)s refused. %(fields)s can only be changed through the actions that check the "
            "rules (server side), not by a direct write.",
            model=self._description or self._name, op=operation,
            fields=labels or _("These records")))

    # ------------------------------------------------------------------ checks
    def _finance_check_fixed(self, vals):
        for name, value in vals.items():
            field = self._fields.get(name)
            if not getattr(field, "fixed", False):
                continue
            for record in self:
                current = record[name]
                new = value.id if isinstance(value, models.BaseModel) else value
                if field.type == "many2one":
                    current = current.id
                    new = new or False
                if current != new:
                    raise UserError(_(
                        "%(model)s %(rec)s: %(field)s cannot change after creation; create a new record "
                        "in the right company instead.",
                        model=self._description or self._name, rec=record.display_name,
                        field=field.string or name))

    def _finance_all_companies_user(self):
        companies = self.env["res.company"].sudo().search([])  # the active companies
        return not (companies - self.env.user.company_ids)

    def _finance_check_shared(self, operation, records=None, vals_list=None):
        if not self._finance_shared_config or self.env.su:
            return
        has_company = "company_id" in self._fields
        shared = False
        if records is not None:
            shared = not has_company or any(not rec.company_id for rec in records)
        for vals in vals_list or ():
            shared = shared or not has_company or ("company_id" in vals and not vals["company_id"]) or (
                operation == "create" and not vals.get("company_id")
                and not self._fields["company_id"].default)
        if shared and not self._finance_all_companies_user():
            raise AccessError(_(
                "%(model)s: %(op)s refused. Shared records are used by every company; only a user allowed "
                "in every company may change them. Create a record for your company instead.",
                model=self._description or self._name, op=operation))

    # ------------------------------------------------------------------ ORM entry points
    @api.model_create_multi
    def create(self, vals_list):
        if not self._finance_privileged():
            if self._finance_guarded_records:
                self._finance_refuse(_("creating records"), ())
            guarded = self._finance_guarded_names()
            if guarded:
                defaults = {k[8:] for k in self.env.context if k.startswith("default_")} & guarded
                named = {n for vals in vals_list for n in vals if n in guarded}
                if named | defaults:
                    self._finance_refuse(_("create"), named | defaults)
        self._finance_check_shared("create", vals_list=vals_list)
        return super().create(vals_list)

    def write(self, vals):
        if not self._finance_privileged():
            named = self._finance_guarded_names() & set(vals)
            if named:
                self._finance_refuse(_("write"), named)
        self._finance_check_fixed(vals)
        self._finance_check_shared("write", records=self, vals_list=[vals])
        return super().write(vals)

    def copy_data(self, default=None):
        """A client's copy starts with fresh decisions (the defaults), like a new record."""
        vals_list = super().copy_data(default)
        if not self._finance_privileged():
            dropped = self._finance_guarded_names() - set(default or ())
            for vals in vals_list:
                for name in dropped & set(vals):
                    del vals[name]
        return vals_list

    def unlink(self):
        if self and not self._finance_privileged():
            if self._finance_guarded_records:
                self._finance_refuse(_("deleting records"), ())
            for name in filter(looks_like_decision, self._finance_guarded_names()):
                field = self._fields[name]
                default = field.convert_to_record(field.convert_to_cache(
                    self.default_get([name]).get(name, False), self), self)
                if any(rec[name] != default for rec in self):
                    self._finance_refuse(_("deleting a record that carries a decision"), {name})
        self._finance_check_shared("unlink", records=self)
        return super().unlink()
