from . import (
    test_adv_treasury_multi_company,
    test_alerts,
    test_cash_position,
    test_dashboard_screenshots,
    test_metrics_endpoint,
    test_pure,
    test_statement_expected,
    test_webhook_certificate_signals,
)
