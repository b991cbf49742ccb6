"""Which addons may extend journal entries without switching the bulk statement writer off.

The bulk writer (``models/statement_line_writer.py``) inserts the rows stock
``account.bank.statement.line.create()`` leaves. An addon that overrides ``create``/``write``/
``_post``/``action_post`` or a compute method of a stored field of ``account.move``,
``account.move.line`` or ``account.bank.statement.line`` could change those rows, so by default
its presence sends imports through the ORM. An addon whose overrides do not apply to
statement-line moves (posted ``entry`` moves of a bank journal with a liquidity and a suspense
line, no product, no invoice, no order line) declares so — see docs/EXTENDING.md:

* in its own model class: ``_finance_bulk_writer_compatible = "why"`` (no dependency needed), or
* by extending ``finance.statement.line.writer._finance_bulk_writer_compatible_modules()``.

Stored fields such an addon adds are filled like stock fills them: defaults from ``default_get``,
computed fields by the ORM's own compute over the inserted records. The equality test
(``tests/test_statement_line_writer.py``) runs on a database with the addons below installed.

Each entry below was checked by reading the addon's overrides in Odoo 19.0.
"""

COMPATIBLE_MODULES = {
    "sale": "_post reconciles invoices with payment transactions and action_post updates down-payment "
            "order lines: both only for invoices / lines linked to sale order lines; team_id is computed "
            "for sale documents only; move lines' is_storno changes for down-payment lines only",
    "purchase": "create/write post a chatter note only when move lines link purchase order lines",
    "purchase_stock": "_post adds anglo-saxon price-difference lines for vendor bills only; the incoterm "
                      "location comes from linked purchase orders only",
    "sale_stock": "delivery date and incoterm location come from linked sale orders only",
    "stock_account": "_post adds COGS lines for customer invoices with storable products and values "
                     "stock moves linked to move lines; neither exists on statement-line moves; move lines' "
                     "account changes for products of purchase documents only",
    "account_edi": "_post creates EDI documents for the formats of the move's journal; a bank journal "
                   "has none (checked per journal by the writer)",
    "account_edi_ubl_cii": "no override of the watched methods",
    "l10n_de": "_post sets the delivery date of German sale documents only",
    "l10n_fr": "no override of the watched methods",
    "l10n_nl": "no override of the watched methods",
}


def first_override(classes, methods, known, declared, marker):
    """The first class of an addon neither reproduced (``known``) nor declared compatible (in
    ``declared``, or by its ``marker`` class attribute) that overrides one of ``methods``, as
    (addon, [methods it overrides]); None when there is none. Shared by the set-based writers
    (statement lines here, reconciliations in bank_reconciliation_matching)."""
    for cls in classes:
        module = getattr(cls, "_module", None)
        if not module or module in known or module in declared or vars(cls).get(marker):
            continue
        overridden = sorted(m for m in methods if m in vars(cls))
        if overridden:
            return module, overridden
    return None
