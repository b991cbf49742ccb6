"""Registry of bank providers.

A provider is a plain class registered under a key; the core never imports a
provider by name. Adding a bank is one new class with ``@register_provider``; the
methods each capability needs are in ``provider_protocols`` and checked at registration.
"""
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ConfigurationError
from .provider_protocols import Capability, missing_methods

__all__ = ["Capability", "ConfigField", "Provider", "ProviderRegistry", "SecretField", "binding_digest",
           "register_provider", "registry", "validate_config"]


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
    # Written by the provider itself through ``context.state.store_secret`` (OAuth tokens…), not
    # typed in by an administrator: shown read-only on the connection.
    managed: bool = False


class Provider:
    """Base class of every provider.

    Subclasses set ``key``, ``label``, ``capabilities``, ``config_schema`` and
    ``secret_schema`` and implement the methods of their capabilities (the protocols of
    ``provider_protocols``: ``fetch_statements``, ``fetch_balances``, ``fetch_status_events``,
    ``submit_payment_batch``, the file-channel methods…). They receive a ``ProviderContext``
    and never touch the ORM: what they persist goes through ``context.state``.

    ``uses_bank_profile = True`` says the connection carries a bank profile (pain.001 dialect)
    that the core hands to the provider as ``config["bank_profile"]``.
    """

    key: str = None
    label: str = None
    capabilities: frozenset = frozenset()
    config_schema: tuple[ConfigField, ...] = ()
    secret_schema: tuple[SecretField, ...] = ()
    uses_bank_profile: bool = False

    def __init__(self, context):
        self.context = context

    @property
    def config(self):
        return self.context.config

    def test_connection(self):
        """Return a short human message, or raise ``ProviderError``."""
        raise NotImplementedError

    def inbound_size(self, name):
        """File channels: size in bytes of an inbound file before it is read (None: unknown), so an
        oversized file is refused without being loaded into memory."""
        return None


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
            try:
                Capability(cap)
            except ValueError:
                raise ValueError(f"provider {cls.key!r} declares an unknown capability {cap!r}") from None
        missing = missing_methods(cls)
        if missing:
            raise ValueError(f"provider {cls.key!r} ({cls.__module__}.{cls.__qualname__}) declares "
                             + ", ".join(f"capability {cap.value} but does not implement {name}()"
                                         for cap, name in missing))
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
