"""The metrics endpoint's settings: disabled by default, a bearer token sealed with the master key."""
import hmac

from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.errors import SecretKeyError
from odoo.addons.finance_bridge_core.models.button_access import check_button
from odoo.exceptions import AccessError, UserError

from ..lib.prometheus import render

ADMIN_GROUP = "finance_bridge_core.group_connection_admin"


class FinanceTreasuryMetricsConfig(models.Model):
    _name = "finance.treasury.metrics.config"
    _description = "Metrics endpoint (Prometheus)"
    _finance_shared_config = True  # one per database: changed only by a user of every company

    name = fields.Char(default="Prometheus metrics endpoint", required=True)
    enabled = fields.Boolean(default=False, help="Serve /finance_bridge/metrics for this database.")
    ciphertext = fields.Char(prefetch=False, copy=False, help="AES-GCM token; read with SQL by the endpoint only.")
    token_is_set = fields.Boolean(readonly=True, copy=False, guarded=True)
    token_set_on = fields.Datetime(readonly=True, copy=False, guarded=True)
    token = fields.Char(compute="_compute_token", inverse="_inverse_token",
                        help="Type a new bearer token (at least 24 characters). The stored token is never shown.")

    @api.model
    def _has_field_access(self, field, operation):
        if field.name == "ciphertext":
            return False
        return super()._has_field_access(field, operation)

    def _compute_token(self):
        for rec in self:
            rec.token = False

    def _aad(self):
        return f"finance.treasury.metrics:{self.env.cr.dbname}:{self.id}"

    def _inverse_token(self):
        vault = self.env["finance.secret.vault"]
        for rec in self:
            if not rec.token:
                continue
            if not self.env.su and not self.env.user.has_group(ADMIN_GROUP):
                raise AccessError(_("Only bank-connection administrators can set the metrics token."))
            if len(rec.token) < 24:
                raise UserError(_("The metrics token must be at least 24 characters long."))
            try:
                sealed = vault._box().seal(rec.token, rec._aad())
            except SecretKeyError as exc:
                raise UserError(_("Metrics token not saved: %s", exc)) from None
            self.env.cr.execute("UPDATE finance_treasury_metrics_config SET ciphertext = %s WHERE id = %s",
                                (sealed, rec.id))
            rec.sudo().write({"token_is_set": True, "token_set_on": fields.Datetime.now()})
            self.env["finance.audit.event"]._log("treasury.metrics.token", rec, summary="metrics token replaced",
                                                 payload={"config": rec.id})

    def write(self, vals):
        res = super().write(vals)
        if "enabled" in vals:
            for rec in self:
                self.env["finance.audit.event"]._log(
                    "treasury.metrics.enabled", rec, payload={"enabled": rec.enabled},
                    summary="metrics endpoint " + ("enabled" if rec.enabled else "disabled"))
        return res

    def _open_token(self):
        self.env.cr.execute("SELECT ciphertext FROM finance_treasury_metrics_config WHERE id = %s", (self.id,))
        row = self.env.cr.fetchone()
        if not row or not row[0]:
            return None
        return self.env["finance.secret.vault"]._box().open(row[0], self._aad())

    @api.model
    def _authorise(self, presented):
        """The enabled configuration when ``presented`` is its token; None when disabled; False if refused."""
        config = self.sudo().search([("enabled", "=", True)], limit=1)
        if not config:
            return None
        try:
            expected = config._open_token()
        except SecretKeyError:
            return False
        if not expected or not presented or not hmac.compare_digest(expected.encode(), presented.encode()):
            return False
        return config

    def action_clear_token(self):
        check_button(self, ADMIN_GROUP, "write")
        self.write({"enabled": False})  # as the user: the shared-record check applies before anything changes
        self.env.cr.execute("UPDATE finance_treasury_metrics_config SET ciphertext = NULL WHERE id IN %s",
                            (tuple(self.ids),))
        self.sudo().write({"token_is_set": False})
        return True

    # ------------------------------------------------------------------ figures
    @api.model
    def _families(self):
        """The dashboard's figures as Prometheus families (read as superuser: the token is the access)."""
        env = self.env(su=True)
        env.flush_all()
        for view in ("finance.treasury.cash.account", "finance.treasury.ops.connection",
                     "finance.treasury.ops.company", "finance.treasury.position"):
            env[view].invalidate_model()
        company_label = {c.id: c.name for c in env["res.company"].search([])}
        fams = []
        ops_company = env["finance.treasury.ops.company"].search([])
        for field, kind, help_text in (
                ("connections_error", "gauge", "Connections in error"),
                ("failed_runs_24h", "gauge", "Failed sync runs in the last 24 hours"),
                ("outbox_queued", "gauge", "Outbox messages queued"),
                ("outbox_sending", "gauge", "Outbox messages being sent"),
                ("outbox_failed", "gauge", "Outbox messages failed, to be retried"),
                ("dead_letters", "gauge", "Outbox dead letters"),
                ("outbox_oldest_minutes", "gauge", "Age of the oldest waiting outbox message in minutes"),
                ("statements_missing", "gauge", "Accounts whose statement did not arrive by the expected time"),
                ("payments_unacknowledged", "gauge", "Payment messages without acknowledgement"),
                ("exceptions_backlog", "gauge", "Open exceptions (status events, failed imports, hits)"),
                ("failed_imports", "gauge", "Failed file imports"),
                ("open_hits", "gauge", "Open screening hits"),
                ("duplicate_lines_today", "counter", "Duplicate statement lines prevented today"),
                ("duplicate_files_today", "counter", "Duplicate files prevented today"),
                ("technical_failures", "gauge", "Technical failures"),
                ("business_failures", "gauge", "Business-rule failures")):
            fams.append((f"finance_bridge_{field}", kind, help_text,
                         [({"company": company_label[r.company_id.id]}, r[field]) for r in ops_company]))
        conns = env["finance.treasury.ops.connection"].search([])
        for field, help_text in (("consecutive_failures", "Consecutive failures of the connection"),
                                 ("lateness_minutes", "Minutes the connection is late against its schedule"),
                                 ("failed_runs_24h", "Failed runs of the connection in 24 hours"),
                                 ("consent_days_left", "Days until the consent or certificate expires")):
            fams.append((f"finance_bridge_connection_{field}", "gauge", help_text, [
                ({"company": company_label[r.company_id.id], "connection": r.connection_id.name}, r[field])
                for r in conns if field != "consent_days_left" or r.consent_expires_on]))
        fams.append(("finance_bridge_connection_up", "gauge", "1 when the connection is active", [
            ({"company": company_label[r.company_id.id], "connection": r.connection_id.name},
             1 if r.state == "active" else 0) for r in conns]))
        accounts = env["finance.treasury.cash.account"].search([])
        for field, help_text in (("balance", "Bank balance (booked plus lines since) in the account currency"),
                                 ("balance_company", "Bank balance in the company currency"),
                                 ("balance_age_hours", "Hours since the last balance was received"),
                                 ("stale", "1 when the account's balance is stale")):
            fams.append((f"finance_bridge_account_{field}", "gauge", help_text, [
                ({"company": company_label[a.company_id.id], "account": a.journal_id.name,
                  "currency": a.currency_id.name}, float(a[field]))
                for a in accounts if field != "balance_age_hours" or a.last_balance_at]))
        positions = env["finance.treasury.position"].search([])
        fams.append(("finance_bridge_cash_position", "gauge", "Cash position in the company currency", [
            ({"company": company_label[p.company_id.id], "horizon_days": str(h),
              "currency": p.company_currency_id.name}, p[f"position_{h}_company"])
            for p in positions for h in (0, 7, 30, 90)]))
        fams += self._webhook_families(env, company_label)
        alerts = env["finance.treasury.alert"]._read_group([("state", "=", "open")], ["company_id", "severity"],
                                                           ["__count"])
        fams.append(("finance_bridge_alerts_open", "gauge", "Open alerts", [
            ({"company": company_label[c.id], "severity": sev}, n) for c, sev, n in alerts]))
        return fams

    @api.model
    def _webhook_families(self, env, company_label):
        """Webhooks in (core): refused deliveries per connection and reason, inbox events per state."""
        names = {c.id: (c.company_id.id, c.name) for c in env["finance.bank.connection"].with_context(
            active_test=False).search([])}
        refused = []
        for conn_id, reasons in env["finance.webhook.refusal"]._counts().items():
            company_id, name = names.get(conn_id, (None, "(unknown token)"))
            refused += [({"company": company_label.get(company_id, ""), "connection": name, "reason": reason}, n)
                        for reason, n in sorted(reasons.items())]
        inbox = env["finance.webhook.inbox"]._read_group([], ["connection_id", "state"], ["__count"])
        return [("finance_bridge_webhook_refused_total", "counter", "Webhook deliveries refused, by reason", refused),
                ("finance_bridge_webhook_events", "gauge", "Webhook events in the inbox, by state", [
                    ({"company": company_label[c.company_id.id], "connection": c.name, "state": state}, n)
                    for c, state, n in inbox])]

    @api.model
    def _render(self):
        return render(self._families())


class FinanceSecretVault(models.AbstractModel):
    _inherit = "finance.secret.vault"

    @api.model
    def _rotate(self, old_key_text, new_key_text):
        """Re-seal the metrics token with the new key too."""
        old_box = self._box(old_key_text, check=False)
        self.env.cr.execute("SELECT id, ciphertext FROM finance_treasury_metrics_config WHERE ciphertext IS NOT NULL")
        plain = {}
        Config = self.env["finance.treasury.metrics.config"].sudo()
        for rec_id, token in self.env.cr.fetchall():
            plain[rec_id] = old_box.open(token, Config.browse(rec_id)._aad())
        result = super()._rotate(old_key_text, new_key_text)
        new_box = self._box(new_key_text, check=False)
        for rec_id, text in plain.items():
            self.env.cr.execute("UPDATE finance_treasury_metrics_config SET ciphertext = %s WHERE id = %s",
                                (new_box.seal(text, Config.browse(rec_id)._aad()), rec_id))
        return result
