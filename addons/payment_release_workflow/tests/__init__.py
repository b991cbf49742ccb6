from . import (
    test_adv_payment_batch_rpc,
    test_approval_policy_lib,
    test_approval_voiding,
    test_lib_batch_content,
    test_lib_beneficiary_check,
    test_lib_execution_date,
    test_payment_batch_flow,
    test_payment_batch_guards,
    test_policy_four_eyes,
    test_release_screening,
    test_segregation_of_duties,
)
