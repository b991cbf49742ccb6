from . import providers
