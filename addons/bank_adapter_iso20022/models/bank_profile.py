"""Bank profiles as data: what each bank accepts in a pain.001, editable without a release."""
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.bank_profiles import BankProfile

PAIN_VERSIONS = [("001.001.09", "pain.001.001.09 (2019, current)"), ("001.001.03", "pain.001.001.03 (2009, legacy)")]


class FinanceBankProfile(models.Model):
    _name = "finance.bank.profile"
    _description = "Bank profile (pain.001 dialect)"
    # A profile without a company is shared: only a user allowed in every company may change it
    # (see finance_bridge_core/models/guarded_fields.py); a company adapts a copy of its own.
    _order = "sequence, name"
    _finance_shared_config = True

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Stable technical name, used in exports and logs.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", fixed=True,
                                 help="Leave empty to offer the profile to every company (administrators of all "
                                      "companies only).")
    pain_version = fields.Selection(PAIN_VERSIONS, required=True, default="001.001.09",
                                    help="pain.001 schema version the bank accepts; the file is validated "
                                         "against this official XSD before it leaves Odoo.")
    sepa = fields.Boolean(string="SEPA service level", default=True,
                          help="EUR payments to SEPA-country IBANs are sent with service level SEPA "
                               "and charge bearer SLEV.")
    address_mode = fields.Selection(
        [("structured", "Structured (town + country at least)"), ("hybrid", "Hybrid (structured + address lines)")],
        required=True, default="structured",
        help="Postal address form: from November 2026 unstructured-only addresses are refused by the "
             "SEPA and CBPR+ rulebooks; structured or hybrid with town and country is required.")
    charset = fields.Selection(
        [("sepa", "EPC basic Latin (SEPA)"), ("dk", "German DK (adds umlauts, ß, &)"), ("unicode", "Unicode (CBPR+)")],
        required=True, default="sepa",
        help="Characters outside this set are transliterated or replaced by a space.")
    max_name = fields.Integer(string="Max. name length", default=70, required=True)
    max_remittance = fields.Integer(string="Max. remittance length", default=140, required=True)
    max_address_line = fields.Integer(string="Max. address line length", default=70, required=True)
    require_bic = fields.Boolean(string="Creditor agent required",
                                 help="Cross-border: every payment must name the creditor's bank "
                                      "(BIC or clearing system member id).")
    note = fields.Text(help="Where the rules come from (the bank's implementation guide).")
    connection_count = fields.Integer(compute="_compute_connection_count")

    _code_company_uniq = models.Constraint("UNIQUE NULLS NOT DISTINCT (code, company_id)",
                                           "A bank profile code must be unique.")

    @api.constrains("max_name", "max_remittance", "max_address_line")
    def _check_limits(self):
        # The XSDs allow at most 140 characters for names and remittance lines, 70 per address line.
        for profile in self:
            for field_name, ceiling in (("max_name", 140), ("max_remittance", 140), ("max_address_line", 70)):
                value = profile[field_name]
                if not 1 <= value <= ceiling:
                    raise ValidationError(self.env._(
                        "%(profile)s: %(field)s must be between 1 and %(max)s (the pain.001 schema limit), not %(v)s.",
                        profile=profile.name, field=profile._fields[field_name].string, max=ceiling, v=value))

    def _compute_connection_count(self):
        counts = dict(self.env["finance.bank.connection"]._read_group(
            [("bank_profile_id", "in", self.ids)], ["bank_profile_id"], ["__count"]))
        for profile in self:
            profile.connection_count = counts.get(profile, 0)

    def _to_dto(self):
        self.ensure_one()
        return BankProfile(
            code=self.code, name=self.name, pain_version=self.pain_version, sepa=self.sepa,
            address_mode=self.address_mode, charset=self.charset, max_name=self.max_name,
            max_remittance=self.max_remittance, max_address_line=self.max_address_line,
            require_bic=self.require_bic)
