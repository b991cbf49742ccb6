"""The simulated PSD2 bank for these tests: the repository's ``tests/`` folder is the import root of
``simulators.psd2_bank`` (see tests/simulators/psd2_bank/README.md); it is added to ``sys.path``
here when pytest has not done it already."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3] / "tests"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulators.psd2_bank import foreign_ca, running_bank, sign_webhook, spawned_bank  # noqa: E402

__all__ = ["foreign_ca", "running_bank", "sign_webhook", "spawned_bank"]
