"""Bridge between the pure registries and the addons installed in this database.

Python registries are process-wide, but one Odoo process serves databases
with different addons installed; an entry counts only when the addon that
defines it is installed in the current database.
"""
from odoo import api, models, tools

from ..lib.outbox_handlers import outbox_handler, outbox_handler_items
from ..lib.provider_registry import registry


def _addon_of(obj):
    parts = obj.__module__.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["odoo", "addons"] else None


class FinanceBridgeAddonRegistry(models.AbstractModel):
    _name = "finance.addon.registry"
    _description = "Finance Bridge: providers and outbox handlers of installed addons"

    @api.model
    @tools.ormcache()
    def _active_addons(self):
        # Includes addons being installed right now: their data files may
        # already create connections that use their providers.
        self.env.cr.execute("SELECT name FROM ir_module_module "
                            "WHERE state IN ('installed', 'to install', 'to upgrade')")
        return frozenset(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _is_installed(self, obj):
        addon = _addon_of(obj)
        return addon in self.env.registry._init_modules or addon in self._active_addons()

    @api.model
    def _provider_items(self):
        return registry.items(self._is_installed)

    @api.model
    def _provider_class(self, key):
        cls = registry.get(key)
        if not self._is_installed(cls):
            return registry.get(f"__not_installed__{key}")
        return cls

    @api.model
    def _outbox_handler(self, message_type):
        handler = outbox_handler(message_type)
        return handler if handler and self._is_installed(handler) else None

    @api.model
    def _outbox_types(self):
        return [(key, label) for key, func, label in outbox_handler_items() if self._is_installed(func)]
