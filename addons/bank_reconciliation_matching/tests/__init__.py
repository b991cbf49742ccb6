from . import test_matching_engine
