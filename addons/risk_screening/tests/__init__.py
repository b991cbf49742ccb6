from . import test_list_parsers
from . import test_matcher
from . import test_fraud_rules
from . import test_screening
