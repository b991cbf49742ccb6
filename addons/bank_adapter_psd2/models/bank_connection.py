"""PSD2 on the bank connection: Connect / Renew consent (OAuth2 + SCA at the bank), its callback,
the consent read back from the bank, pending transactions and certificate expiry.

The provider does the talking (providers/psd2.py); these methods check who presses what, keep the
authorisation in flight and audit. The consent fields themselves are the core's (provider state).
"""
import secrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.decision_guard import decides
from odoo.addons.finance_bridge_core.lib.errors import FinanceBridgeError
from odoo.addons.finance_bridge_core.lib.masking import mask_account
from odoo.addons.finance_bridge_core.models.button_access import check_button, user_error
from odoo.exceptions import AccessError, UserError

from ..providers.psd2 import Psd2Provider
from .psd2_authorisation import LIFETIME, state_hash

ADMIN_GROUP = "finance_bridge_core.group_connection_admin"
CALLBACK_PATH = "/finance_bridge/psd2/callback"


class FinanceBankConnection(models.Model):
    _inherit = "finance.bank.connection"

    is_psd2 = fields.Boolean(compute="_compute_is_psd2")
    psd2_pending_text = fields.Text(compute="_compute_psd2_pending", string="Pending transactions",
                                    help="What the bank reports as pending: shown here, never booked. Each is "
                                         "replaced by its booked version when the bank books it.")
    psd2_pending_count = fields.Integer(compute="_compute_psd2_pending", string="Pending")
    psd2_certificate_expires_on = fields.Date(
        readonly=True, copy=False, guarded=True, string="Certificates expire on",
        help="The earlier expiry of the TLS and signing certificates, read when they are used.")

    @api.depends("provider")
    def _compute_is_psd2(self):
        for conn in self:
            conn.is_psd2 = conn.provider == Psd2Provider.key

    @api.depends("provider_data")
    def _compute_psd2_pending(self):
        for conn in self:
            pending = (conn.sudo().provider_data or {}).get("pending") or {} if conn.is_psd2 else {}
            rows = [f"{mask_account(account)}  {p.get('value_date') or ''}  {p.get('amount')} {p.get('currency')}  "
                    f"{p.get('label') or ''}" for account, items in sorted(pending.items()) for p in items]
            conn.psd2_pending_count = len(rows)
            conn.psd2_pending_text = "\n".join(rows) or False

    # ------------------------------------------------------------------ Connect / renew
    def _psd2_check(self):
        self.ensure_one()
        if not self.is_psd2:
            raise UserError(_("%s is not a PSD2 connection.", self.name))

    def _psd2_redirect_uri(self, provider):
        configured = provider.config.get("redirect_uri")
        if configured:
            return configured
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        return base.rstrip("/") + CALLBACK_PATH

    def action_psd2_connect(self):
        """Ask the bank for a consent on this connection's accounts and open its SCA page."""
        check_button(self, ADMIN_GROUP)
        self._psd2_check()
        ibans = [link.account_number for link in self.account_ids if link.account_number]
        if not ibans:
            raise UserError(_("Connection %s serves no bank journal with an IBAN yet.", self.name))
        state_value = secrets.token_urlsafe(32)
        try:
            provider = self._make_provider()
            redirect_uri = self._psd2_redirect_uri(provider)
            url, verifier = provider.start_consent(ibans, redirect_uri, state_value)
        except FinanceBridgeError as exc:
            raise user_error(exc, _("The bank refused the consent request of %s", self.name)) from None
        self._psd2_keep_certificate_expiry(provider)
        self.env["finance.psd2.authorisation"].sudo().create({
            "connection_id": self.id, "user_id": self.env.uid, "state_hash": state_hash(state_value),
            "verifier": verifier, "redirect_uri": redirect_uri, "expires_at": fields.Datetime.now() + LIFETIME})
        self.env["finance.audit.event"]._log(
            "psd2.consent_requested", self, summary=f"{self.name}: consent requested at the bank",
            payload={"consent": self.consent_reference, "accounts": [mask_account(i) for i in ibans]})
        return {"type": "ir.actions.act_url", "url": url, "target": "self"}

    def action_psd2_renew_consent(self):
        """A new consent (the old one expires or was revoked): the same SCA at the bank."""
        return self.action_psd2_connect()

    def action_psd2_refresh_consent(self):
        """Read the consent's status and validity back from the bank."""
        check_button(self, ADMIN_GROUP)
        self._psd2_check()
        try:
            status = self._make_provider().consent_status()
        except FinanceBridgeError as exc:
            raise user_error(exc, _("Consent of %s not read", self.name)) from None
        return self._notify(_("Consent"), _("The bank reports the consent as %s.", status), "info")

    def action_psd2_end_consent(self):
        """Tell the bank to end the consent (DELETE) and forget the tokens."""
        check_button(self, ADMIN_GROUP)
        self._psd2_check()
        try:
            self._make_provider().end_consent()
        except FinanceBridgeError as exc:
            raise user_error(exc, _("Consent of %s not ended", self.name)) from None
        return True

    @api.model
    def _psd2_callback(self, state_value, code=None, error=None, error_description=None):
        """The bank's redirect: ``(connection, message)``. The state must be one this user started here,
        within its lifetime, once; the code is exchanged with the PKCE verifier only the server holds."""
        Authorisation = self.env["finance.psd2.authorisation"].sudo()
        auth = Authorisation.search([("state_hash", "=", state_hash(state_value))], limit=1) if state_value else None
        if not auth or auth.expires_at < fields.Datetime.now() or auth.user_id != self.env.user:
            self.env["finance.audit.event"].sudo()._log(
                "psd2.callback_refused", auth.connection_id if auth else None,
                summary="PSD2 callback refused: unknown, expired or another user's authorisation",
                payload={"user": self.env.uid})
            if auth and auth.expires_at < fields.Datetime.now():
                auth.unlink()
            return self.browse(), _("This authorisation is unknown or expired: press Connect again.")
        connection, verifier, redirect_uri = auth.connection_id, auth.verifier, auth.redirect_uri
        auth.unlink()
        try:
            check_button(connection, ADMIN_GROUP)
        except AccessError:
            return self.browse(), _("Only bank-connection administrators can connect a bank.")
        return connection._psd2_finish(code, verifier, redirect_uri, error, error_description)

    @decides
    def _psd2_finish(self, code, verifier, redirect_uri, error=None, error_description=None):
        self.ensure_one()
        provider = self._make_provider()
        if error or not code:
            provider.consent_status()
            message = _("The bank did not grant the consent (%s).", error_description or error or _("no code"))
        else:
            try:
                status = provider.finish_consent(code, verifier, redirect_uri)
            except FinanceBridgeError as exc:
                raise user_error(exc, _("Consent of %s not completed", self.name)) from None
            message = _("The bank reports the consent as %s.", status)
            if status == "valid" and self.state == "expired":
                self.sudo().write({"state": "active", "next_run": fields.Datetime.now()})
        self.env["finance.audit.event"]._log(
            "psd2.consent_callback", self, summary=f"{self.name}: {message}",
            payload={"consent": self.consent_reference, "status": self.consent_state, "error": error or ""})
        return self, message

    # ------------------------------------------------------------------ certificates
    @decides
    def _psd2_keep_certificate_expiry(self, provider):
        expiries = provider.certificate_expiry()
        if expiries:
            first = min(expiries.values()).date()
            if first != self.psd2_certificate_expires_on:
                self.sudo().write({"psd2_certificate_expires_on": first})

    @api.model
    @decides
    def _cron_check_expiry(self):
        """Also warn about PSD2 certificates as about consents: an activity N days before, once."""
        res = super()._cron_check_expiry()
        today = fields.Date.context_today(self)
        for conn in self.search([("psd2_certificate_expires_on", "!=", False), ("state", "!=", "draft")]):
            if today < conn.psd2_certificate_expires_on - timedelta(days=conn.expiry_warning_days):
                continue
            summary = _("Bank certificate expires on %s", conn.psd2_certificate_expires_on)
            if not conn.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                conn.activity_schedule("mail.mail_activity_data_todo", date_deadline=conn.psd2_certificate_expires_on,
                                       user_id=(conn.user_id or self.env.user).id, summary=summary,
                                       note=_("Upload the renewed TLS / signing certificate of %s.", conn.name))
        return res
