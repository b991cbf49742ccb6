"""Encrypted, write-only secrets of a bank connection."""
from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.errors import SecretKeyError

SEALED_FIELDS = ("ciphertext",)


class FinanceBankSecret(models.Model):
    _name = "finance.bank.secret"
    _description = "Bank connection secret"
    _inherit = ["finance.bank.connection.item"]
    ciphertext = fields.Char(prefetch=False, copy=False,
                             help="AES-GCM token; readable by no one through the ORM.")
    is_set = fields.Boolean(readonly=True, copy=False, guarded=True)
    set_on = fields.Datetime(readonly=True, copy=False, guarded=True)
    set_by_id = fields.Many2one("res.users", readonly=True, copy=False, guarded=True)
    value = fields.Char(compute="_compute_value", inverse="_inverse_value",
                        help="Type a new value to replace the secret. The stored value is never shown.")
    managed = fields.Boolean(readonly=True, string="Written by the provider",
                             help="The provider stores this secret itself (e.g. OAuth tokens it refreshes).")

    _connection_key_unique = models.Constraint(
        "UNIQUE (connection_id, key)", "A connection holds each secret once.")

    @api.model
    def _has_field_access(self, field, operation):
        # The sealed column is refused to every user, superuser included, for
        # reading and writing: the vault reads and writes it with SQL only.
        if field.name in SEALED_FIELDS:
            return False
        return super()._has_field_access(field, operation)

    def _compute_value(self):
        for secret in self:
            secret.value = False

    def _inverse_value(self):
        vault = self.env["finance.secret.vault"]
        for secret in self:
            if not secret.value:
                continue
            if not self.env.user.has_group("finance_bridge_core.group_connection_admin") and not self.env.su:
                raise AccessError(_("Only bank-connection administrators can set secrets."))
            try:
                token = vault._seal(secret, secret.value)
            except SecretKeyError as exc:
                raise UserError(_("Secret %(key)s not saved: %(reason)s", key=secret.key, reason=exc)) from None
            vault._store(secret, token)
            secret.sudo().write({"is_set": True, "set_on": fields.Datetime.now(),
                                 "set_by_id": self.env.uid})
            self.env["finance.audit.event"]._log(
                "secret.set", secret.connection_id, summary=f"secret {secret.key} replaced",
                payload={"connection": secret.connection_id.id, "key": secret.key})

    def _store_from_provider(self, value):
        """Seal a value the provider obtained (a refreshed token), or clear it; audited, never logged.

        Server code only: reached through ``context.state.store_secret`` of a provider whose
        ``secret_schema`` declares this secret ``managed``.
        """
        self.ensure_one()
        if not self.managed:
            raise UserError(_("Secret %s is entered by an administrator, not written by the provider.", self.key))
        if not value:
            return self._clear(reason="cleared by the provider")
        vault = self.env["finance.secret.vault"]
        vault._store(self, vault._seal(self, value))
        self.sudo().write({"is_set": True, "set_on": fields.Datetime.now(), "set_by_id": self.env.uid})
        self.env["finance.audit.event"]._log(
            "secret.set", self.connection_id, summary=f"secret {self.key} refreshed by the provider",
            payload={"connection": self.connection_id.id, "key": self.key, "by": "provider"})
        return True

    def action_clear(self):
        return self._clear()

    def _clear(self, reason=None):
        for secret in self:
            self.env["finance.secret.vault"]._store(secret, None)
            secret.sudo().write({"is_set": False, "set_on": False, "set_by_id": False})
            summary = f"secret {secret.key} cleared" + (f": {reason}" if reason else "")
            self.env["finance.audit.event"]._log(
                "secret.clear", secret.connection_id, summary=summary,
                payload={"connection": secret.connection_id.id, "key": secret.key, "reason": reason or "manual"})
