"""Webhooks of a bank connection: its unguessable URL token and its signing secrets.

The token only routes a delivery to its connection; authenticity comes from the HMAC signature
under the connection's signing secret, held in the encrypted vault like every other secret. A
rotation keeps the previous secret verifying for a grace window, so the bank can switch without
losing deliveries; the token has no grace (a leaked URL is closed at once).
"""
import secrets as pysecrets
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.decision_guard import decides
from ..lib.errors import ConfigurationError, SecretKeyError
from ..lib.provider_registry import Capability, SecretField
from ..lib.webhook_protocol import WebhookProtocol
from .button_access import check_button

ADMIN_GROUP = "finance_bridge_core.group_connection_admin"
SECRET_CURRENT = "webhook_signing_secret"
SECRET_PREVIOUS = "webhook_signing_secret_previous"
WEBHOOK_SECRETS = (
    SecretField(SECRET_CURRENT, "Webhook signing secret",
                help="HMAC key the bank signs its webhook deliveries with. Set it to the value the bank "
                     "gives you, or press Rotate signing secret to generate one and give it to the bank."),
    SecretField(SECRET_PREVIOUS, "Webhook signing secret (previous)",
                help="The secret before the last rotation: it still verifies until the grace window ends, "
                     "then it is cleared."),
)
ROUTE = "/finance_bridge/webhook"


def new_token():
    """256 random bits, URL-safe: the connection's part of its webhook URL."""
    return pysecrets.token_urlsafe(32)


def webhook_protocol_of(provider_cls):
    """The class whose webhook methods apply to a provider: its own, or the canonical defaults."""
    if provider_cls is None or Capability.WEBHOOKS not in getattr(provider_cls, "capabilities", ()):
        return None
    return provider_cls if issubclass(provider_cls, WebhookProtocol) else WebhookProtocol


