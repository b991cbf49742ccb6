{
    "name": "Finance Bridge Outbox Test Source",
    "summary": "Tests only: a minimal source document implementing the outbox contract (finance.outbox.source)",
    "version": "19.0.1.0.0",
    "category": "Hidden/Tests",
    "license": "LGPL-3",
    "author": "finance_bridge",
    "website": "https://github.com/finance-bridge/finance_bridge",
    "depends": ["finance_bridge_core"],
    "data": ["security/ir.model.access.csv"],
    "installable": True,
    "application": False,
}
