{
    "name": "Finance Bridge MT940",
    "summary": "SWIFT MT940 statements and MT942 interim reports (German and Dutch :86: layouts)",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "finance_bridge",
    "website": "https://github.com/finance-bridge/finance_bridge",
    "depends": ["finance_bridge_core"],
    "external_dependencies": {"python": ["mt-940"]},
    "data": [],
    "installable": True,
}
