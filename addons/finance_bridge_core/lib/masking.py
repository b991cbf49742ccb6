"""Masking of account numbers and secrets in logs and stored evidence."""
import logging
import re

IBAN_RE = re.compile(r"\b([A-Z]{2}\d{2})((?:\s?[A-Z0-9]){8,30})\b")
LONG_DIGITS_RE = re.compile(r"\b\d{9,}\b")


def mask_account(value, keep=4):
    """``DE89370400440532013000`` → ``DE89••••••••••••••3000``."""
    if not value:
        return value
    compact = re.sub(r"\s", "", str(value))
    if len(compact) <= keep + 4:
        return "•" * len(compact)
    head = compact[:4] if compact[:2].isalpha() else ""
    return head + "•" * (len(compact) - len(head) - keep) + compact[-keep:]


def mask_text(text, secrets=()):
    """Mask IBANs, long digit runs and the given secret values in free text."""
    if not text:
        return text
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[secret]")
    text = IBAN_RE.sub(lambda m: mask_account(m.group(0)), text)
    return LONG_DIGITS_RE.sub(lambda m: mask_account(m.group(0)), text)


class MaskingLogger(logging.LoggerAdapter):
    """A logger that masks every formatted message before it is emitted."""

    def __init__(self, logger, secrets=()):
        super().__init__(logger, {})
        self._secrets = tuple(s for s in secrets if s)

    def add_secret(self, value):
        if value:
            self._secrets += (value,)

    def log(self, level, msg, *args, **kwargs):
        if self.isEnabledFor(level):
            text = str(msg) % args if args else str(msg)
            self.logger.log(level, mask_text(text, self._secrets), **kwargs)


def normal_account(value):
    """An account number as compared: no spaces, upper case (``"de89 3704…"`` = ``"DE893704…"``)."""
    return "".join(str(value or "").split()).upper()
