from . import (
    test_compare_manual,
    test_import_matching,
    test_matching_engine,
    test_reconciliation,
)
