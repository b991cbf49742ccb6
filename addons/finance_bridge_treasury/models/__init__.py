from . import (
    alert,
    alert_rule,
    cash_account,
    cash_position,
    connection_account,
    daily_balance,
    demo_setup,
    in_transit,
    metrics_token,
    ops_dashboard,
    res_company,
)
