"""Registry of bank providers.

A provider is a plain class registered under a key; the core never imports a
provider by name. Adding a bank is one new class with ``@register_provider``.
"""
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from .errors import ConfigurationError


class Capability(str, Enum):
    STATEMENTS = "statements"
    BALANCES = "balances"
    PAYMENTS = "payments"
    STATUS = "status"
    WEBHOOKS = "webhooks"
    SCREENING = "screening"
    FILES = "files"          # a file channel: list_inbound / read_inbound / acknowledge


CONFIG_TYPES = ("char", "int", "bool", "path", "url", "selection")


@dataclass(frozen=True)
class ConfigField:
    name: str
    label: str
    type: str = "char"
    required: bool = False
    default: object = None
    help: str = ""
    choices: tuple[str, ...] = ()
    # A binding setting says where the secrets go (endpoint, host, host key, ...):
    # secrets are sealed together with it and cleared when it changes.
    # ``None`` = binding for URLs, not for other types.
    binding: bool | None = None

    def __post_init__(self):
        if self.type not in CONFIG_TYPES:
            raise ValueError(f"config field {self.name}: unknown type {self.type!r}")
        if self.binding is None:
            object.__setattr__(self, "binding", self.type == "url")


@dataclass(frozen=True)
class SecretField:
    name: str
    label: str
    required: bool = False
    help: str = ""


class Provider:
    """Base class of every provider.

    Subclasses set ``key``, ``label``, ``capabilities``, ``config_schema`` and
    ``secret_schema`` and implement the methods of their capabilities. They
    receive a ``ProviderContext`` and never touch the ORM.
    """

    key: str = None
    label: str = None
    capabilities: frozenset = frozenset()
    config_schema: tuple[ConfigField, ...] = ()
    secret_schema: tuple[SecretField, ...] = ()

    def __init__(self, context):
        self.context = context

    @property
    def config(self):
        return self.context.config

    def test_connection(self):
        """Return a short human message, or raise ``ProviderError``."""
        raise NotImplementedError

    def fetch_statements(self, account, cursor):
        """Return a ``FetchResult`` for one account starting after ``cursor``."""
        raise NotImplementedError

    def submit_payment_batch(self, batch):
        """Send a ``PaymentBatchDTO``; return a ``SubmissionResult``."""
        raise NotImplementedError

    def fetch_status_events(self, cursor):
        """Return ``(events, next_cursor)``."""
        raise NotImplementedError

    # File channels (capability FILES): the core imports each file through the
    # format registry and acknowledges it only after the transaction committed.
    def list_inbound(self):
        raise NotImplementedError

    def read_inbound(self, name):
        raise NotImplementedError

    def inbound_size(self, name):
        """Size in bytes of an inbound file before it is read (None: unknown), so an oversized
        file is refused without being loaded into memory."""
        return None

    def acknowledge(self, name, ok):
        raise NotImplementedError


def binding_digest(provider_key, provider_cls, raw_settings):
    """SHA-256 over the provider key and its binding settings as entered (text, stripped).

    Part of the associated data a secret is sealed with: under any other
    endpoint, host or host key the same token no longer opens.
    """
    names = sorted(f.name for f in (provider_cls.config_schema if provider_cls else ()) if f.binding)
    bound = {name: str(raw_settings.get(name) or "").strip() for name in names}
    text = json.dumps({"provider": provider_key or "", "settings": bound}, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass
class ProviderRegistry:
    _providers: dict[str, type] = field(default_factory=dict)

    def register(self, cls):
        if not cls.key or not isinstance(cls.key, str):
            raise ValueError(f"{cls.__name__} has no provider key")
        existing = self._providers.get(cls.key)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"provider key {cls.key!r} already registered by {existing.__module__}")
        for cap in cls.capabilities:
            Capability(cap)
        self._providers[cls.key] = cls
        return cls

    def unregister(self, key):
        self._providers.pop(key, None)

    def get(self, key) -> type:
        try:
            return self._providers[key]
        except KeyError:
            raise ConfigurationError(f"no provider is registered under {key!r}") from None

    def items(self, predicate: Callable[[type], bool] | None = None):
        return sorted(((k, c) for k, c in self._providers.items() if predicate is None or predicate(c)),
                      key=lambda kc: kc[0])


registry = ProviderRegistry()


def register_provider(cls):
    """Class decorator that adds a provider to the global registry."""
    return registry.register(cls)


def validate_config(provider_cls, config):
    """Check a config mapping against the provider's schema.

    Returns the config with defaults applied and values coerced; raises
    ``ConfigurationError`` naming every offending field.
    """
    config = dict(config or {})
    problems, result = [], {}
    known = {f.name for f in provider_cls.config_schema}
    for name in config:
        if name not in known:
            problems.append(f"{name}: not a setting of provider {provider_cls.key}")
    for spec in provider_cls.config_schema:
        value = config.get(spec.name, spec.default)
        if value in (None, ""):
            if spec.required:
                problems.append(f"{spec.name}: required ({spec.label})")
            result[spec.name] = spec.default
            continue
        try:
            if spec.type == "int":
                value = int(value)
            elif spec.type == "bool":
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(value)
                    value = value.lower() in ("true", "1", "yes")
                value = bool(value)
            elif spec.type == "url":
                if not str(value).startswith(("https://", "http://")):
                    raise ValueError(value)
            elif spec.type == "selection" and value not in spec.choices:
                raise ValueError(value)
        except (TypeError, ValueError):
            problems.append(f"{spec.name}: {value!r} is not a valid {spec.type}")
            continue
        result[spec.name] = value
    if problems:
        raise ConfigurationError(f"provider {provider_cls.key}: " + "; ".join(problems))
    return result
