from . import test_mt940, test_untrusted_mt940
