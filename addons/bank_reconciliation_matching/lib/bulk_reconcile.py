"""What the set-based reconciliation writer writes, and when it must leave a line to the ORM.

Pure rules, no ORM: ``pair_rows`` gives the counterpart, partial, full-reconcile and residual values of one
statement line settled against open items in the company currency (what
``finance.reconcile.writer._reconcile`` + ``account.move.line.reconcile()`` leave for that case);
``plan_refusal`` says why a line is not that case. The equality with the ORM is proven column by
column in ``tests/test_bulk_reconcile_writer.py``.
"""
from dataclasses import dataclass
from decimal import Decimal

# Methods whose behaviour the writer reproduces: an addon overriding one of them (and not declared
# compatible, docs/EXTENDING.md) sends every line through the ORM. Stored computed fields
# (residuals, payment_state, is_reconciled...) are recomputed by the ORM itself, overrides included;
# ``_invoice_paid_hook`` is called by the ORM too.
WATCHED = {
    "account.move.line": ("create", "write", "unlink", "reconcile", "_reconcile_plan", "_reconcile_plan_with_sync",
                          "_prepare_reconciliation_plan", "_prepare_reconciliation_single_partial",
                          "_prepare_reconciliation_amls", "_optimize_reconciliation_plan",
                          "_check_amls_exigibility_for_reconciliation", "_reconcile_pre_hook",
                          "_reconcile_post_hook", "_create_exchange_difference_moves", "_sanitize_vals",
                          "_mail_track"),
    "account.move": ("write", "_synchronize_business_models", "_sync_dynamic_lines", "_check_balanced",
                     "_check_fiscal_lock_dates", "_stolen_move"),
    "account.partial.reconcile": ("create", "write", "_update_matching_number", "_get_to_update_payments",
                                  "_create_tax_cash_basis_moves", "_set_draft_caba_move_vals"),
    "account.full.reconcile": ("create", "write"),
    "account.bank.statement.line": ("write", "_synchronize_from_moves", "_synchronize_to_moves",
                                    "_seek_for_lines"),
}
KNOWN_MODULES = frozenset({"base", "mail", "analytic", "account", "finance_bridge_core",
                           "bank_reconciliation_matching"})

# Addons of the extra-modules test database, checked by reading their Odoo 19.0 overrides of the
# methods above (their ``_invoice_paid_hook`` and compute overrides run through the ORM here too).
COMPATIBLE_MODULES = {
    "sale": "overrides account.move unlink only, which this writer does not reproduce",
    "purchase": "account.move write posts a note only when journal items link purchase order lines; "
                "statement-line moves and their counterparts never do",
    "purchase_stock": "no override of the reproduced methods",
    "sale_stock": "no override of the reproduced methods",
    "stock_account": "no override of the reproduced methods",
    "account_edi": "no override of the reproduced methods",
    "account_edi_ubl_cii": "no override of the reproduced methods",
    "l10n_de": "no override of the reproduced methods",
    "l10n_fr": "no override of the reproduced methods",
    "l10n_nl": "no override of the reproduced methods",
}


@dataclass(frozen=True, slots=True)
class ItemState:
    """An open item as the writer needs it (amounts in the company currency)."""
    id: int
    balance: Decimal
    residual: Decimal
    date: object
    partial_count: int = 0


def plan_refusal(line_amount, allocations, items, kind=""):
    """Why this settlement is not the common case the writer reproduces, or None.

    ``allocations`` = [(item id, amount in bank sign)], ``items`` = {id: ItemState}."""
    if kind not in ("", "partial"):
        return f"{kind or 'difference'} posted to an account"
    if not allocations:
        return "nothing to settle"
    if len({item_id for item_id, _amount in allocations}) != len(allocations):
        return "an open item appears twice"
    total = sum((Decimal(amount) for _id, amount in allocations), Decimal(0))
    if total != Decimal(line_amount):
        return "the line is not settled in full (a rest stays on the suspense account)"
    # Reasons name no record: a run counts lines per reason (its Notes stay short).
    for item_id, raw_amount in allocations:
        item = items.get(item_id)
        if item is None:
            return ("an item is not an open receivable/payable item in the company currency of an invoice "
                    "or entry (a payment, another currency, taxes on an entry, an early-payment discount)")
        if item.partial_count:
            return "an item is already partly reconciled"
        amount = Decimal(raw_amount)
        if not amount or (amount > 0) != (item.residual > 0) or abs(amount) > abs(item.residual):
            return "an amount does not fit the residual of its item"
    return None


@dataclass(frozen=True, slots=True)
class PairRow:
    """One open item settled by one counterpart, with everything the writer stores for the pair."""
    item_id: int
    counterpart_balance: Decimal    # the counterpart's balance (opposite of the settled amount)
    amount: Decimal                 # the partial reconciliation's amount (positive)
    item_is_debit: bool             # the item is the debit side of the partial reconciliation
    max_date: object                # the later of the line's and the item's dates
    full: bool                      # the item is settled in full (a full reconciliation)
    residual_after: Decimal         # the item's residual once settled (Odoo's ``amount_residual``)


def pair_rows(line_date, allocations, items):
    """[PairRow]: one per item, in allocation order, as the ORM reconciles them one pair at a time."""
    rows = []
    for item_id, raw_amount in allocations:
        item = items[item_id]
        amount = Decimal(raw_amount)
        rows.append(PairRow(item_id=item_id, counterpart_balance=-amount, amount=abs(amount),
                            item_is_debit=item.balance > 0, max_date=max(line_date, item.date),
                            full=amount == item.residual, residual_after=item.residual - amount))
    return rows
