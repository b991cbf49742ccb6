"""What REST bank connections add to a connection: Connect (OAuth 2.0), the exchange log, the
circuit breaker and certificate expiry — generic, driven by what the provider class declares.

* ``oauth_authorization_code = True`` on the provider (``lib/oauth2.OAuthProviderMixin``) shows
  **Connect**; the token lands in the provider's ``oauth_token_secret``.
* ``tls_material`` / ``signing_material`` (``lib/tls_material.MaterialSecrets``) name the secrets
  holding certificates; their expiry is shown and warned like a consent.
* Every provider session records its exchanges (``finance.http.exchange``). Exchanges are collected
  while a sync or an outbox message runs and written after its savepoint, so a failed run keeps its
  evidence. A refreshed token goes through the provider state (``context.state.store_secret``), which
  the sync engine and the outbox write again after a rollback; storing the token secret also
  updates ``oauth_token_expires_at`` and audits ``oauth.token.refreshed``.
"""
import contextvars
import logging
from contextlib import contextmanager
from datetime import timedelta

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.circuit_breaker import STATES as BREAKER_STATES
from ..lib.circuit_breaker import BreakerState, CircuitBreaker, CircuitOpen
from ..lib.decision_guard import decides
from ..lib.errors import FinanceBridgeError
from ..lib.oauth2 import OAuthToken, new_pkce, new_state
from ..lib.tls_material import provider_materials
from ..lib.user_errors import describe_error
from .bank_connection import ADMIN_GROUP
from .button_access import check_button, user_error
from .oauth_state import OAuthStateRefused

_logger = logging.getLogger(__name__)

CALLBACK_PATH = "/finance_bridge/oauth/callback"
_CAPTURE = contextvars.ContextVar("finance_bridge_rest_capture", default=None)


class _Capture:
    """Exchanges of one unit of work, written when it ends."""

    def __init__(self):
        self.exchanges = {}  # connection id -> [HttpExchange]


