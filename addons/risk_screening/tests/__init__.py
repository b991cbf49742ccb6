from . import test_fraud_rules, test_list_parsers, test_matcher, test_screening
