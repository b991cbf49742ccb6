from . import reconcile_accept_all, reconcile_manual, reconcile_split