class FinanceBankConnectionRest(models.Model):
    _inherit = "finance.bank.connection"

    oauth_enabled = fields.Boolean(compute="_compute_rest_info", string="Connects through OAuth")
    oauth_connected_on = fields.Datetime(readonly=True, copy=False, guarded=True, string="Connected on")
    oauth_connected_by_id = fields.Many2one("res.users", readonly=True, copy=False, guarded=True,
                                            string="Connected by")
    oauth_token_expires_at = fields.Datetime(readonly=True, copy=False, guarded=True, string="Access token until",
                                             help="Refreshed automatically before it expires.")
    certificate_expires_on = fields.Date(readonly=True, copy=False, guarded=True,
                                         help="The earliest expiry of the client / signing certificates held in "
                                              "the secrets; an activity is scheduled the warning days before.")
    certificate_info = fields.Char(readonly=True, copy=False, guarded=True, string="Certificates")
    breaker_state = fields.Selection([(s, s.replace("_", "-").capitalize()) for s in BREAKER_STATES],
                                     default="closed", required=True, readonly=True, copy=False, guarded=True,
                                     string="Circuit", help="Open: the bank failed too often; no call is made "
                                                            "until the cool-down ends, then one probe.")
    breaker_failures = fields.Integer(readonly=True, copy=False, guarded=True, string="Failures in a row (circuit)")
    breaker_opened_at = fields.Datetime(readonly=True, copy=False, guarded=True, string="Circuit opened at")
    breaker_threshold = fields.Integer(default=5, string="Open circuit after",
                                       help="Consecutive failed synchronisations that open the circuit.")
    breaker_cool_down = fields.Integer(default=15, string="Circuit cool-down (minutes)")
    http_exchange_count = fields.Integer(compute="_compute_http_exchange_count")

    _breaker_positive = models.Constraint("CHECK (breaker_threshold > 0 AND breaker_cool_down > 0)",
                                          "The circuit threshold and cool-down must be positive.")

    @api.depends("provider")
    def _compute_rest_info(self):
        for conn in self:
            try:
                cls = conn._provider_class() if conn.provider else None
            except FinanceBridgeError:
                cls = None
            conn.oauth_enabled = bool(getattr(cls, "oauth_authorization_code", False))

    def _compute_http_exchange_count(self):
        counts = dict(self.env["finance.http.exchange"]._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]))
        for conn in self:
            conn.http_exchange_count = counts.get(conn, 0)

    def action_view_http_exchanges(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        return self.env["finance.http.exchange"]._action_for([("connection_id", "=", self.id)])

    # ------------------------------------------------------------------ capture of exchanges
    @contextmanager
    def _rest_capture(self):
        """Collect exchanges of the enclosed work; write them at the end.

        Nested captures join the outer one.
        """
        if _CAPTURE.get() is not None:
            yield _CAPTURE.get()
            return
        capture = _Capture()
        token = _CAPTURE.set(capture)
        try:
            yield capture
        finally:
            _CAPTURE.reset(token)
            self._rest_flush(capture)

    @api.model
    def _rest_flush(self, capture):
        for conn in self.sudo().browse(list(capture.exchanges)).exists():
            if capture.exchanges.get(conn.id):
                self.env["finance.http.exchange"]._record(conn, capture.exchanges[conn.id])

    def _make_provider(self, correlation_id=None, clock=None):
        provider = super()._make_provider(correlation_id, clock=clock)
        context, conn = provider.context, self.sudo()
        base_http = context.http
        logger = context.logger

        def record(exchange):
            capture = _CAPTURE.get()
            if capture is None:
                self.env["finance.http.exchange"]._record(conn, [exchange])
            else:
                capture.exchanges.setdefault(conn.id, []).append(exchange)

        def http(*args, **kwargs):
            kwargs.setdefault("recorder", record)
            kwargs.setdefault("correlation_id", context.correlation_id)
            kwargs.setdefault("secrets", lambda: getattr(logger, "_secrets", ()))
            return base_http(*args, **kwargs)

        context.http = http
        return provider

    @decides
    def _state_write_secret(self, name, value):
        """A token the provider refreshed (``context.state.store_secret``): its expiry and audit too."""
        res = super()._state_write_secret(name, value)
        if value and name == getattr(self.sudo()._provider_class(), "oauth_token_secret", None):
            token = OAuthToken.from_json(value)
            self.sudo().write({"oauth_token_expires_at": token.expires_at.replace(tzinfo=None)
                               if token.expires_at else False})
            self._oauth_audit_token(token, refreshed=True)
        return res

    def action_test_connection(self):
        with self._rest_capture():
            return super().action_test_connection()

    # ------------------------------------------------------------------ circuit breaker
    def _breaker(self):
        return CircuitBreaker(threshold=max(self.breaker_threshold, 1),
                              cool_down=timedelta(minutes=max(self.breaker_cool_down, 1)))

    def _breaker_state(self):
        return BreakerState(state=self.breaker_state or "closed", failures=self.breaker_failures,
                            opened_at=fields.Datetime.to_datetime(self.breaker_opened_at)
                            if self.breaker_state != "closed" else None)

    @decides
    def _breaker_store(self, state):
        before = self.breaker_state
        self.sudo().write({"breaker_state": state.state, "breaker_failures": state.failures,
                           "breaker_opened_at": state.opened_at or False})
        if before != state.state:
            self.env["finance.audit.event"]._log(
                "connection.circuit", self, summary=f"{self.name}: circuit {before} → {state.state}",
                payload={"from": before, "to": state.state, "failures": state.failures})

    def _breaker_check(self):
        """Before calling the bank: raises ``CircuitOpen`` while open; lets one probe through after the cool-down."""
        self.ensure_one()
        state = self._breaker_state()
        new_state = self._breaker().check(state, fields.Datetime.now())
        if new_state != state:
            self._breaker_store(new_state)

    def _breaker_report(self, ok):
        """After a unit of work against the bank (a sync, a payment submission)."""
        self.ensure_one()
        breaker, state = self._breaker(), self._breaker_state()
        new_state = breaker.on_success(state) if ok else breaker.on_failure(state, fields.Datetime.now())
        if new_state != state:
            self._breaker_store(new_state)

    @decides
    def _run_sync(self, trigger="cron", clock=None, accounts=None):
        self.ensure_one()
        try:
            self._breaker_check()
        except CircuitOpen as exc:
            now = fields.Datetime.now()
            run = self.env["finance.sync.run"].sudo().create({
                "connection_id": self.id, "trigger": trigger, "state": "failed", "finished_at": now,
                "error": str(exc)})
            self.sudo().write({"next_run": exc.retry_at, "last_error": str(exc)})
            return run
        with self._rest_capture():
            run = super()._run_sync(trigger, clock=clock, accounts=accounts)
        self._breaker_report(run.state == "done")
        return run

    # ------------------------------------------------------------------ OAuth: Connect and callback
    @api.model
    def _oauth_redirect_uri(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "").rstrip("/")
        return base + CALLBACK_PATH

    def action_oauth_connect(self):
        """Send the administrator's browser to the bank to authorise this connection."""
        self.ensure_one()
        check_button(self, ADMIN_GROUP, "write")
        if not self.oauth_enabled:
            raise UserError(_("%(provider)s does not connect through OAuth: fill in its secrets instead.",
                              provider=self.provider))
        conn = self._technical()
        state, (verifier, challenge) = new_state(), new_pkce()
        try:
            with conn._rest_capture():
                provider = conn._make_provider()
                url = provider.oauth_begin(self._oauth_redirect_uri(), state, challenge)
        except (FinanceBridgeError, OSError, requests.RequestException) as exc:
            raise user_error(exc, _("%s cannot be connected", self.name)) from None
        self.env["finance.oauth.state"]._issue(self, state, verifier)
        self.env["finance.audit.event"]._log("oauth.connect", self, summary=f"{self.name}: authorisation started",
                                             payload={"connection": self.id})
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    @api.model
    def _oauth_callback(self, state, code=None, error=None, error_description=None):
        """The bank sent the user back: ``(connection, message)`` on success, raises ``OAuthStateRefused``.

        Called by the controller as the logged-in user; every outcome is audited.
        """
        connection = None
        try:
            connection, verifier = self.env["finance.oauth.state"]._consume(state)
            if not self.env.user.has_group(ADMIN_GROUP):
                raise OAuthStateRefused("only bank-connection administrators can connect a bank", connection)
            if error:
                raise OAuthStateRefused(f"the bank refused the authorisation: {error}"
                                        + (f" ({error_description})" if error_description else ""), connection)
            conn = connection._technical()
            with conn._rest_capture():
                provider = conn._make_provider()
                token = provider.oauth_complete(code, verifier, self._oauth_redirect_uri())
            conn._oauth_store_token(token)
        except OAuthStateRefused as exc:
            self._oauth_refused(exc.reason, exc.connection or connection)
            raise
        except (FinanceBridgeError, OSError, requests.RequestException) as exc:
            reason = describe_error(exc)
            self._oauth_refused(reason, connection)
            raise OAuthStateRefused(reason, connection) from None
        return connection, _("%s is connected to the bank.", connection.name)

    @api.model
    def _oauth_refused(self, reason, connection=None):
        _logger.info("OAuth callback refused for user %s: %s", self.env.uid, reason)
        self.env["finance.audit.event"]._log(
            "oauth.refused", connection.sudo() if connection else None, summary=f"bank authorisation refused: {reason}",
            payload={"connection": connection.id if connection else None, "user": self.env.uid, "reason": reason},
            company=connection.sudo().company_id if connection else self.env.company)

    @decides
    def _oauth_store_token(self, token, refreshed=False):
        """Seal the token (JSON) into the provider's token secret; audited, never logged."""
        self.ensure_one()
        conn = self.sudo()
        name = getattr(conn._provider_class(), "oauth_token_secret", None)
        secret = conn.secret_ids.filtered(lambda s: s.key == name)
        if not secret:
            raise UserError(_("Provider %(provider)s declares no secret %(name)s for its OAuth token.",
                              provider=conn.provider, name=name))
        vault = self.env["finance.secret.vault"]
        vault._store(secret, vault._seal(secret, token.to_json()))
        secret.write({"is_set": True, "set_on": fields.Datetime.now(), "set_by_id": self.env.uid})
        vals = {"oauth_token_expires_at": token.expires_at.replace(tzinfo=None) if token.expires_at else False}
        if not refreshed:
            vals.update(oauth_connected_on=fields.Datetime.now(), oauth_connected_by_id=self.env.uid)
        conn.write(vals)
        self._oauth_audit_token(token, refreshed)

    def _oauth_audit_token(self, token, refreshed):
        conn = self.sudo()
        self.env["finance.audit.event"]._log(
            "oauth.token.refreshed" if refreshed else "oauth.connected", conn,
            summary=f"{conn.name}: access token {'refreshed' if refreshed else 'stored'}",
            payload={"expires_at": token.expires_at, "scope": token.scope, "refresh_token": bool(token.refresh_token)})

    # ------------------------------------------------------------------ certificates
    @decides
    def _refresh_certificate_info(self):
        """Read the expiry of the certificates the provider declares from the vault."""
        vault = self.env["finance.secret.vault"]
        for conn in self.sudo():
            try:
                specs = provider_materials(conn._provider_class()) if conn.provider else ()
            except FinanceBridgeError:
                specs = ()
            secrets = {s.key: s for s in conn.secret_ids}
            found, notes = [], []
            for spec in specs:
                try:
                    material = spec.load(lambda name, s=secrets: vault._open(s[name]) if name in s else None)
                except FinanceBridgeError as exc:
                    notes.append(str(exc))
                    continue
                if material:
                    found.append(material.not_valid_after)
                    notes.append(f"{spec.label}: {material.subject}, serial {material.serial_hex}, "
                                 f"valid until {material.not_valid_after:%Y-%m-%d}")
            conn.write({"certificate_expires_on": min(found).date() if found else False,
                        "certificate_info": "; ".join(notes)[:500] or False})

    @api.model
    def _cron_check_certificates(self):
        """Refresh certificate expiry and give the responsible an activity the warning days before."""
        today = fields.Date.context_today(self)
        connections = self.sudo().search([("state", "!=", "draft")])
        connections._refresh_certificate_info()
        for conn in connections.filtered("certificate_expires_on"):
            if today < conn.certificate_expires_on - timedelta(days=conn.expiry_warning_days):
                continue
            expired = conn.certificate_expires_on <= today
            summary = (_("Bank certificate expired on %s", conn.certificate_expires_on) if expired
                       else _("Bank certificate expires on %s", conn.certificate_expires_on))
            if not conn.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                conn.activity_schedule("mail.mail_activity_data_todo", date_deadline=max(conn.certificate_expires_on,
                                                                                          today),
                                       user_id=(conn.user_id or self.env.user).id, summary=summary,
                                       note=_("Upload a renewed certificate for %(name)s (%(info)s).",
                                              name=conn.name, info=conn.certificate_info or ""))
        self.env["finance.oauth.state"]._gc()
        return True


class FinanceBankSecretRest(models.Model):
    _inherit = "finance.bank.secret"

    def _inverse_value(self):
        super()._inverse_value()
        self._certificates_changed()

    def _clear(self, reason=None):
        res = super()._clear(reason)
        self._certificates_changed()
        return res

    def _certificates_changed(self):
        touched = self.env["finance.bank.connection"]
        for secret in self.sudo():
            try:
                specs = provider_materials(secret.connection_id._provider_class())
            except FinanceBridgeError:
                continue
            if any(secret.key in spec.names() for spec in specs):
                touched |= secret.connection_id
        touched._refresh_certificate_info()


class FinanceOutboxMessageRest(models.Model):
    _inherit = "finance.outbox.message"

    def _process(self):
        """Exchanges of the handler are kept even when its savepoint rolls back."""
        with self.env["finance.bank.connection"]._rest_capture():
            return super()._process()

