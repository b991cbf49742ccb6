from . import test_adversarial_confinement, test_fraud_rules, test_list_parsers, test_matcher, test_screening
