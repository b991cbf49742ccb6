"""The provider's persisted state on a connection: bank time zone, status cursor, consent, own data.

Providers read and write it only through ``context.state`` (``lib/provider_state.ProviderState``);
``ConnectionStateSink`` below is the core side of that API: it validates each write, stores it
(tokens sealed by the secret vault) and audits it. The fields are guarded: no user, form or RPC
call writes them, only this sink (and the consent buttons of the provider's addon, which go
through it too).
"""
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib.decision_guard import decides
from ..lib.provider_protocols import Capability
from ..lib.provider_state import CONSENT_STATES, ConsentState, ProviderState, StateError, consent_from_mapping

CONSENT_SELECTION = [("none", "None"), ("received", "Requested"), ("valid", "Valid"), ("rejected", "Rejected"),
                     ("revoked", "Revoked by the account holder"), ("expired", "Expired"),
                     ("terminated", "Ended by us")]
assert tuple(key for key, _label in CONSENT_SELECTION) == CONSENT_STATES
ENDED_CONSENT = ("rejected", "revoked", "expired", "terminated")
# consent field of the DTO → column of the connection. ``valid_until`` is the last valid day (as
# PSD2's validUntil); the column ``consent_expires_on`` is the first day it no longer works.
CONSENT_COLUMNS = {"reference": "consent_reference", "status": "consent_state", "valid_until": "consent_expires_on",
                   "frequency_per_day": "consent_frequency_per_day", "calls_today": "consent_calls_today",
                   "calls_on": "consent_calls_on"}
COUNTER_FIELDS = frozenset({"calls_today", "calls_on"})


def _tz_selection(self):
    return self.env["res.partner"]._fields["tz"]._description_selection(self.env)


class FinanceBankConnection(models.Model):
    _inherit = "finance.bank.connection"

    bank_timezone = fields.Selection(
        _tz_selection, string="Bank time zone", default="UTC", required=True,
        help="The time zone of the bank's business day: statement date windows, daily call quotas and "
             "consent validity are counted in bank-local days.")
    status_cursor = fields.Char(copy=False, groups="finance_bridge_core.group_connection_admin",
                                help="Where the next reading of payment status events starts (provider-specific). "
                                     "Clear it to read again every status the bank still offers.")
    consent_reference = fields.Char(readonly=True, copy=False, guarded=True, string="Consent id",
                                    help="The bank's id of the consent this connection works under.")
    consent_state = fields.Selection(CONSENT_SELECTION, default="none", required=True, readonly=True, copy=False,
                                     guarded=True, tracking=True, string="Consent",
                                     help="Written by the provider from what the bank reports.")
    consent_frequency_per_day = fields.Integer(readonly=True, copy=False, guarded=True,
                                               string="Unattended calls per day",
                                               help="What the consent allows per bank day (0: no limit). "
                                                    "Scheduled runs stop for the day when they are spent.")
    consent_calls_today = fields.Integer(readonly=True, copy=False, guarded=True, string="Calls used",
                                         help="Unattended calls made on the bank day below.")
    consent_calls_on = fields.Date(readonly=True, copy=False, guarded=True, string="Calls counted on")
    provider_data = fields.Json(readonly=True, copy=False, guarded=True,
                                groups="finance_bridge_core.group_connection_admin",
                                help="Small non-secret data the provider keeps between runs (e.g. token expiry).")

    # ------------------------------------------------------------------ reading
    @api.model
    def _search_provider_capabilities(self, operator, value):
        """``[('provider_capabilities', '=', 'screening')]``: connections whose provider declares it."""
        if operator not in ("=", "in"):
            raise UserError(_("Capabilities can be searched with = or in only."))
        wanted = {Capability(v) for v in ([value] if isinstance(value, str) else value)}
        keys = [key for key, cls in self.env["finance.addon.registry"]._provider_items()
                if wanted <= {Capability(c) for c in cls.capabilities}]
        return [("provider", "in", keys)]

    def _consent(self):
        self.ensure_one()
        values = {name: self[column] for name, column in CONSENT_COLUMNS.items()}
        values["valid_until"] = values["valid_until"] and values["valid_until"] - timedelta(days=1)
        return consent_from_mapping(values)

    def _provider_state(self, provider_cls):
        """The ``ProviderState`` a provider of this connection gets on its context."""
        self.ensure_one()
        conn = self.sudo()
        links = {link.account_number: link for link in conn.account_ids}
        return ProviderState(
            ConnectionStateSink(conn, provider_cls), consent=conn._consent(), data=conn.provider_data or {},
            managed_secrets=[s.name for s in provider_cls.secret_schema if s.managed],
            cursor=lambda account: (links[account].cursor or None) if account in links else None,
            status_cursor=lambda: conn.status_cursor or None)

    def _bank_today(self):
        """Today in the bank's time zone."""
        self.ensure_one()
        return fields.Datetime.context_timestamp(self.with_context(tz=self.bank_timezone or "UTC"),
                                                 fields.Datetime.now()).date()

    # ------------------------------------------------------------------ writing (the sink)
    @decides
    def _state_write_secret(self, name, value):
        self.ensure_one()
        secret = self.sudo().secret_ids.filtered(lambda s: s.key == name)
        if not secret:
            raise StateError(f"connection {self.name} has no secret {name!r}")
        secret._store_from_provider(value)

    @decides
    def _state_write_consent(self, consent: ConsentState, changed):
        self.ensure_one()
        conn = self.sudo()
        before = conn.consent_state
        vals = {CONSENT_COLUMNS[name]: getattr(consent, name) or False for name in changed}
        if "valid_until" in changed:
            vals["consent_expires_on"] = consent.valid_until and consent.valid_until + timedelta(days=1)
        conn.write(vals)
        if set(changed) <= COUNTER_FIELDS:
            return  # a call counted: on the run, not one audit event per call
        if "status" in changed and consent.status in ENDED_CONSENT and conn.state in ("active", "error"):
            conn.write({"state": "expired"})
        self.env["finance.audit.event"]._log(
            "provider.consent", conn, summary=f"{conn.name}: consent {before} → {consent.status}"
            if "status" in changed else f"{conn.name}: consent {', '.join(changed)} updated",
            payload={"changed": list(changed), "status": consent.status, "reference": consent.reference,
                     "valid_until": str(consent.valid_until or ""),
                     "frequency_per_day": consent.frequency_per_day})

    @decides
    def _state_write_data(self, data, changed):
        self.ensure_one()
        conn = self.sudo()
        conn.provider_data = data
        self.env["finance.audit.event"]._log(
            "provider.data", conn, summary=f"{conn.name}: provider data {', '.join(changed)} updated",
            payload={"changed": list(changed)})


class ConnectionStateSink:
    """The core side of ``ProviderState``: one connection, writes validated, stored and audited."""

    def __init__(self, connection, provider_cls):
        self.connection = connection
        self.provider_cls = provider_cls

    def write_secret(self, name, value):
        self.connection._state_write_secret(name, value)

    def write_consent(self, consent, changed):
        self.connection._state_write_consent(consent, changed)

    def write_data(self, data, changed):
        self.connection._state_write_data(data, changed)
