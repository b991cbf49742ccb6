"""What the folder and SFTP channels share: outbound pain.001 files and their names."""
import hashlib

from odoo.addons.finance_bridge_core.lib.dto import SubmissionResult
from odoo.addons.finance_bridge_core.lib.errors import ConfigurationError
from odoo.addons.finance_bridge_core.lib.provider_registry import ConfigField

from ..lib.bank_profiles import PROFILES
from ..lib.pain001_writer import write_pain001

PROFILE_FIELD = ConfigField("bank_profile", "Bank profile", "selection", default="sepa_generic",
                            choices=tuple(PROFILES),
                            help="pain.001 version, character set, address form and limits the bank accepts: "
                                 + ", ".join(f"{k} = {v.name}" for k, v in PROFILES.items()))


class OutboundPainMixin:
    def _profile(self):
        code = self.config.get("bank_profile") or "sepa_generic"
        if code not in PROFILES:
            raise ConfigurationError(f"unknown bank profile {code!r}")
        return PROFILES[code]

    def _pain_file(self, batch):
        xml = write_pain001(batch, self._profile())
        name = f"pain001-{batch.msg_id}.xml"
        return name, xml, hashlib.sha256(xml).hexdigest()

    def submit_payment_batch(self, batch):
        name, xml, digest = self._pain_file(batch)
        reference = self._deliver(name, xml, digest)
        return SubmissionResult(accepted=True, bank_reference=reference, message=f"{name} delivered",
                                raw={"sha256": digest, "file": name, "content": xml})
