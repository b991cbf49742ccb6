{
    "name": "Finance Bridge ISO 20022 Files",
    "summary": "camt.052/053/054 and pain.002 in, XSD-validated pain.001 out; watched folder and SFTP channels",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "finance_bridge",
    "website": "https://github.com/finance-bridge/finance_bridge",
    "depends": ["finance_bridge_core"],
    "external_dependencies": {"python": ["lxml", "paramiko"]},
    "data": [
        "security/ir.model.access.csv",
        "security/bank_profile_rules.xml",
        "data/bank_profile_data.xml",
        "views/bank_profile_views.xml",
    ],
    "installable": True,
}
