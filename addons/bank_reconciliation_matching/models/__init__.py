from . import (
    account_bank_statement_line,
    account_journal,
    matcher,
    reconcile_bulk_writer,
    reconcile_rule,
    reconcile_run,
    reconcile_suggestion,
    reconciler,
    res_company,
    res_config_settings,
    statement_ingestion,
)
