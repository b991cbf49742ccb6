"""Bank connection: which provider talks to which bank for which journals, and when."""
import logging
import uuid
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib.concurrency import CONCURRENCY_ERRORS, drain_due, expected_contention
from ..lib.decision_guard import decides
from ..lib.errors import ConfigurationError, FinanceBridgeError
from ..lib.masking import MaskingLogger, mask_text
from ..lib.provider_context import ProviderContext, make_http_session, utc_now
from ..lib.provider_registry import validate_config
from ..lib.user_errors import describe_error
from .button_access import check_button, user_error
from .folder_roots import configured_folder_roots

_logger = logging.getLogger(__name__)

STATES = [("draft", "Draft"), ("active", "Active"), ("error", "Error"), ("expired", "Expired")]
ADMIN_GROUP = "finance_bridge_core.group_connection_admin"
SYNC_GROUP = "finance_bridge_core.group_treasury_manager"
INTERVAL_UNITS = {"minutes": "minutes", "hours": "hours", "days": "days"}
_UNSET = object()


class FinanceBankConnection(models.Model):
    _name = "finance.bank.connection"
    _description = "Bank connection"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "company_id, name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 index=True, tracking=True, fixed=True)
    provider = fields.Selection(selection="_selection_provider", required=True, tracking=True,
                                help="The registered provider that talks to this bank.")
    provider_capabilities = fields.Char(compute="_compute_provider_info", search="_search_provider_capabilities")
    state = fields.Selection(STATES, default="draft", required=True, tracking=True, readonly=True, index=True,
                             guarded=True, copy=False,
                             help="Only active connections (and those in error, after their backoff) are synchronised.")
    user_id = fields.Many2one("res.users", string="Responsible", default=lambda self: self.env.user,
                              help="Receives the activities for failures and expiring consent.")
    account_ids = fields.One2many("finance.bank.connection.account", "connection_id", string="Accounts")
    journal_ids = fields.Many2many("account.journal", compute="_compute_journal_ids", string="Journals")
    setting_ids = fields.One2many("finance.bank.connection.setting", "connection_id", string="Settings")
    secret_ids = fields.One2many("finance.bank.secret", "connection_id", string="Secrets")
    interval_number = fields.Integer(default=1, required=True, help="How often the connection is synchronised.")
    interval_type = fields.Selection([("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")],
                                     default="hours", required=True)
    next_run = fields.Datetime(default=fields.Datetime.now, copy=False, index=True,
                               help="When the synchronisation cron takes this connection next.")
    last_success = fields.Datetime(readonly=True, copy=False, guarded=True)
    last_error = fields.Text(readonly=True, copy=False, guarded=True)
    consecutive_failures = fields.Integer(readonly=True, copy=False, guarded=True)
    next_retry = fields.Datetime(readonly=True, copy=False, guarded=True,
                                 help="After a failure: when the same window is tried again.")
    consent_expires_on = fields.Date(tracking=True,
                                     help="When the bank consent or credentials expire. An activity is "
                                          "scheduled for the responsible the configured number of days before.")
    expiry_warning_days = fields.Integer(default=lambda self: self.env.company.finance_expiry_warning_days or 14)
    sync_run_ids = fields.One2many("finance.sync.run", "connection_id")
    sync_run_count = fields.Integer(compute="_compute_sync_run_count")

    _interval_positive = models.Constraint("CHECK (interval_number > 0)",
                                           "The synchronisation interval must be positive.")

    # ------------------------------------------------------------------ schema
    @api.model
    def _selection_provider(self):
        return [(key, cls.label or key) for key, cls in self.env["finance.addon.registry"]._provider_items()]

    def _provider_class(self):
        self.ensure_one()
        return self.env["finance.addon.registry"]._provider_class(self.provider)

    @api.depends("provider")
    def _compute_provider_info(self):
        for conn in self:
            try:
                caps = conn._provider_class().capabilities if conn.provider else ()
            except ConfigurationError:
                caps = ()
            conn.provider_capabilities = ", ".join(sorted(c.value for c in caps))

    @api.depends("account_ids.journal_id")
    def _compute_journal_ids(self):
        for conn in self:
            conn.journal_ids = conn.account_ids.journal_id

    def _compute_sync_run_count(self):
        counts = dict(self.env["finance.sync.run"]._read_group(
            [("connection_id", "in", self.ids)], ["connection_id"], ["__count"]))
        for conn in self:
            conn.sync_run_count = counts.get(conn, 0)

    def _sync_schema_lines(self):
        """Create the setting and secret rows the provider's schema declares; drop the others."""
        for conn in self:
            cls = conn._provider_class()
            settings = {s.key: s for s in conn.setting_ids}
            for spec in cls.config_schema:
                vals = {"label": spec.label, "help": spec.help, "required": spec.required,
                        "value_type": spec.type}
                if spec.name in settings:
                    settings.pop(spec.name).write(vals)
                else:
                    default = "" if spec.default is None else str(spec.default)
                    self.env["finance.bank.connection.setting"].create(
                        dict(vals, connection_id=conn.id, key=spec.name, value=default or False))
            for stale in settings.values():
                stale.unlink()
            secrets = {s.key: s for s in conn.secret_ids}
            for spec in conn._secret_schema(cls):
                vals = {"label": spec.label, "help": spec.help, "required": spec.required and not spec.managed,
                        "managed": spec.managed}
                if spec.name in secrets:
                    secrets.pop(spec.name).write(vals)
                else:
                    self.env["finance.bank.secret"].create(dict(vals, connection_id=conn.id, key=spec.name))
            for stale in secrets.values():
                stale.action_clear()
                stale.unlink()

    def _secret_schema(self, provider_cls):
        """The secret rows this connection holds: the provider's, plus those core features add
        (e.g. the webhook signing secrets, models/bank_connection_webhook.py)."""
        return tuple(provider_cls.secret_schema)

    @api.model_create_multi
    def create(self, vals_list):
        conns = super().create(vals_list)
        conns._sync_schema_lines()
        for conn in conns:
            self.env["finance.audit.event"]._log(
                "connection.create", conn, summary=f"connection {conn.name} created",
                payload={"provider": conn.provider, "state": conn.state})
        return conns

    def write(self, vals):
        before = {c.id: c.state for c in self} if "state" in vals else {}
        snapshot = self.env["finance.secret.vault"]._binding_snapshot(self) if "provider" in vals else {}
        res = super().write(vals)
        if "provider" in vals:
            self._sync_schema_lines()
            self.env["finance.secret.vault"]._clear_rebound(snapshot)
        for conn in self:
            if conn.id in before and before[conn.id] != conn.state:
                self.env["finance.audit.event"]._log(
                    "connection.state", conn, summary=f"{conn.name}: {before[conn.id]} → {conn.state}",
                    payload={"from": before[conn.id], "to": conn.state,
                             "failures": conn.consecutive_failures})
        return res

    # ------------------------------------------------------------------ provider
    def _config(self):
        self.ensure_one()
        raw = {s.key: s.value for s in self.setting_ids if s.value not in (False, "")}
        return validate_config(self._provider_class(), raw)

    def _check_required_secrets(self):
        missing = [s.label or s.key for s in self.secret_ids if s.required and not s.is_set]
        if missing:
            raise ConfigurationError(_("missing secrets: %s", ", ".join(missing)))

    def _make_provider(self, correlation_id=None, clock=None):
        """The provider of this connection with its context: config, secrets, HTTP, logger, clock,
        bank time zone and state (``context.state``: cursors, consent, managed secrets, data)."""
        self.ensure_one()
        cls = self._provider_class()
        config = self._config()
        self._check_required_secrets()
        vault = self.env["finance.secret.vault"]
        logger = MaskingLogger(logging.getLogger(f"finance_bridge.provider.{self.provider}"))
        secrets_by_key = {s.key: s for s in self.secret_ids}
        state = self._provider_state(cls)

        def secret(name):
            value = state.written_secret(name, default=_UNSET)
            if value is _UNSET:  # not refreshed during this run: the sealed value
                record = secrets_by_key.get(name)
                value = vault._open(record) if record else None
            logger.add_secret(value)
            return value

        state.on_secret = logger.add_secret
        context = ProviderContext(config=config, secrets=secret, http=make_http_session, logger=logger,
                                  correlation_id=correlation_id or str(uuid.uuid4()),
                                  folder_roots=configured_folder_roots(), clock=clock or utc_now,
                                  bank_timezone=self.bank_timezone or "UTC", state=state)
        return cls(context)

    # ------------------------------------------------------------------ actions
    # Every button checks its group server-side first (see button_access): the view's groups=
    # only hides it. Provider and configuration failures reach the user as a UserError with the
    # provider's own message, never as a traceback.
    @decides
    def action_activate(self):
        check_button(self, ADMIN_GROUP)
        for conn in self:
            try:
                conn._config()
                conn._check_required_secrets()
            except FinanceBridgeError as exc:
                raise user_error(exc, _("%s cannot be activated", conn.name)) from None
            if not conn.account_ids:
                raise UserError(_("Connection %s serves no bank journal yet.", conn.name))
            conn.write({"state": "active", "next_run": fields.Datetime.now(), "consecutive_failures": 0,
                        "next_retry": False})
        return True

    @decides
    def action_set_draft(self):
        check_button(self, ADMIN_GROUP)
        self.write({"state": "draft"})
        return True

    def action_test_connection(self):
        self.ensure_one()
        check_button(self, ADMIN_GROUP)
        try:
            provider = self._make_provider()
            message = provider.test_connection()
            if hasattr(provider, "waiting_files"):  # providers that keep read files report what is new
                imported = self.env["finance.sync.engine"].sudo()._imported_names(self)
                message = f"{message} {provider.waiting_files(imported)}"
            kind, title = "success", _("Connection works")
        except CONCURRENCY_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the provider raises, the user reads one sentence
            if not isinstance(exc, (FinanceBridgeError, OSError, UserError, ValidationError)):
                _logger.warning("test of connection %s failed: %s", self.id, mask_text(repr(exc)))
            message, kind, title = describe_error(exc), "danger", _("Connection failed")
        self.env["finance.audit.event"]._log("connection.test", self, summary=f"{title}: {self.name}",
                                             payload={"result": kind})
        return self._notify(title, mask_text(message), kind)

    def action_sync_now(self):
        """Synchronise now, as the connection's technical context.

        Only the press is checked against the user (group, company); the sync itself runs as
        superuser scoped to the connection's company, exactly like the cron, so who pressed
        never changes what is imported or whether the connection goes to error. The run's
        creator stays the user who pressed.
        """
        self.ensure_one()
        check_button(self, SYNC_GROUP)
        if self.state not in ("active", "error"):
            raise UserError(_("%(name)s is %(state)s: activate it before synchronising.", name=self.name,
                              state=dict(STATES)[self.state]))
        self._lock_now()
        run = self._technical()._run_sync(trigger="manual")
        if run.state == "done":
            return self._notify(_("Synchronised"), _(
                "%(created)s line(s) created, %(skipped)s already known, %(stmts)s statement(s).",
                created=run.lines_created, skipped=run.lines_skipped, stmts=run.statements_created),
                "success")
        return self._notify(_("Synchronisation failed"), run.error, "danger")

    def _technical(self):
        """The connection as its technical context: superuser rights, the connection's company only."""
        self.ensure_one()
        return self.sudo().with_company(self.company_id).with_context(allowed_company_ids=self.company_id.ids)

    def _lock_now(self):
        """Lock the row for a manual sync; refuse when a worker holds it (SKIP LOCKED: no SQL error)."""
        with expected_contention():  # updated since our snapshot: Odoo's request retry runs us again
            self.env.cr.execute("SELECT id FROM finance_bank_connection WHERE id = %s FOR UPDATE SKIP LOCKED",
                                (self.id,))
        if not self.env.cr.fetchone():
            _logger.info("manual sync of connection %s refused: a worker holds it", self.id)
            raise UserError(_("A synchronisation of %s is running; try again in a moment.", self.name))
        return True

    def action_view_runs(self):
        self.ensure_one()
        check_button(self, "finance_bridge_core.group_finance_user")
        action = self.env["ir.actions.act_window"]._for_xml_id("finance_bridge_core.action_finance_sync_run")
        action["domain"] = [("connection_id", "=", self.id)]
        action["context"] = {"default_connection_id": self.id}
        return action

    @api.model
    def _notify(self, title, message, kind):
        return {"type": "ir.actions.client", "tag": "display_notification",
                "params": {"title": title, "message": message, "type": kind, "sticky": kind == "danger",
                           "next": {"type": "ir.actions.client", "tag": "soft_reload"}}}

    # ------------------------------------------------------------------ sync engine
    def _interval(self):
        return relativedelta(**{INTERVAL_UNITS[self.interval_type]: self.interval_number})

    @api.model
    def _claim_due(self, limit=1):
        """Claim due connections; a row locked by another worker is skipped, never waited for."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT id FROM finance_bank_connection
             WHERE active AND state IN ('active', 'error')
               AND (next_run IS NULL OR next_run <= (clock_timestamp() AT TIME ZONE 'UTC'))
             ORDER BY next_run NULLS FIRST, id
             LIMIT %s
             FOR UPDATE SKIP LOCKED""", (limit,))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _count_due(self):
        return self.search_count([("state", "in", ("active", "error")),
                                  "|", ("next_run", "=", False), ("next_run", "<=", fields.Datetime.now())])

    @api.model
    def _cron_sync(self):
        """Cron: synchronise due connections, one per transaction, reporting progress.

        Progress rows of imports whose worker died are closed first (see job progress).
        """
        self.env["finance.job.progress"].sudo()._reap_stale()
        return self._sync_due(self.env["ir.cron"]._commit_progress)

    @api.model
    def _sync_due(self, commit_progress):
        """Claim and synchronise due connections until none is left or the cron's time is up.

        ``commit_progress`` is the cron progress API: it commits (releasing
        the claim) and returns the seconds left.
        """
        # A serialisation conflict with another worker rolls the unit back and claims
        # again; it is not a sync failure.
        return drain_due(self.env, lambda: self._claim_due(1), lambda conn: conn._technical()._run_sync(trigger="cron"),
                         commit_progress, self._count_due())

    def _run_sync(self, trigger="cron", clock=None, accounts=None):
        """One synchronisation of this claimed connection: see ``finance.sync.engine._run``."""
        self.ensure_one()
        return self.env["finance.sync.engine"]._run(self, trigger=trigger, clock=clock, accounts=accounts)

    # ------------------------------------------------------------------ expiry
    @api.model
    @decides
    def _cron_check_expiry(self):
        """Consent validity counts in bank-local days (``bank_timezone``)."""
        for conn in self.search([("consent_expires_on", "!=", False), ("state", "!=", "draft")]):
            today = conn._bank_today()
            if conn.consent_expires_on <= today:
                if conn.state != "expired":
                    conn.write({"state": "expired"})
                continue
            warn_from = conn.consent_expires_on - timedelta(days=conn.expiry_warning_days)
            summary = _("Bank consent expires on %s", conn.consent_expires_on)
            if today >= warn_from and not conn.activity_ids.filtered(lambda a, s=summary: a.summary == s):
                conn.activity_schedule("mail.mail_activity_data_todo", date_deadline=conn.consent_expires_on,
                                       user_id=(conn.user_id or self.env.user).id, summary=summary,
                                       note=_("Renew the consent or credentials of %s before they expire.",
                                              conn.name))
