{
    "name": "Finance Bridge Bank Reconciliation",
    "summary": "Explainable matching of statement lines to payments and open items (EndToEndId, structured "
               "references, remittance text, IBAN + amount, rules), review screen, automatic reconciliation",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "license": "LGPL-3",
    "author": "finance_bridge",
    "website": "https://github.com/finance-bridge/finance_bridge",
    "depends": ["finance_bridge_core", "account"],
    "data": [
        "security/ir.model.access.csv",
        "security/reconcile_rules.xml",
        "data/ir_cron.xml",
        "wizards/reconcile_wizard_views.xml",
        "views/reconcile_views.xml",
        "views/account_journal_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_backend": ["bank_reconciliation_matching/static/src/*.js"],
        "web.assets_tests": ["bank_reconciliation_matching/static/tests/tours/*.js"],
    },
    "installable": True,
}
