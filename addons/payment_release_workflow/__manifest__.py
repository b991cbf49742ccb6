{
    "name": "Finance Bridge Payment Release Workflow",
    "summary": "Payment batches from vendor bills, approval policies, segregation of duties, "
               "re-authenticated release, bank status feedback, exceptions",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "finance_bridge",
    "website": "https://github.com/finance-bridge/finance_bridge",
    "depends": ["finance_bridge_core", "account", "mail"],
    "data": [
        "security/ir.model.access.csv",
        "security/payment_release_rules.xml",
        "data/ir_sequence.xml",
        "data/target2_holidays.xml",
        "wizards/batch_cancel_views.xml",
        "views/payment_batch_views.xml",
        "views/bank_holiday_views.xml",
        "views/bank_connection_views.xml",
        "views/menus.xml",
    ],
    "demo": [],
    "installable": True,
}
