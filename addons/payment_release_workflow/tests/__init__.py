from . import (
    test_approval_policy_lib,
    test_approval_voiding,
    test_policy_four_eyes,
    test_release_screening,
    test_segregation_of_duties,
)
