"""Bank profiles live in the database and reach the pain.001 writer through the connection."""
import dataclasses
import os
import shutil
import tempfile

from odoo.addons.finance_bridge_core.lib.dto import SubmissionResult
from odoo.addons.finance_bridge_core.lib.provider_registry import Capability, Provider, registry
from odoo.exceptions import AccessError, ValidationError
from odoo.tests.common import new_test_user

from ..lib.bank_profiles import PROFILES, BankProfile
from .test_channels import ChannelCase, batch


class ProfiledApiBank(Provider):
    """A provider of another addon that follows bank profiles: it says so, no list of keys to edit."""

    key = "test_profiled_api_bank"
    label = "Profiled API bank (tests)"
    capabilities = frozenset({Capability.PAYMENTS})
    uses_bank_profile = True

    def submit_payment_batch(self, batch, idempotency_key):
        return SubmissionResult(accepted=True, bank_reference=self.config["bank_profile"].code)


class TestBankProfiles(ChannelCase):
    def test_provider_declares_it_uses_a_bank_profile(self):
        registry.register(ProfiledApiBank)
        self.addCleanup(registry.unregister, ProfiledApiBank.key)
        conn = self.env["finance.bank.connection"].create({"name": "profiled", "provider": ProfiledApiBank.key})
        self.assertTrue(conn.uses_bank_profile)
        self.assertIsInstance(conn._config()["bank_profile"], BankProfile)
        plain = self.env["finance.bank.connection"].create({"name": "plain", "provider": "json_folder"})
        self.assertFalse(plain.uses_bank_profile)

    def tmp_dir(self):
        path = tempfile.mkdtemp(prefix="fb_profile_")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def test_shipped_profiles_match_the_library_defaults(self):
        Profile = self.env["finance.bank.profile"]
        for code, expected in PROFILES.items():
            record = Profile.search([("code", "=", code)])
            self.assertEqual(len(record), 1, code)
            got = record._to_dto()
            self.assertEqual({f.name: getattr(got, f.name) for f in dataclasses.fields(got) if f.name != "name"},
                             {f.name: getattr(expected, f.name) for f in dataclasses.fields(expected)
                              if f.name != "name"}, code)

    def test_connection_profile_selects_version_and_charset(self):
        out = self.tmp_dir()
        conn = self.connect("iso20022_folder", {"inbound_path": self.tmp_dir(), "outbound_path": out})
        self.assertEqual(conn.bank_profile_id, self.env.ref("bank_adapter_iso20022.profile_sepa_generic"),
                         "a new file connection starts with generic SEPA")
        self.assertTrue(conn.uses_bank_profile)
        conn._make_provider().submit_payment_batch(batch("PAY-09"), idempotency_key="outbox-key")
        with open(os.path.join(out, "pain001-PAY-09.xml"), "rb") as handle:
            self.assertIn(b"pain.001.001.09", handle.read())
        own = self.env["finance.bank.profile"].create({
            "name": "Old bank", "code": "old_bank", "pain_version": "001.001.03", "address_mode": "hybrid",
            "charset": "sepa", "max_name": 35})
        conn.bank_profile_id = own
        conn._make_provider().submit_payment_batch(batch("PAY-03"), idempotency_key="outbox-key")
        with open(os.path.join(out, "pain001-PAY-03.xml"), "rb") as handle:
            xml = handle.read()
        self.assertIn(b"pain.001.001.03", xml)
        self.assertEqual(own.connection_count, 1)

    def test_editing_a_profile_changes_the_next_file(self):
        out = self.tmp_dir()
        conn = self.connect("iso20022_folder", {"inbound_path": self.tmp_dir(), "outbound_path": out})
        profile = conn.bank_profile_id.copy({"code": "strict_names"})
        profile.max_name = 10
        conn.bank_profile_id = profile
        conn._make_provider().submit_payment_batch(batch("PAY-N"), idempotency_key="outbox-key")
        with open(os.path.join(out, "pain001-PAY-N.xml"), "rb") as handle:
            self.assertIn(b"<Nm>Us GmbH</Nm>", handle.read())
        profile.max_name = 3
        conn._make_provider().submit_payment_batch(batch("PAY-M"), idempotency_key="outbox-key")
        with open(os.path.join(out, "pain001-PAY-M.xml"), "rb") as handle:
            self.assertIn(b"<Nm>Us</Nm>", handle.read(), "name cut to the profile's limit")

    def test_limits_beyond_the_schema_are_refused(self):
        profile = self.env.ref("bank_adapter_iso20022.profile_sepa_generic")
        for vals, message in (({"max_name": 141}, "Max. name length must be between 1 and 140"),
                              ({"max_address_line": 0}, "Max. address line length must be between 1 and 70")):
            with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
                profile.write(vals)
            self.env.invalidate_all()

    def test_code_unique_for_shared_profiles(self):
        with self.assertRaises(Exception), self.env.cr.savepoint():
            self.env["finance.bank.profile"].create({"name": "Dup", "code": "sepa_generic"})

    def test_only_connection_admins_edit_and_companies_are_isolated(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        mine = self.env["finance.bank.profile"].create({"name": "Mine", "code": "mine",
                                                        "company_id": self.env.company.id})
        theirs = self.env["finance.bank.profile"].create({"name": "Theirs", "code": "theirs",
                                                          "company_id": other.id})
        user = new_test_user(self.env, "fb_profile_user", groups="finance_bridge_core.group_finance_user",
                             company_ids=[(6, 0, [self.env.company.id])])
        visible = self.env["finance.bank.profile"].with_user(user).search([])
        self.assertIn(mine, visible)
        self.assertIn(self.env.ref("bank_adapter_iso20022.profile_de_dk"), visible)
        self.assertNotIn(theirs, visible)
        with self.assertRaises(AccessError):
            mine.with_user(user).write({"max_name": 40})
