"""Seals and opens connection secrets with the master key from the server configuration."""
import os

from odoo import api, models
from odoo.tools import config

from ..lib.errors import ConfigurationError, SecretKeyError
from ..lib.provider_registry import binding_digest
from ..lib.secret_box import SecretBox, parse_master_key

CONFIG_KEY = "finance_bridge_master_key"
ENV_KEY = "FINANCE_BRIDGE_MASTER_KEY"
FINGERPRINT_PARAM = "finance_bridge.master_key_fingerprint"
WRONG_KEY = ("the master key is wrong for this database: its fingerprint differs from the one recorded "
             "when this database's secrets were first sealed ({param}). Secrets are neither sealed nor "
             "opened on this node until {option} is corrected (a key change is made with "
             "`finance_bridge rotate-key`).")


def configured_master_key():
    """The master key text from odoo.conf or the environment (never from the database)."""
    return config.get(CONFIG_KEY) or os.environ.get(ENV_KEY)


class FinanceSecretVault(models.AbstractModel):
    _name = "finance.secret.vault"
    _description = "Finance Bridge secret vault"

    @api.model
    def _box(self, key_text=None, check=True):
        """The box of the configured key, refused when it is not this database's key."""
        box = SecretBox(parse_master_key(key_text or configured_master_key()))
        if check:
            self._check_fingerprint(box)
        return box

    @api.model
    def _stored_fingerprint(self):
        # read past the parameter cache: another process (rotate-key) may have changed it
        self.env["ir.config_parameter"].flush_model(["key", "value"])
        self.env.cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", (FINGERPRINT_PARAM,))
        row = self.env.cr.fetchone()
        return row[0] if row else False

    @api.model
    def _check_fingerprint(self, box, accept=()):
        """Compare the key's fingerprint with the database's; record it on first use.

        Without a recorded fingerprint (first secret of the database), a key
        that differs from the one of tokens already stored is refused as well.
        """
        stored = self._stored_fingerprint()
        if stored:
            if stored != box.fingerprint and stored not in accept:
                raise SecretKeyError(WRONG_KEY.format(param=FINGERPRINT_PARAM, option=CONFIG_KEY))
            return
        self.env.cr.execute("SELECT ciphertext FROM finance_bank_secret WHERE ciphertext IS NOT NULL")
        if any(SecretBox.token_key_id(row[0]) != box.key_id for row in self.env.cr.fetchall()) and not accept:
            raise SecretKeyError(WRONG_KEY.format(param=FINGERPRINT_PARAM, option=CONFIG_KEY))
        self._record_fingerprint(box)

    @api.model
    def _record_fingerprint(self, box):
        self.env["ir.config_parameter"].sudo().set_param(FINGERPRINT_PARAM, box.fingerprint)

    @api.model
    def _key_status(self):
        try:
            box = self._box(check=False)
            stored = self._stored_fingerprint()
            if stored and stored != box.fingerprint:
                raise SecretKeyError(WRONG_KEY.format(param=FINGERPRINT_PARAM, option=CONFIG_KEY))
            return True, box.key_id
        except SecretKeyError as exc:
            return False, str(exc)

    @api.model
    def _binding_digest(self, connection):
        """Digest of the settings the connection's secrets are bound to (endpoint, host, host key...)."""
        connection = connection.sudo()
        try:
            cls = connection._provider_class() if connection.provider else None
        except ConfigurationError:
            cls = None
        raw = {s.key: s.value for s in connection.setting_ids}
        return binding_digest(connection.provider, cls, raw)

    @api.model
    def _binding_snapshot(self, connections):
        """Binding digest per connection, to compare before and after a change of settings."""
        return {conn.id: self._binding_digest(conn) for conn in connections.sudo().exists()}

    @api.model
    def _clear_rebound(self, snapshot):
        """Clear (audited) the secrets of every connection whose binding settings changed.

        A secret entered for one endpoint, host or host key is never sent to
        another: it must be entered again by someone who knows it.
        """
        connections = self.env["finance.bank.connection"].sudo().browse(list(snapshot)).exists()
        for conn in connections:
            if self._binding_digest(conn) != snapshot[conn.id]:
                conn.secret_ids.filtered("is_set")._clear(
                    reason="the settings it was bound to (endpoint, host, host key, provider) changed")

    @api.model
    def _aad(self, secret):
        secret = secret.sudo()
        return (f"finance.bank.secret:{secret.id}:{secret.key}:{secret.connection_id.id}:"
                f"{self._binding_digest(secret.connection_id)}")

    @api.model
    def _seal(self, secret, plaintext):
        return self._box().seal(plaintext, self._aad(secret))

    @api.model
    def _store(self, secret, token):
        self.env.cr.execute("UPDATE finance_bank_secret SET ciphertext = %s WHERE id = %s",
                            (token, secret.id))

    @api.model
    def _open(self, secret):
        """Plaintext of one secret row, read with SQL: the ORM refuses the column."""
        self.env.cr.execute("SELECT ciphertext FROM finance_bank_secret WHERE id = %s", (secret.id,))
        row = self.env.cr.fetchone()
        if not row or not row[0]:
            return None
        return self._box().open(row[0], self._aad(secret))

    @api.model
    def _rotate(self, old_key_text, new_key_text):
        """Re-encrypt every secret from the old key to the new one; returns counts.

        Rows already under the new key are left as they are, so a rotation
        interrupted half-way can simply be run again.
        """
        old_box, new_box = self._box(old_key_text, check=False), self._box(new_key_text, check=False)
        # The old key must be this database's key; a re-run after an interrupted
        # rotation finds the new key's fingerprint already recorded.
        self._check_fingerprint(old_box, accept=(new_box.fingerprint,))
        self.env.cr.execute("SELECT id, ciphertext FROM finance_bank_secret "
                            "WHERE ciphertext IS NOT NULL ORDER BY id FOR UPDATE")
        rotated = already = 0
        for secret_id, token in self.env.cr.fetchall():
            aad = self._aad(self.env["finance.bank.secret"].browse(secret_id))
            if SecretBox.token_key_id(token) == new_box.key_id:
                already += 1
                continue
            plain = old_box.open(token, aad)
            self.env.cr.execute("UPDATE finance_bank_secret SET ciphertext = %s WHERE id = %s",
                                (new_box.seal(plain, aad), secret_id))
            rotated += 1
        self.env["finance.bank.secret"].invalidate_model(["ciphertext"])
        self._record_fingerprint(new_box)
        for company in self.env["res.company"].sudo().search([]):
            self.env["finance.audit.event"]._log(
                "secret.rotate", summary=f"master key rotated to {new_box.key_id}",
                payload={"rotated": rotated, "already": already, "new_key_id": new_box.key_id},
                company=company)
        # The audit chain is keyed from the master key too: re-seal it under the new one.
        self.env["finance.audit.event"]._rekey(old_key_text, new_key_text)
        return {"rotated": rotated, "already": already, "key_id": new_box.key_id}
