from . import (
    finance_screening,
    res_company,
    res_config_settings,
    res_partner,
    res_partner_bank,
    risk_allowlist,
    risk_fraud_facts,
    risk_hit,
    risk_list_entry,
    risk_list_source,
    risk_list_version,
    risk_screening_engine,
)
