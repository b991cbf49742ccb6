from . import (
    test_amount_attacks,
    test_mt940,
    test_peer_variants,
    test_untrusted_mt940,
)
