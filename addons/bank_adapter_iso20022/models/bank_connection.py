"""A file-channel connection names the bank profile its pain.001 files follow."""
from odoo import _, api, fields, models
from odoo.addons.finance_bridge_core.lib.errors import ConfigurationError
from odoo.exceptions import ValidationError


class FinanceBankConnection(models.Model):
    _inherit = "finance.bank.connection"

    bank_profile_id = fields.Many2one(
        "finance.bank.profile", string="Bank profile", ondelete="restrict",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        default=lambda self: self.env.ref("bank_adapter_iso20022.profile_sepa_generic", raise_if_not_found=False),
        help="pain.001 version, character set, address form and limits of the bank. "
             "Profiles are managed under Bank Connectivity > Configuration > Bank Profiles.")
    uses_bank_profile = fields.Boolean(compute="_compute_uses_bank_profile")

    @api.depends("provider")
    def _compute_uses_bank_profile(self):
        for conn in self:
            conn.uses_bank_profile = conn._provider_uses_bank_profile()

    def _provider_uses_bank_profile(self):
        """Whether this connection's provider declares ``uses_bank_profile`` (no list of keys here)."""
        self.ensure_one()
        if not self.provider:
            return False
        try:
            return bool(getattr(self._provider_class(), "uses_bank_profile", False))
        except ConfigurationError:
            return False

    @api.constrains("bank_profile_id", "company_id")
    def _check_bank_profile_company(self):
        for conn in self:
            profile = conn.bank_profile_id.sudo()
            if profile.company_id and profile.company_id != conn.company_id:
                raise ValidationError(_("Bank profile %(p)s belongs to another company than connection %(c)s.",
                                        p=profile.name, c=conn.name))

    def _config(self):
        config = super()._config()
        if self.bank_profile_id and self._provider_uses_bank_profile():
            config["bank_profile"] = self.bank_profile_id.sudo()._to_dto()
        return config
