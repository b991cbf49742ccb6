"""Every alert condition opens one alert per subject, never floods, and closes when it clears; audited."""
from datetime import timedelta

from odoo import fields
from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import new_test_user, tagged

from .common import TreasuryCase


@tagged("post_install", "-at_install")
class TestAlerts(TreasuryCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["finance.treasury.alert.rule"]
        cls.Rule.search([]).active = False   # only the rule under test speaks
        cls.treasurer = new_test_user(cls.env, "tr_alert_user", groups="base.group_user,"
                                      "finance_bridge_core.group_treasury_manager")
        cls.connection = factories.ConnectionFactory()
        cls.connection.account_ids = [(0, 0, {"journal_id": cls.journal.id})]

    def rule(self, condition, threshold=0):
        return self.Rule.create({"name": condition, "condition": condition, "threshold": threshold,
                                 "company_id": self.company.id, "user_ids": [(6, 0, self.treasurer.ids)]})

    def alerts(self, rule, state="open"):
        return self.env["finance.treasury.alert"].search([("rule_id", "=", rule.id), ("state", "=", state)])

    def cycle(self, rule, breach, clear, subject):
        """Breach -> one alert (twice evaluated) with activity, message, audit; clear -> closed."""
        breach()
        self.env.flush_all()
        rule._evaluate()
        rule._evaluate()
        opened = self.alerts(rule).filtered(lambda a: a.subject_key == subject)
        self.assertEqual(len(opened), 1, f"{rule.condition}: exactly one open alert for {subject}")
        self.assertEqual(opened.activity_ids.user_id, self.treasurer)
        self.assertTrue(opened.message_ids.filtered(lambda m: self.treasurer.partner_id in m.partner_ids))
        audit = self.env["finance.audit.event"].sudo().search([("event_type", "=", "treasury.alert.open"),
                                                                ("res_id", "=", opened.id)])
        self.assertEqual(len(audit), 1)
        clear()
        self.env.flush_all()
        rule._evaluate()
        self.assertEqual(opened.state, "closed", f"{rule.condition}: closed when the condition cleared")
        self.assertTrue(opened.closed_at)
        self.assertFalse(opened.activity_ids, "the activity is marked done")
        self.assertTrue(self.env["finance.audit.event"].sudo().search([("event_type", "=", "treasury.alert.close"),
                                                                        ("res_id", "=", opened.id)]))
        rule._evaluate()
        self.assertFalse(self.alerts(rule).filtered(lambda a: a.subject_key == subject), "no reopening")
        return opened

    def age_balance(self, hours):
        self.env.flush_all()
        self.env.cr.execute("UPDATE finance_bank_balance SET write_date = (now() AT TIME ZONE 'UTC') "
                            "- make_interval(hours => %s) WHERE journal_id = %s", (hours, self.journal.id))
        self.env["finance.bank.balance"].invalidate_model()

    def test_stale_account(self):
        self.booked(self.journal, 5, days_ago=1)
        self.cycle(self.rule("stale_account"), lambda: self.age_balance(40), lambda: self.age_balance(1),
                   f"journal:{self.journal.id}")

    def test_continuity_gap(self):
        statement = self.statement_with_line("gap", 1)

        def set_gap(value):
            with decision_scope("test"):
                statement.write({"finance_continuity": value})
        self.cycle(self.rule("continuity_gap"), lambda: set_gap("gap"), lambda: set_gap("ok"),
                   f"journal:{self.journal.id}")

    def _conn(self, **vals):
        with decision_scope("test"):
            self.connection.sudo().write(vals)

    def test_consecutive_failures(self):
        self.cycle(self.rule("consecutive_failures", 2), lambda: self._conn(consecutive_failures=3),
                   lambda: self._conn(consecutive_failures=0), f"connection:{self.connection.id}")

    def test_connection_late(self):
        self._conn(state="active")
        self.cycle(self.rule("connection_late", 60),
                   lambda: self._conn(state="active", next_run=fields.Datetime.now() - timedelta(hours=3)),
                   lambda: self._conn(next_run=fields.Datetime.now() + timedelta(hours=1)),
                   f"connection:{self.connection.id}")

    def test_consent_expiry(self):
        self.cycle(self.rule("consent_expiry", 14),
                   lambda: self._conn(consent_expires_on=self.today + timedelta(days=5)),
                   lambda: self._conn(consent_expires_on=self.today + timedelta(days=60)),
                   f"connection:{self.connection.id}")

    def _message(self, state, message_type="payment_batch.submit", sent_hours_ago=None, key="MSG-1"):
        self.env.flush_all()
        self.env.cr.execute("""
            INSERT INTO finance_outbox_message (key, message_type, company_id, state, attempts, max_attempts,
                   next_attempt, correlation_id, sent_at, create_date, write_date)
            VALUES (%s, %s, %s, %s, 1, 8, now() AT TIME ZONE 'UTC', %s,
                    CASE WHEN %s::int IS NULL THEN NULL
                         ELSE (now() AT TIME ZONE 'UTC') - make_interval(hours => %s::int) END,
                    (now() AT TIME ZONE 'UTC') - interval '3 hours', now() AT TIME ZONE 'UTC')
            RETURNING id""", (key, message_type, self.company.id, state, f"corr-{key}", sent_hours_ago,
                              sent_hours_ago))
        return self.env["finance.outbox.message"].browse(self.env.cr.fetchone()[0])

    def _set_state(self, message, state):
        self.env.cr.execute("UPDATE finance_outbox_message SET state = %s WHERE id = %s", (state, message.id))
        message.invalidate_recordset()

    def test_outbox_dead(self):
        holder = {}
        self.cycle(self.rule("outbox_dead"), lambda: holder.update(m=self._message("dead")),
                   lambda: self._set_state(holder["m"], "sent"), f"company:{self.company.id}")

    def test_outbox_oldest(self):
        holder = {}
        self.cycle(self.rule("outbox_oldest", 60), lambda: holder.update(m=self._message("queued")),
                   lambda: self._set_state(holder["m"], "sent"), f"company:{self.company.id}")

    def test_payment_unacknowledged(self):
        self.company.finance_treasury_ack_hours = 4
        message = self._message("sent", sent_hours_ago=6, key="PAY-UNACK")

        def acknowledge():
            self.env["finance.status.event"].sudo().create({
                "company_id": self.company.id, "source": "pain.002", "status": "ACSP", "level": "group",
                "msg_id": message.key, "dedup_key": "ack-1"})
        self.cycle(self.rule("payment_unacknowledged"), lambda: None, acknowledge,
                   f"finance.outbox.message:{message.id}")

    def test_exceptions_backlog_and_threshold(self):
        rule = self.rule("exceptions_backlog", 0)

        def fail_import():
            self.env["finance.file.import"].sudo().create({"name": "broken.xml", "company_id": self.company.id,
                                                           "state": "failed", "error": "bad file"})
        self.cycle(rule, fail_import, lambda: rule.write({"threshold": 5}), f"company:{self.company.id}")

    def test_statement_missing(self):
        self.company.finance_treasury_statement_hour = 0
        self._conn(state="active")
        rule = self.rule("statement_missing")
        key = f"account.journal:{self.journal.id}"
        business_day = fields.Datetime.now().isoweekday() <= 5
        rule._evaluate()
        opened = self.alerts(rule).filtered(lambda a: a.subject_key == key)
        self.assertEqual(len(opened), 1 if business_day else 0, "expected on business days only")
        if business_day:
            self.statement_with_line("today", 0)
            rule._evaluate()
            self.assertEqual(opened.state, "closed")

    def test_rule_of_another_company_not_visible(self):
        other = factories.CompanyFactory(name="Treasury Other Co")
        foreign_rule = self.Rule.create({"name": "other", "condition": "outbox_dead", "company_id": other.id})
        self.assertFalse(self.Rule.with_user(self.treasurer).search([("id", "=", foreign_rule.id)]))
