from . import (
    test_adv_payment_batch_rpc,
    test_lib_batch_content,
    test_lib_beneficiary_check,
    test_lib_execution_date,
    test_payment_batch_flow,
    test_payment_batch_guards,
)
