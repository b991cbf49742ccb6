"""Screening through the ORM: list versions, partner and payment gates, review, fraud, fallback."""
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from odoo import fields
from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO, PostalAddress
from odoo.addons.finance_bridge_core.lib.payment_codec import batch_to_payload
from odoo.addons.finance_bridge_core.tests.loopback_server import LoopbackHttpMixin, ScriptedServer
from odoo.addons.finance_bridge_core.tests.outbox_sources import queue_message
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase, new_test_user

from . import fixtures as fx


def no_commit(processed=0, remaining=None, deactivate=False):
    return float("inf")


class ScreeningCase(LoopbackHttpMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.risk_threshold = 90
        cls.ofac = cls.env.ref("risk_screening.source_ofac_sdn")
        cls.version = cls.ofac._import_files({"main": fx.OFAC_SDN.encode(), "alt": fx.OFAC_ALT.encode()})
        cls.un = cls.env.ref("risk_screening.source_un")
        cls.un._import_files({"main": fx.UN_XML.encode()})
        cls.reviewer = new_test_user(cls.env, "fb_reviewer", groups="risk_screening.group_screening_reviewer")
        cls.preparer = new_test_user(cls.env, "fb_preparer",
                                     groups="finance_bridge_core.group_payment_preparer,risk_screening.group_screening_reviewer")

    def partner(self, name, **kw):
        return self.env["res.partner"].create(dict({"name": name}, **kw))

    def payment(self, name, amount="100.00", e2e="E2E-1", iban="DE75512108001245126199", remittance="Invoice 1",
                day=None, country=None):
        return PaymentDTO(end_to_end_id=e2e, amount=Money(Decimal(amount), self.company.currency_id.name),
                          creditor_name=name, creditor_iban=iban, remittance_unstructured=remittance,
                          requested_execution_date=day or fields.Date.context_today(self.env.user),
                          creditor_address=PostalAddress(country=country) if country else None)

    def screen(self, payments, subject=None, stage="release"):
        return self.env["finance.screening"].screen(subject or self.env.user.partner_id, stage, payments)


class TestListVersions(ScreeningCase):
    def test_import_counts_and_entries(self):
        self.assertEqual((self.version.entries_total, self.version.added, self.version.state), (4, 4, "active"))
        self.assertEqual(self.ofac.entry_count, 4)
        self.assertTrue(self.version.attachment_ids)
        entry = self.env["risk.list.entry"].search([("source_id", "=", self.ofac.id), ("ref", "=", "1002")])
        self.assertEqual(entry.birth_years, "1961")

    def test_same_file_twice_changes_nothing(self):
        again = self.ofac._import_files({"main": fx.OFAC_SDN.encode(), "alt": fx.OFAC_ALT.encode()})
        self.assertEqual(again, self.version)
        self.assertEqual(len(self.ofac.version_ids), 1)

    def test_changed_list_counts(self):
        changed = fx.OFAC_SDN.replace('"OCEAN PEARL"', '"OCEAN PEARL II"').replace(
            '1004,"AL-NOOR EXCHANGE COMPANY"', '1005,"NEW LISTED HOLDING"')
        version = self.ofac._import_files({"main": changed.encode(), "alt": fx.OFAC_ALT.encode()})
        self.assertEqual((version.added, version.changed, version.removed), (1, 1, 1))
        self.assertEqual(self.version.state, "superseded")
        removed = self.env["risk.list.entry"].with_context(active_test=False).search(
            [("source_id", "=", self.ofac.id), ("ref", "=", "1004")])
        self.assertFalse(removed.active)
        self.assertEqual(version.rescreen_state, "pending")

    def test_malformed_refused_previous_stays_active(self):
        with self.assertRaisesRegex(UserError, "refused: sdn.csv: line 1"):
            self.ofac._import_files({"main": b'1,"ONLY THREE",x\r\n'})
        failed = self.ofac.version_ids.filtered(lambda v: v.state == "failed")
        self.assertEqual(len(failed), 1)
        self.assertTrue(failed.attachment_ids.raw.startswith(b'1,"ONLY'))
        self.assertEqual(self.ofac.active_version_id, self.version)
        self.assertEqual(self.ofac.entry_count, 4)

    def test_every_format_imports_through_the_orm(self):
        for xmlid, data in (("source_eu", fx.EU_XML.encode()), ("source_uk", fx.UK_CSV.encode())):
            source = self.env.ref(f"risk_screening.{xmlid}")
            version = source._import_files({"main": data})
            self.assertEqual(version.added, 2, xmlid)
        xml_source = self.env["risk.list.source"].create({"name": "OFAC XML", "list_format": "ofac_xml"})
        self.assertEqual(xml_source._import_files({"main": fx.OFAC_XML.encode()}).added, 2)

    def test_scheduled_download_from_http(self):
        with ScriptedServer() as srv:
            srv.responses = [(200, {}, fx.UN_XML.replace("ZAHID", "ZAHEED").encode(), 0)]
            self.un.write({"url": srv.url + "/consolidated.xml", "auto_update": True})
            self.env["risk.list.source"].search([("id", "!=", self.un.id)]).auto_update = False
            self.un._download()
        self.assertEqual(self.un.active_version_id.changed, 1)
        self.assertEqual(srv.requests[0][1], "/consolidated.xml")

    def test_download_error_is_reported(self):
        with ScriptedServer() as srv:
            srv.responses = [(404, {}, b"gone", 0)] * 3
            self.un.url = srv.url + "/x.xml"
            with self.assertRaisesRegex(UserError, "answered 404"):
                self.un._download()
        self.assertIn("404", self.un.last_error)


class TestPartnerGate(ScreeningCase):
    def test_new_partner_with_listed_name_is_hit(self):
        partner = self.partner("Ivan Sergeyevich Petrov")
        self.assertEqual(partner.risk_state, "hit")
        hit = partner.risk_hit_ids
        self.assertEqual(hit.entry_id.ref, "1002")
        self.assertIn("Tokens:", hit.explanation_text)
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "screening.hit"),
                                                                ("res_id", "=", hit.id)]))

    def test_clear_partner_then_rename(self):
        partner = self.partner("Harmless Bakery Ltd", is_company=True)
        self.assertEqual(partner.risk_state, "clear")
        partner.name = "Blackwater Trading"
        self.assertEqual(partner.risk_state, "hit")

    def test_bank_account_change_rescreens_and_starts_cooling_off(self):
        partner = self.partner("Harmless Bakery Ltd", is_company=True)
        bank = self.env["res.bank"].create({"name": "Gulf Bank", "bic": "BLKWAEAD"})
        self.env["res.partner.bank"].create({"partner_id": partner.id, "acc_number": "AE070331234567890123456",
                                             "bank_id": bank.id})
        self.assertEqual(partner.risk_bank_changed_on, fields.Date.context_today(partner))
        self.assertEqual(partner.risk_state, "hit", "the BIC equals a listed identifier")

    def test_rescreen_after_list_update(self):
        partner = self.partner("Northern Lights Shipping", is_company=True, supplier_rank=1)
        self.assertEqual(partner.risk_state, "clear")
        self.ofac._import_files({"main": (fx.OFAC_SDN.replace("\x1a", "") +
                                          '1006,"NORTHERN LIGHTS SHIPPING CO",-0- ,"DPRK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n'
                                          ).encode(), "alt": fx.OFAC_ALT.encode()})
        done = self.env["risk.screening.engine"]._rescreen_pending(no_commit)
        self.assertGreaterEqual(done, 1)
        self.assertEqual(partner.risk_state, "hit")
        self.assertEqual(self.ofac.active_version_id.rescreen_state, "done")

    def test_screen_hook_for_partner(self):
        partner = self.partner("Rustam Karimov")
        holds = self.env["finance.screening"].screen(partner, "partner")
        self.assertEqual(holds, [])
        listed = self.partner("Abdul Rahman Zahid")
        holds = self.env["finance.screening"].screen(listed, "partner")
        self.assertEqual([h.code for h in holds], ["sanctions.hit"])


