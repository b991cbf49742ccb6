from . import (
    test_adv_multi_company,
    test_adv_segregation,
    test_adversarial_confinement,
    test_adversarial_rescreen,
    test_contacts_user_screening,
    test_fraud_rules,
    test_list_parsers,
    test_matcher,
    test_screening,
)
