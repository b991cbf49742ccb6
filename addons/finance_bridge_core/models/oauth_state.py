"""Pending OAuth authorisations: the ``state`` and PKCE verifier of one Connect press.

A row binds a state (stored as its SHA-256 only) to the connection and the user who pressed
Connect, expires after ``STATE_TTL`` and is consumed once: the callback is refused for an unknown,
expired or replayed state and for any other user. The verifier is sealed with the master key and
bound to the row, in a column the ORM does not map (server code only).
"""
import hashlib
from datetime import timedelta

from odoo import api, fields, models

STATE_TTL = timedelta(minutes=10)
KEEP_USED = timedelta(days=1)


def state_digest(state):
    return hashlib.sha256((state or "").encode("utf-8")).hexdigest()


class OAuthStateRefused(Exception):
    """The callback does not match a pending authorisation; ``reason`` is safe to show."""

    def __init__(self, reason, connection=None):
        super().__init__(reason)
        self.reason = reason
        self.connection = connection


class FinanceOAuthState(models.Model):
    _name = "finance.oauth.state"
    _description = "Pending bank authorisation (OAuth state)"
    _order = "id desc"
    _finance_guarded_records = True  # written by the Connect button and the callback only

    state_digest = fields.Char(required=True, readonly=True, index=True)
    connection_id = fields.Many2one("finance.bank.connection", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one(related="connection_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    expires_at = fields.Datetime(required=True, readonly=True)
    used_at = fields.Datetime(readonly=True)

    _state_digest_unique = models.Constraint("UNIQUE (state_digest)", "An OAuth state is issued once.")

    def init(self):
        # The sealed verifier is a column the ORM does not know: no read, search, export or RPC reaches it;
        # only the methods below read and write it, with SQL.
        self.env.cr.execute("ALTER TABLE finance_oauth_state ADD COLUMN IF NOT EXISTS verifier_sealed varchar")

    @api.model
    def _aad(self, digest, connection_id, user_id):
        return f"finance.oauth.state:{digest}:{connection_id}:{user_id}"

    @api.model
    def _issue(self, connection, state, verifier):
        """Remember a state for ``connection`` and the current user (server code only)."""
        digest = state_digest(state)
        row = self.sudo().create({"state_digest": digest, "connection_id": connection.id, "user_id": self.env.uid,
                                  "expires_at": fields.Datetime.now() + STATE_TTL})
        box = self.env["finance.secret.vault"]._box()
        self.env.cr.execute("UPDATE finance_oauth_state SET verifier_sealed = %s WHERE id = %s",
                            (box.seal(verifier, self._aad(digest, connection.id, self.env.uid)), row.id))
        return row

    @api.model
    def _consume(self, state):
        """``(connection, verifier)`` for a pending state of the current user; marks it used.

        Raises ``OAuthStateRefused`` (the row, when there is one, is used up all the same: a
        state is never tried twice).
        """
        digest = state_digest(state)
        self.env.cr.execute("SELECT id, verifier_sealed FROM finance_oauth_state WHERE state_digest = %s "
                            "FOR UPDATE", (digest,))
        found = self.env.cr.fetchone()
        if not state or not found:
            raise OAuthStateRefused("unknown authorisation state: start again with Connect on the connection")
        row = self.sudo().browse(found[0])
        connection = row.connection_id
        if row.used_at:
            raise OAuthStateRefused("this authorisation was already used (replayed callback)", connection)
        row.write({"used_at": fields.Datetime.now()})
        if row.user_id.id != self.env.uid:
            raise OAuthStateRefused("this authorisation was started by another user", connection)
        if row.expires_at < fields.Datetime.now():
            raise OAuthStateRefused("this authorisation expired: press Connect again", connection)
        aad = self._aad(digest, connection.id, row.user_id.id)
        verifier = self.env["finance.secret.vault"]._box().open(found[1], aad)
        self.env.cr.execute("UPDATE finance_oauth_state SET verifier_sealed = NULL WHERE id = %s", (row.id,))
        return connection, verifier

    @api.model
    def _gc(self):
        """Forget states used or expired more than a day ago."""
        limit = fields.Datetime.now() - KEEP_USED
        old = self.sudo().search(["|", ("used_at", "<", limit), ("expires_at", "<", limit)])
        count = len(old)
        old.unlink()
        return count
