"""Seals and opens connection secrets with the master key from the server configuration."""
import os

from odoo import api, models
from odoo.tools import config

from ..lib.errors import SecretKeyError
from ..lib.secret_box import SecretBox, parse_master_key

CONFIG_KEY = "finance_bridge_master_key"
ENV_KEY = "FINANCE_BRIDGE_MASTER_KEY"


def configured_master_key():
    """The master key text from odoo.conf or the environment (never from the database)."""
    return config.get(CONFIG_KEY) or os.environ.get(ENV_KEY)


class FinanceSecretVault(models.AbstractModel):
    _name = "finance.secret.vault"
    _description = "Finance Bridge secret vault"

    @api.model
    def _box(self, key_text=None):
        return SecretBox(parse_master_key(key_text or configured_master_key()))

    @api.model
    def _key_status(self):
        try:
            return True, self._box().key_id
        except SecretKeyError as exc:
            return False, str(exc)

    @api.model
    def _aad(self, secret):
        return f"finance.bank.secret:{secret.id}:{secret.key}"

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
        old_box, new_box = self._box(old_key_text), self._box(new_key_text)
        self.env.cr.execute("SELECT id, key, ciphertext FROM finance_bank_secret "
                            "WHERE ciphertext IS NOT NULL ORDER BY id FOR UPDATE")
        rotated = already = 0
        for secret_id, key, token in self.env.cr.fetchall():
            aad = f"finance.bank.secret:{secret_id}:{key}"
            if SecretBox.token_key_id(token) == new_box.key_id:
                already += 1
                continue
            plain = old_box.open(token, aad)
            self.env.cr.execute("UPDATE finance_bank_secret SET ciphertext = %s WHERE id = %s",
                                (new_box.seal(plain, aad), secret_id))
            rotated += 1
        self.env["finance.bank.secret"].invalidate_model(["ciphertext"])
        for company in self.env["res.company"].sudo().search([]):
            self.env["finance.audit.event"]._log(
                "secret.rotate", summary=f"master key rotated to {new_box.key_id}",
                payload={"rotated": rotated, "already": already, "new_key_id": new_box.key_id},
                company=company)
        # The audit chain is keyed from the master key too: re-seal it under the new one.
        self.env["finance.audit.event"]._rekey(old_key_text, new_key_text)
        return {"rotated": rotated, "already": already, "key_id": new_box.key_id}
