from . import (
    test_adversarial_send_time,
    test_approval_policy_lib,
    test_end_to_end,
    test_iso_status,
    test_lib_batch_content,
    test_lib_beneficiary_check,
    test_lib_execution_date,
    test_payment_batch_flow,
    test_payment_batch_guards,
    test_segregation_of_duties,
    test_status_paths,
    test_tour,
)
