from . import (
    test_iso_status,
    test_status_paths,
)
