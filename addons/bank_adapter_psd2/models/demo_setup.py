"""Demo (``make run``): two EUR bank journals and a PSD2 connection to the simulated bank that
`make run` starts (tests/simulators/psd2_bank); its TPP certificates come from the simulator's state
folder named by ``FINANCE_BRIDGE_PSD2_SIM`` (its sim.json). Without it the connection stays a draft
to fill in by hand."""
import json
import logging
import os
import pathlib

from odoo import api, models

_logger = logging.getLogger(__name__)

DEMO_JOURNALS = (("PSDO", "PSD2 Operating", "DE07370400440000777001"),
                 ("PSDP", "PSD2 Payroll", "DE77370400440000777002"))


class FinanceBankConnection(models.Model):
    _inherit = "finance.bank.connection"

    @api.model
    def _psd2_setup_demo(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        company = self.env.company
        journals = self.env["account.journal"]
        for code, name, iban in DEMO_JOURNALS:
            journal = journals.search([("code", "=", code), ("company_id", "=", company.id)], limit=1)
            if not journal:
                bank = self.env["res.partner.bank"].create({"acc_number": iban, "partner_id": company.partner_id.id})
                journal = journals.create({"name": name, "code": code, "type": "bank", "currency_id": eur.id,
                                           "bank_account_id": bank.id, "company_id": company.id})
            journals |= journal
        conn = self.create({"name": "Simulated PSD2 bank (demo)", "provider": "psd2_berlin_group",
                            "bank_timezone": "Europe/Berlin",
                            "account_ids": [(0, 0, {"journal_id": j.id}) for j in journals]})
        info_path = os.environ.get("FINANCE_BRIDGE_PSD2_SIM")
        if not info_path or not pathlib.Path(info_path).is_file():
            _logger.info("PSD2 demo connection left as a draft: FINANCE_BRIDGE_PSD2_SIM names no simulator")
            return conn
        info = json.loads(pathlib.Path(info_path).read_text())
        files = info["files"]
        settings = {"api_url": info["api_url"], "client_id": info["client_id"],
                    "bank_ca_pem": pathlib.Path(files["ca"]).read_text(), "frequency_per_day": 24}
        for key, value in settings.items():
            conn.setting_ids.filtered(lambda s, k=key: s.key == k).value = str(value)
        for key, name in (("tls_certificate", "tpp_tls_cert"), ("tls_key", "tpp_tls_key"),
                          ("seal_certificate", "tpp_seal_cert"), ("seal_key", "tpp_seal_key")):
            conn.secret_ids.filtered(lambda s, k=key: s.key == k).value = pathlib.Path(files[name]).read_text()
        return conn
