{
    "name": "Finance Bridge PSD2 (Berlin Group NextGenPSD2)",
    "summary": "REST banks on the Berlin Group NextGenPSD2 XS2A API: consent + SCA, mTLS, signed requests, "
               "accounts, balances, transactions, payment initiation and status, webhooks",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "finance_bridge",
    "website": "https://github.com/finance-bridge/finance_bridge",
    "depends": ["finance_bridge_core", "bank_adapter_iso20022"],
    "external_dependencies": {"python": ["cryptography", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "views/bank_connection_views.xml",
    ],
    "demo": ["demo/psd2_demo.xml"],
    "installable": True,
}
