"""19.0.1.1.0: the audit chain becomes keyed; re-seal the unkeyed SHA-256 chain of 19.0.1.0.0."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    from odoo.addons.finance_bridge_core.lib.errors import SecretKeyError
    env = api.Environment(cr, SUPERUSER_ID, {})
    try:
        env["finance.audit.event"]._rekey(None, None)
    except SecretKeyError as exc:
        _logger.error("audit chain left unkeyed (verification will fail until it is re-sealed with "
                      "`finance_bridge rotate-key` or this upgrade is run again with a master key): %s", exc)
