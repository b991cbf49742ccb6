from . import (
    test_adversarial_reconcile,
    test_bulk_reconcile_rules,
    test_bulk_reconcile_writer,
    test_camt_matching,
    test_compare_manual,
    test_import_matching,
    test_matching_engine,
    test_reconciliation,
    test_split,
    test_tour,
)
