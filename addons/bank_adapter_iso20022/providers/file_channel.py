"""What the folder and SFTP channels share: outbound pain.001 files and their names."""
import hashlib

from odoo.addons.finance_bridge_core.lib.dto import SubmissionResult

from ..lib.bank_profiles import PROFILES, BankProfile
from ..lib.pain001_writer import write_pain001


class OutboundPainMixin:
    """pain.001 files for the bank. The connection carries a bank profile (finance.bank.profile):
    ``uses_bank_profile`` makes the connection put it into the config as a BankProfile under
    "bank_profile"."""

    uses_bank_profile = True

    def _profile(self):
        profile = self.config.get("bank_profile")
        return profile if isinstance(profile, BankProfile) else PROFILES["sepa_generic"]

    def _pain_file(self, batch):
        xml = write_pain001(batch, self._profile())
        name = f"pain001-{batch.msg_id}.xml"
        return name, xml, hashlib.sha256(xml).hexdigest()

    def submit_payment_batch(self, batch, idempotency_key):
        """A file is idempotent by its name and MsgId: the same batch is never delivered twice with
        other content, whatever ``idempotency_key`` (the outbox key) says."""
        name, xml, digest = self._pain_file(batch)
        reference = self._deliver(name, xml, digest)
        return SubmissionResult(accepted=True, bank_reference=reference, message=f"{name} delivered",
                                raw={"sha256": digest, "file": name, "content": xml})
