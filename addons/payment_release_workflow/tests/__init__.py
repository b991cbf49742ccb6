from . import (
    test_adversarial_send_time,
    test_approval_policy_lib,
    test_end_to_end,
    test_iso_status,
    test_segregation_of_duties,
    test_status_paths,
)