class TestPaymentGateAndReview(ScreeningCase):
    def test_payment_to_listed_name_is_held(self):
        holds = self.screen([self.payment("Abdul Rahman Zahed")], stage="approval")
        self.assertIn("sanctions.hit", [h.code for h in holds])

    def test_remittance_text_is_screened(self):
        holds = self.screen([self.payment("Aid Partners eV", remittance="Transfer for Green Crescent Charity")])
        self.assertIn("sanctions.hit", [h.code for h in holds])

    def test_clean_payment_passes(self):
        self.company.risk_rule_new_account = False
        self.assertEqual(self.screen([self.payment("Maria Lopez Garcia")]), [])

    def test_confirm_blocks_partner_and_payments(self):
        partner = self.partner("Ivan Petrov")
        self.env["res.partner.bank"].create({"partner_id": partner.id, "acc_number": "DE75512108001245126199"})
        hit = partner.risk_hit_ids
        hit.with_user(self.reviewer).action_confirm("Same passport number as the listing")
        self.assertEqual((hit.state, partner.risk_state), ("confirmed", "blocked"))
        holds = self.screen([self.payment("I. Petrov Consulting")])
        self.assertIn("sanctions.confirmed", [h.code for h in holds])

    def test_false_positive_allowlist_name_bound_and_expiry(self):
        partner = self.partner("Ivan Petrov")
        hit = partner.risk_hit_ids
        hit.with_user(self.reviewer).action_false_positive("Different person: born 1990 in Minsk",
                                                          expires_on=date.today() + timedelta(days=30))
        self.assertEqual(partner.risk_state, "clear")
        self.assertEqual(self.screen([self.payment("Ivan Petrov")], stage="approval")[:0], [])
        self.assertNotIn("sanctions.hit", [h.code for h in self.screen([self.payment("Ivan Petrov")])])
        # another name is screened again
        self.assertIn("sanctions.hit", [h.code for h in self.screen([self.payment("Ivan S. Petrov")])])
        # expired allowlist entry no longer counts
        hit.allowlist_id.expires_on = date.today() - timedelta(days=1)
        self.assertIn("sanctions.hit", [h.code for h in self.screen([self.payment("Ivan Petrov")])])

    def test_requester_cannot_review(self):
        batch_subject = self.env["res.partner"].with_user(self.preparer).sudo().create({"name": "Batch subject"})
        self.screen([self.payment("Abdul Rahman Zahed")], subject=batch_subject)
        hit = self.env["risk.screening.hit"].search([("screened_name", "=", "Abdul Rahman Zahed")])
        self.assertEqual(hit.requested_by_id, self.preparer)
        with self.assertRaisesRegex(UserError, "another reviewer must decide"):
            hit.with_user(self.preparer).action_confirm("looks bad")
        plain = new_test_user(self.env, "fb_plain_user", groups="finance_bridge_core.group_finance_user")
        with self.assertRaisesRegex(UserError, "Only screening reviewers"):
            hit.with_user(plain).action_false_positive("fine")
        hit.with_user(self.reviewer).action_confirm("confirmed by reviewer")
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "screening.review.confirmed")]))

    def test_review_wizard(self):
        partner = self.partner("Ivan Petrov")
        wizard = self.env["risk.hit.review"].with_user(self.reviewer).create(
            {"hit_ids": [(6, 0, partner.risk_hit_ids.ids)], "decision": "false_positive", "reason": "namesake"})
        wizard.action_apply()
        self.assertEqual(partner.risk_hit_ids.state, "false_positive")


