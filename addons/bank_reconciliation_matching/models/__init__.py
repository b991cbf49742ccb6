from . import (
    account_bank_statement_line,
    account_journal,
    matcher,
    reconcile_rule,
    reconcile_run,
    reconcile_suggestion,
    reconcile_bulk_writer,
    reconciler,
    res_company,
    res_config_settings,
    statement_ingestion,
)
