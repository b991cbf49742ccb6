from . import (
    test_matching_engine,
    test_reconciliation,
)
