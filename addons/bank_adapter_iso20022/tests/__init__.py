from . import (
    test_adv_multi_company,
    test_adversarial_payment_injection,
    test_amount_attacks,
    test_bank_profiles,
    test_camt_parser,
    test_channels,
    test_file_import,
    test_hostile_files,
    test_large_files,
    test_pain001_writer,
    test_pain002_parser,
    test_peer_variants,
)
