from . import test_mt940
