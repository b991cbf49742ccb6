"""Grouping into payments, execution dates and holidays, beneficiary checks, content hash."""
from datetime import date, datetime, timedelta

import pytz

from odoo import fields
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.exceptions import AccessError, UserError

from ..lib.execution_date import target2_closing_days
from .common import PaymentBatchCase


class TestPaymentBatchFlow(PaymentBatchCase):
    # ------------------------------------------------------------------ grouping
    def test_one_payment_per_beneficiary_account(self):
        a1, a2 = self.bill(self.vendor_a, 100, "GR-1"), self.bill(self.vendor_a, 50.25, "GR-2")
        b1 = self.bill(self.vendor_b, 70, "GR-3")
        batch = self.batch(a1 | a2 | b1)
        batch.action_submit()
        payments = batch._create_payments()
        self.assertEqual(len(payments), 2)
        by_bank = {p.partner_bank_id: p for p in payments}
        self.assertAlmostEqual(by_bank[self.bank_a].amount, 150.25)
        self.assertEqual(by_bank[self.bank_b].amount, 70)
        self.assertEqual(by_bank[self.bank_a].payment_type, "outbound")
        self.assertEqual(batch.line_ids.filtered(lambda ln: ln.move_id == a1).payment_id, by_bank[self.bank_a])
        self.assertEqual(batch.payment_ids, payments)
        self.assertFalse(batch._create_payments(), "payments are created once")

    # ------------------------------------------------------------------ execution date
    def test_target2_calendar_shipped_2025_to_2030(self):
        calendar = self.env.ref("payment_release_workflow.calendar_target2")
        self.assertEqual(self.connection.payment_holiday_calendar_id, calendar)
        shipped = set(calendar.holiday_ids.mapped("date"))
        expected = set().union(*(target2_closing_days(year) for year in range(2025, 2031)))
        self.assertEqual(shipped, expected)
        self.assertEqual(len(shipped), 36)

    def _berlin(self, *args):
        return pytz.timezone("Europe/Berlin").localize(datetime(*args)).astimezone(pytz.utc)

    def test_holidays_move_the_execution_date(self):
        batch = self.batch(self.bill(self.vendor_a, 100, "D-1"), requested_date=date(2026, 4, 3))
        result = batch._execution_date_result(now=self._berlin(2026, 3, 20, 9, 0))
        self.assertEqual(result.date, date(2026, 4, 7))
        batch._update_execution_date(now=self._berlin(2026, 3, 20, 9, 0))
        self.assertEqual(batch.execution_date, date(2026, 4, 7))
        self.assertIn("bank holiday", batch.execution_date_note)

    def test_cutoff_in_company_time_zone(self):
        batch = self.batch(self.bill(self.vendor_a, 100, "D-2"), requested_date=date(2026, 3, 3))
        # 13:30 UTC = 14:30 in Berlin: before the 15:00 cut-off
        self.assertEqual(batch._execution_date_result(now=datetime(2026, 3, 3, 13, 30, tzinfo=pytz.utc)).date,
                         date(2026, 3, 3))
        # 14:30 UTC = 15:30 in Berlin: after it
        self.assertEqual(batch._execution_date_result(now=datetime(2026, 3, 3, 14, 30, tzinfo=pytz.utc)).date,
                         date(2026, 3, 4))

    def test_other_calendar_is_editable(self):
        calendar = self.env["finance.bank.holiday.calendar"].create({
            "name": "Test bank", "company_id": self.company.id,
            "holiday_ids": [fields.Command.create({"date": date(2026, 3, 4), "name": "Bank day off"})]})
        self.connection.payment_holiday_calendar_id = calendar
        batch = self.batch(self.bill(self.vendor_a, 100, "D-3"), requested_date=date(2026, 3, 4))
        self.assertEqual(batch._execution_date_result(now=self._berlin(2026, 3, 2, 9, 0)).date, date(2026, 3, 5))

    def test_connection_may_refuse_instead_of_moving(self):
        self.connection.payment_refuse_non_business_day = True
        saturday = fields.Date.context_today(self.env.user) + timedelta(days=14)
        saturday += timedelta(days=(5 - saturday.weekday()) % 7)
        batch = self.batch(self.bill(self.vendor_a, 100, "D-4"), requested_date=saturday)
        with self.assertRaisesRegex(UserError, "refuses to move it"):
            batch.action_submit()
        self.assertEqual(batch.state, "draft")

    def test_execution_date_shown_on_creation(self):
        batch = self.batch(self.bill(self.vendor_a, 100, "D-5"))
        self.assertTrue(batch.execution_date)
        self.assertGreaterEqual(batch.execution_date, batch.requested_date)
        self.assertLess(batch.execution_date.weekday(), 5)

    # ------------------------------------------------------------------ beneficiary checks
    def test_untrusted_account_goes_to_bank_details_to_verify(self):
        vendor, _bank = self.vendor("PB Untrusted", iban_de(7_000_003), trusted=False)
        good, bad = self.bill(self.vendor_a, 100, "B-1"), self.bill(vendor, 40, "B-2")
        batch = self.batch(good | bad)
        batch.action_submit()
        bad_line = batch.line_ids.filtered(lambda ln: ln.move_id == bad)
        self.assertEqual(bad_line.state, "bank_details_to_verify")
        self.assertIn("not trusted", bad_line.status_reason)
        self.assertEqual([c.bill for c in batch._batch_content().lines], [good.name], "stays out of the file")
        self.assertEqual(batch.amount_total, 140)
        self.assertEqual(len(batch._create_payments()), 1)

    def test_invalid_iban_goes_to_bank_details_to_verify(self):
        vendor = self.env["res.partner"].create({"name": "PB Typo", "is_company": True})
        bank = self.env["res.partner.bank"].create({"acc_number": "DE89370400440532013001", "partner_id": vendor.id,
                                                    "allow_out_payment": True})
        batch = self.batch(self.bill(vendor, 40, "B-3", bank=bank) | self.bill(self.vendor_a, 10, "B-4"))
        batch.action_submit()
        line = batch.line_ids.filtered(lambda ln: ln.partner_bank_id == bank)
        self.assertEqual(line.state, "bank_details_to_verify")
        self.assertIn("check digits", line.status_reason)

    def test_only_unfit_lines_refuse_the_submit(self):
        vendor, _bank = self.vendor("PB Untrusted 2", iban_de(7_000_004), trusted=False)
        batch = self.batch(self.bill(vendor, 40, "B-5"))
        with self.assertRaisesRegex(UserError, "no line that can be paid"):
            batch.action_submit()
        self.assertEqual(batch.state, "draft")

    def test_fixed_account_comes_back_into_the_file(self):
        vendor, bank = self.vendor("PB Untrusted 3", iban_de(7_000_005), trusted=False)
        batch = self.batch(self.bill(vendor, 40, "B-6") | self.bill(self.vendor_a, 10, "B-7"))
        batch.action_submit()
        before = batch.content_hash
        bank.allow_out_payment = True
        line = batch.line_ids.filtered(lambda ln: ln.partner_bank_id == bank)
        self.assertEqual(line.state, "pending")
        self.assertNotEqual(batch.content_hash, before)

    # ------------------------------------------------------------------ content hash
    def test_hash_changes_with_every_kind_of_content_edit(self):
        bill, other = self.bill(self.vendor_a, 100, "H-1"), self.bill(self.vendor_b, 30, "H-2")
        batch = self.batch(bill)
        previous = batch.content_hash
        self.assertRegex(previous, r"^[0-9a-f]{64}$")
        line = batch.line_ids
        edits = [
            lambda: line.write({"amount": 99}),
            lambda: line.write({"remittance": "H-1 changed"}),
            lambda: self.bank_a.write({"acc_number": iban_de(7_000_099)}),
            lambda: batch.write({"requested_date": batch.execution_date + timedelta(days=7)}),
            lambda: batch.write({"line_ids": [fields.Command.create({"move_id": other.id})]}),
            lambda: batch.line_ids.filtered(lambda ln: ln.move_id == other).unlink(),
            lambda: batch.write({"journal_id": self.env["account.journal"].create(
                {"name": "PB Bank 2", "code": "PBB2", "type": "bank"}).id}),
        ]
        for index, edit in enumerate(edits):
            edit()
            self.assertNotEqual(batch.content_hash, previous, f"edit {index}")
            previous = batch.content_hash

    def test_hash_ignores_states_and_users(self):
        batch = self.batch(self.bill(self.vendor_a, 100, "H-3"))
        batch.action_submit()
        before = batch.content_hash
        batch.line_ids._set_line_state("in_process")
        batch._set_state("approved")
        self.assertEqual(batch.content_hash, before)
        self.assertEqual(batch._content_hash(), before)

    # ------------------------------------------------------------------ propose payments
    def test_propose_payments_wizard(self):
        today = fields.Date.context_today(self.env.user)
        due_soon = self.bill(self.vendor_a, 100, "P-1", due=today + timedelta(days=2))
        due_later = self.bill(self.vendor_a, 100, "P-2", due=today + timedelta(days=40))
        other_vendor = self.bill(self.vendor_b, 300, "P-3", due=today + timedelta(days=1))
        big = self.bill(self.vendor_b, 5000, "P-4", due=today + timedelta(days=3))
        wizard = self.env["finance.payment.propose"].with_user(self.preparer).create({
            "due_date": today + timedelta(days=7), "journal_id": self.journal.id,
            "connection_id": self.connection.id, "max_amount": 1000})
        proposed = {bill for bill, _amount in wizard._candidates()}
        self.assertIn(due_soon, proposed)
        self.assertIn(other_vendor, proposed)
        self.assertNotIn(due_later, proposed, "beyond the horizon")
        self.assertNotIn(big, proposed, "above the maximum amount")
        wizard.partner_ids = self.vendor_b
        self.assertEqual({bill for bill, _a in wizard._candidates()}, {other_vendor})
        action = wizard.action_propose()
        batch = self.env["finance.payment.batch"].browse(action["res_id"])
        self.assertEqual(batch.line_ids.move_id, other_vendor)
        self.assertEqual(batch.connection_id, self.connection)
        self.assertNotIn(other_vendor, {bill for bill, _a in wizard._candidates()}, "already in a batch")

    def test_propose_uses_early_payment_discount(self):
        today = fields.Date.context_today(self.env.user)
        term = self.env["account.payment.term"].create({
            "name": "2/10 net 60", "early_discount": True, "discount_percentage": 2, "discount_days": 10,
            "line_ids": [fields.Command.create({"value": "percent", "value_amount": 100, "nb_days": 60})]})
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor_a.id, "invoice_date": today,
            "invoice_payment_term_id": term.id, "ref": "DISC-1",
            "invoice_line_ids": [fields.Command.create({"name": "x", "quantity": 1, "price_unit": 1000,
                                                        "tax_ids": []})]})
        bill.action_post()
        wizard = self.env["finance.payment.propose"].create({"due_date": today + timedelta(days=14)})
        amounts = dict(wizard._candidates())
        self.assertEqual(amounts.get(bill), 980)
        wizard.use_discounts = False
        self.assertNotIn(bill, dict(wizard._candidates()))

    # ------------------------------------------------------------------ calendars
    def test_shared_calendar_only_for_all_company_users(self):
        other = self.env["res.company"].create({"name": "PB Other Company"})
        treasurer = self.env["res.users"].create({
            "name": "PB Treasurer", "login": "pb_treasurer", "company_id": self.company.id,
            "company_ids": [fields.Command.set(self.company.ids)],
            "group_ids": [fields.Command.set([self.env.ref("base.group_user").id,
                                              self.env.ref("finance_bridge_core.group_treasury_manager").id])]})
        self.assertTrue(other)
        target2 = self.env.ref("payment_release_workflow.calendar_target2").with_user(treasurer)
        with self.assertRaisesRegex(AccessError, "Shared records"):
            target2.holiday_ids[:1].write({"name": "changed"})
        with self.assertRaisesRegex(AccessError, "Shared records"):
            self.env["finance.bank.holiday"].with_user(treasurer).create(
                {"calendar_id": target2.id, "date": date(2026, 3, 10), "name": "forged"})
        own = self.env["finance.bank.holiday.calendar"].with_user(treasurer).create({
            "name": "Own bank", "company_id": self.company.id,
            "holiday_ids": [fields.Command.create({"date": date(2026, 3, 10), "name": "Bank day off"})]})
        self.assertEqual(len(own.holiday_ids), 1)
