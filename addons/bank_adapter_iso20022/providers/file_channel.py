"""What the folder and SFTP channels share: outbound pain.001 files and their names."""
import hashlib

from odoo.addons.finance_bridge_core.lib.dto import SubmissionResult

from ..lib.bank_profiles import PROFILES, BankProfile
from ..lib.pain001_writer import write_pain001

# Providers whose connection carries a bank profile (finance.bank.profile); the connection puts
# the profile into the provider's config as a BankProfile under "bank_profile".
PROFILE_PROVIDERS = ("iso20022_folder", "iso20022_sftp")


class OutboundPainMixin:
    def _profile(self):
        profile = self.config.get("bank_profile")
        return profile if isinstance(profile, BankProfile) else PROFILES["sepa_generic"]

    def _pain_file(self, batch):
        xml = write_pain001(batch, self._profile())
        name = f"pain001-{batch.msg_id}.xml"
        return name, xml, hashlib.sha256(xml).hexdigest()

    def submit_payment_batch(self, batch):
        name, xml, digest = self._pain_file(batch)
        reference = self._deliver(name, xml, digest)
        return SubmissionResult(accepted=True, bank_reference=reference, message=f"{name} delivered",
                                raw={"sha256": digest, "file": name, "content": xml})