class TestFraudThroughOrm(ScreeningCase):
    def test_changed_bank_details_hold(self):
        partner = self.partner("Fresh Vendor GmbH", is_company=True)
        self.env["res.partner.bank"].create({"partner_id": partner.id, "acc_number": "DE75512108001245126199"})
        holds = self.screen([self.payment("Fresh Vendor GmbH")])
        self.assertIn("fraud.bank_changed", [h.code for h in holds])

    def test_first_payment_to_new_account_hold(self):
        self.company.risk_rule_bank_changed = False
        holds = self.screen([self.payment("Some Vendor", amount="6000.00")])
        self.assertIn("fraud.first_payment_new_account", [h.code for h in holds])

    def test_duplicate_within_batch_and_in_outbox(self):
        self.company.risk_rule_new_account = False
        twins = [self.payment("Some Vendor", e2e="A"), self.payment("Some Vendor", e2e="B")]
        self.assertIn("fraud.duplicate", [h.code for h in self.screen(twins)])
        queued = PaymentBatchDTO(msg_id="OLD-1", debtor_name="Us", debtor_iban="DE02120300000000202051",
                                 created_at=datetime.now(timezone.utc), payments=(self.payment("Some Vendor", e2e="Q"),))
        queue_message(self.env, "OLD-1", "payment_batch.submit", batch_to_payload(queued))
        holds = self.screen([self.payment("Some Vendor", e2e="NEW")])
        duplicate = [h for h in holds if h.code == "fraud.duplicate"]
        self.assertIn("in batch OLD-1", duplicate[0].reason)

    def test_anomalous_amount_hold(self):
        self.company.write({"risk_rule_new_account": False, "risk_rule_bank_changed": False})
        partner = self.partner("Regular Vendor BV", is_company=True)
        bank = self.env["res.partner.bank"].create({"partner_id": partner.id, "acc_number": "NL91ABNA0417164300"})
        journal = self.env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", self.company.id)],
                                                     limit=1)
        for amount in (100, 110, 95, 105):
            pay = self.env["account.payment"].create({
                "payment_type": "outbound", "partner_type": "supplier", "partner_id": partner.id,
                "amount": amount, "journal_id": journal.id, "partner_bank_id": bank.id,
                "date": date.today() - timedelta(days=60)})
            pay.action_post()
        holds = self.screen([self.payment("Regular Vendor BV", amount="1000.00", iban="NL91ABNA0417164300")])
        self.assertIn("fraud.amount_anomaly", [h.code for h in holds])


