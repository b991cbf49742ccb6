from . import (
    test_adversarial_confinement,
    test_bank_profiles,
    test_camt_parser,
    test_channels,
    test_file_import,
    test_hostile_files,
    test_large_files,
    test_pain001_writer,
    test_pain002_parser,
)
