"""A simulated Berlin Group NextGenPSD2 (XS2A v1.3.x) bank for tests and the demo (see README.md)."""
from .bank import BankError, PSD2Bank
from .httpsig import sign_headers
from .pki import TestCA, TppIdentity, default_ca, foreign_ca
from .runner import BankServer, RemoteBank, SimHandle, running_bank, spawned_bank
from .webhooks import sign as sign_webhook
