"""Errors raised by the pure layer; each one says what is wrong and where."""


class FinanceBridgeError(Exception):
    """Base class of every error the suite raises on purpose."""


class FormatError(FinanceBridgeError):
    """Input that does not follow its format.

    ``problems`` is a list of ``(location, message)``; the location is a JSON
    path, an XML element path or ``line N`` so the user can find the spot.
    """

    def __init__(self, problems, source=None):
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        text = "; ".join(f"{loc}: {msg}" for loc, msg in self.problems[:20])
        more = len(self.problems) - 20
        if more > 0:
            text += f"; … and {more} more"
        super().__init__(f"{where}{text}")


class ProviderError(FinanceBridgeError):
    """A provider failed to talk to its bank. ``retryable`` drives backoff."""

    def __init__(self, message, retryable=True):
        super().__init__(message)
        self.retryable = retryable


class ConfigurationError(FinanceBridgeError):
    """A connection's configuration does not fit its provider's schema."""


class SecretKeyError(FinanceBridgeError):
    """The master key is missing, malformed, or not the one a secret was sealed with."""