class FinanceBankConnectionWebhook(models.Model):
    _inherit = "finance.bank.connection"

    webhook_enabled = fields.Boolean(compute="_compute_webhook_enabled",
                                     help="The provider declares webhooks: the bank can push events.")
    webhook_token = fields.Char(readonly=True, copy=False, guarded=True, groups=ADMIN_GROUP,
                                help="Unguessable part of the webhook URL; Rotate token replaces it.")
    webhook_url = fields.Char(compute="_compute_webhook_url", groups=ADMIN_GROUP, string="Webhook URL",
                              help="Give this URL to the bank as the webhook (notification) endpoint.")
    webhook_grace_hours = fields.Integer(
        default=24, string="Signing secret grace (hours)",
        help="After a rotation the previous signing secret still verifies for this many hours.")
    webhook_previous_until = fields.Datetime(readonly=True, copy=False, guarded=True,
                                             string="Previous secret valid until")
    webhook_inbox_ids = fields.One2many("finance.webhook.inbox", "connection_id", string="Webhook events")
    webhook_inbox_count = fields.Integer(compute="_compute_webhook_counts", string="Webhook events received")
    webhook_refused_count = fields.Integer(compute="_compute_webhook_counts", string="Deliveries refused")
    webhook_refused_unsigned = fields.Integer(compute="_compute_webhook_counts", string="Unsigned")
    webhook_refused_bad_signature = fields.Integer(compute="_compute_webhook_counts", string="Bad signature")
    webhook_refused_stale = fields.Integer(compute="_compute_webhook_counts", string="Stale or future")
    webhook_refused_replayed = fields.Integer(compute="_compute_webhook_counts", string="Replayed")
    webhook_refused_too_large = fields.Integer(compute="_compute_webhook_counts", string="Too large")
    webhook_refused_other = fields.Integer(
        compute="_compute_webhook_counts", string="Other refusals",
        help="No length, malformed body, no signing secret configured.")

    _webhook_token_unique = models.Constraint("UNIQUE (webhook_token)", "Webhook tokens are unique.")
    _webhook_grace_range = models.Constraint("CHECK (webhook_grace_hours BETWEEN 0 AND 720)",
                                             "The signing secret grace is between 0 and 720 hours.")

    # ------------------------------------------------------------------ schema
    def _webhook_protocol(self):
        self.ensure_one()
        try:
            return webhook_protocol_of(self._provider_class()) if self.provider else None
        except ConfigurationError:
            return None

    @api.depends("provider")
    def _compute_webhook_enabled(self):
        for conn in self:
            conn.webhook_enabled = bool(conn._webhook_protocol())

    @api.depends("webhook_token")
    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url") or ""
        for conn in self:
            conn.webhook_url = f"{base.rstrip('/')}{ROUTE}/{conn.webhook_token}" if conn.webhook_token else False

    def _compute_webhook_counts(self):
        counts = self.env["finance.webhook.refusal"].sudo()._counts(self)
        inbox = dict(self.env["finance.webhook.inbox"].sudo()._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]))
        named = ("unsigned", "bad_signature", "stale", "replayed", "too_large")
        for conn in self:
            mine = counts.get(conn.id, {})
            conn.webhook_inbox_count = inbox.get(conn, 0)
            conn.webhook_refused_count = sum(mine.values())
            for reason in named:
                conn[f"webhook_refused_{reason}"] = mine.get(reason, 0)
            conn.webhook_refused_other = sum(n for r, n in mine.items() if r not in named)

    def _secret_schema(self, provider_cls):
        schema = super()._secret_schema(provider_cls)
        if webhook_protocol_of(provider_cls):
            schema += tuple(spec for spec in WEBHOOK_SECRETS if spec.name not in {s.name for s in schema})
        return schema

    def _sync_schema_lines(self):
        res = super()._sync_schema_lines()
        self.filtered(lambda c: c.webhook_enabled and not c.sudo().webhook_token)._webhook_issue_token()
        return res

    @decides
    def _webhook_issue_token(self):
        for conn in self:
            conn.sudo().webhook_token = new_token()

    # ------------------------------------------------------------------ secrets
    def _webhook_secret_row(self, key):
        return self.sudo().secret_ids.filtered(lambda s: s.key == key)[:1]

    def _webhook_signing_secrets(self, now=None):
        """Secrets a delivery may be signed with: the current one, then the previous during its grace.

        On every delivery, so read in one query and opened with one box (the vault's own checks:
        fingerprint of the master key, associated data bound to the connection's settings).
        """
        self.ensure_one()
        now = now or fields.Datetime.now()
        keys = [SECRET_CURRENT]
        if self.webhook_previous_until and self.webhook_previous_until > now:
            keys.append(SECRET_PREVIOUS)
        self.env["finance.bank.secret"].flush_model(["connection_id", "key"])
        self.env.cr.execute("SELECT id, key, ciphertext FROM finance_bank_secret WHERE connection_id = %s "
                            "AND key IN %s AND ciphertext IS NOT NULL", (self.id, tuple(keys)))
        sealed = {key: (secret_id, token) for secret_id, key, token in self.env.cr.fetchall()}
        if not sealed:
            return []
        vault = self.env["finance.secret.vault"].sudo()
        box = vault._box()
        rows = self.env["finance.bank.secret"].sudo()
        found = []
        for key in keys:
            if key in sealed:
                secret_id, token = sealed[key]
                found.append(box.open(token, vault._aad(rows.browse(secret_id))))
        return [value for value in found if value]

    def _webhook_store_secret(self, key, value):
        row = self._webhook_secret_row(key)
        vault = self.env["finance.secret.vault"].sudo()
        vault._store(row, vault._seal(row, value) if value else None)
        row.sudo().write({"is_set": bool(value), "set_on": fields.Datetime.now() if value else False,
                          "set_by_id": self.env.uid if value else False})

    # ------------------------------------------------------------------ buttons
    def _webhook_check_enabled(self):
        for conn in self:
            if not conn.webhook_enabled:
                raise UserError(_("The provider of %s does not receive webhooks.", conn.name))

    @decides
    def action_webhook_rotate_token(self):
        """New URL token: the old URL stops answering at once (404), audited."""
        check_button(self, ADMIN_GROUP, "write")
        self._webhook_check_enabled()
        for conn in self:
            had = bool(conn.sudo().webhook_token)
            conn.sudo().webhook_token = new_token()
            self.env["finance.audit.event"]._log(
                "webhook.token_rotate", conn,
                summary=f"{conn.name}: webhook URL token {'rotated' if had else 'issued'}",
                payload={"connection": conn.id, "had_token": had})
        return self._notify(_("Webhook URL changed"),
                            _("Give the new URL to the bank: the previous one is refused from now on."), "warning")

    @decides
    def action_webhook_rotate_secret(self):
        """Generate a new signing secret; the current one becomes the previous, valid for the grace window.

        The new value is shown once, in the notification, to be given to the bank; it is stored
        only encrypted and never shown again.
        """
        self.ensure_one()
        check_button(self, ADMIN_GROUP, "write")
        self._webhook_check_enabled()
        vault = self.env["finance.secret.vault"].sudo()
        current_row = self._webhook_secret_row(SECRET_CURRENT)
        value = new_token()
        try:
            current = vault._open(current_row) if current_row.is_set else None
            until = False
            if current and self.webhook_grace_hours > 0:
                until = fields.Datetime.now() + timedelta(hours=self.webhook_grace_hours)
                self._webhook_store_secret(SECRET_PREVIOUS, current)
            else:
                self._webhook_store_secret(SECRET_PREVIOUS, None)
            self._webhook_store_secret(SECRET_CURRENT, value)
        except SecretKeyError as exc:
            raise UserError(_("Signing secret not rotated: %s", exc)) from None
        self.sudo().webhook_previous_until = until
        self.env["finance.audit.event"]._log(
            "webhook.secret_rotate", self, summary=f"{self.name}: webhook signing secret rotated",
            payload={"connection": self.id, "previous_valid_until": str(until) if until else None})
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": _("New webhook signing secret"), "type": "warning", "sticky": True,
                           "message": _("Give this secret to the bank now, it is not shown again: %(value)s"
                                        " — the previous one verifies until %(until)s.",
                                        value=value, until=until or _("now (no grace)")),
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    def action_view_webhook_inbox(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        action = self.env["ir.actions.act_window"]._for_xml_id("finance_bridge_core.action_finance_webhook_inbox")
        action["domain"] = [("connection_id", "=", self.id)]
        return action

    @api.model
    @decides
    def _webhook_expire_grace(self):
        """Clear previous signing secrets whose grace window is over (called by the webhook worker)."""
        for conn in self.sudo().search([("webhook_previous_until", "!=", False),
                                        ("webhook_previous_until", "<=", fields.Datetime.now())]):
            row = conn._webhook_secret_row(SECRET_PREVIOUS)
            if row and row.is_set:
                row._clear(reason="webhook rotation grace is over")
            conn.webhook_previous_until = False
