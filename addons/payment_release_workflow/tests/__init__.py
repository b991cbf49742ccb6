from . import (
    test_approval_policy_lib,
    test_segregation_of_duties,
)
