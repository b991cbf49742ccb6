"""Tests only: the watched-folder provider plus webhooks, with the core's default webhook contract.

One class is all a provider needs to receive webhooks: declare ``Capability.WEBHOOKS`` and inherit
``WebhookProtocol``; nothing is overridden here, so deliveries are verified with the default
HMAC-SHA256 scheme and parsed as the canonical JSON events. A ``sync_account`` event synchronises
the connection through its folder, exactly as the scheduler would.
"""
from odoo.addons.finance_bridge_core.lib.provider_registry import Capability, register_provider
from odoo.addons.finance_bridge_core.lib.webhook_protocol import WebhookProtocol
from odoo.addons.finance_bridge_core.providers.json_folder import JsonFolderProvider


@register_provider
class WebhookFolderProvider(WebhookProtocol, JsonFolderProvider):
    key = "test_webhook_folder"
    label = "Test: watched folder with webhooks (tests only)"
    capabilities = JsonFolderProvider.capabilities | {Capability.WEBHOOKS}
