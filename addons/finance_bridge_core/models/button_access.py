"""Server-side twin of a view button's ``groups=``: every object button checks before it acts.

Hiding a button is only cosmetics; ``call_button`` over JSON-RPC reaches the method whatever the
view shows. Each button method therefore starts with ``check_button(records, group)``: a user
outside the group, or one who may not see the records (other company), gets an AccessError and
nothing has changed yet. Server code (cron, superuser) is not a button press and passes.
"""
from odoo import _
from odoo.exceptions import AccessError, UserError

from ..lib.user_errors import describe_error


def check_button(records, group, operation="read"):
    """Refuse the press unless the user is in ``group`` and may ``operation`` every record."""
    env = records.env
    if env.su:
        return records
    if not env.user.has_group(group):
        group_name = env.ref(group).sudo().display_name
        raise AccessError(_("This action is reserved to %(group)s (%(model)s).",
                            group=group_name, model=records._description))
    records.check_access(operation)
    return records


def user_error(exc, what, url=None):
    """A UserError carrying the provider's / network's / file system's own message."""
    return UserError(_("%(what)s: %(reason)s", what=what, reason=describe_error(exc, url)))