class TestExternalFallback(ScreeningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = ScriptedServer().__enter__()
        cls.addClassCleanup(cls.server.__exit__, None, None, None)
        cls.connection = cls.env["finance.bank.connection"].create({"name": "yente", "provider": "yente_match"})
        settings = {s.key: s for s in cls.connection.setting_ids}
        settings["url"].value = cls.server.url
        settings["timeout"].value = "1"
        cls.company.write({"risk_external_connection_id": cls.connection.id, "risk_rule_new_account": False,
                           "risk_fallback_amount": 1000})

    def setUp(self):
        super().setUp()
        self.server.responses.clear()
        self.server.requests.clear()

    def codes(self, amount="100.00"):
        return [h.code for h in self.screen([self.payment("Maria Lopez Garcia", amount=amount)])]

    def test_service_offered_by_capability_not_by_provider_key(self):
        """The company's "external screening service" lists connections whose provider screens."""
        field = self.env["res.company"]._fields["risk_external_connection_id"]
        self.assertNotIn("yente_match", str(field.domain))
        offered = self.env["finance.bank.connection"].search(
            [("provider_capabilities", "=", "screening"), ("company_id", "=", self.company.id)])
        self.assertIn(self.connection, offered)
        folder = self.env["finance.bank.connection"].create({"name": "files", "provider": "json_folder"})
        self.assertNotIn(folder, offered | self.env["finance.bank.connection"].search(
            [("provider_capabilities", "=", "screening")]))

    def test_service_answers_with_match(self):
        body = {"responses": {"E2E-1": {"results": [{"id": "NK-1", "caption": "Maria Lopez", "score": 0.91}]}}}
        self.server.responses = [(200, {"Content-Type": "application/json"}, json.dumps(body).encode(), 0)]
        self.assertEqual(self.codes(), ["sanctions.external"])
        sent = json.loads(self.server.requests[0][3])
        self.assertEqual(sent["queries"]["E2E-1"]["properties"]["name"], ["Maria Lopez Garcia"])

    def test_slow_but_within_timeout_is_used(self):
        body = {"responses": {"E2E-1": {"results": []}}}
        self.server.responses = [(200, {"Content-Type": "application/json"}, json.dumps(body).encode(), 0.4)]
        self.assertEqual(self.codes(), [])

    def test_timeout_block_policy(self):
        self.company.risk_fallback_policy = "block"
        self.server.responses = [(200, {}, b"{}", 2.5)]
        self.assertEqual(self.codes(), ["screening.unavailable.block"])
        self.assertTrue(self.env["finance.audit.event"].search([("event_type", "=", "screening.fallback")]))

    def test_refused_allow_below_policy(self):
        self.company.risk_fallback_policy = "allow_below"
        self.connection.setting_ids.filtered(lambda s: s.key == "url").value = "http://127.0.0.1:9"
        self.assertEqual(self.codes("999.00"), [])
        self.assertEqual(self.codes("1500.00"), ["screening.unavailable.amount"])

    def test_server_error_review_policy(self):
        self.company.risk_fallback_policy = "review"
        self.server.responses = [(503, {}, b"down", 0)]
        self.assertEqual(self.codes(), ["screening.unavailable.review"])
