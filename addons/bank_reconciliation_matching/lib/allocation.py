"""How a line's amount settles a set of open items: exact, partial, charges, write-off, overpaid."""
from decimal import Decimal

# Score penalties by outcome (a partial settlement is normal; an overpayment needs a human).
PENALTY = {"": 0, "partial": 3, "charges": 1, "writeoff": 3, "overpaid": 25}


def allocate(line, item_ids, index, config):
    """(allocations, difference, kind, note) or None when the amounts cannot belong together.

    ``allocations`` = ((item_id, settled amount in the item currency), ...), oldest item first.
    """
    items = [index.items[i] for i in item_ids]
    currencies = {item.currency for item in items}
    if len(currencies) != 1:
        return None
    currency = currencies.pop()
    line_amount = line.amount_in(currency)
    if line_amount is None or not line_amount:
        return None
    residuals = [index.residual[i] for i in item_ids]
    total = sum(residuals, Decimal(0))
    if not total or (total > 0) != (line_amount > 0) or any((r > 0) != (total > 0) for r in residuals):
        return None
    full = tuple(zip(item_ids, residuals, strict=True))
    difference = line_amount - total
    if difference == 0:
        return full, Decimal(0), "", f"amount {line_amount} {currency} equal"
    # Charges the bank deducted (camt Chrgs) make up the difference: the item was paid in full.
    if line.charges and line_amount + line.charges == total:
        return full, difference, "charges", f"amount {line_amount} + charges {line.charges} = {total} {currency}"
    if abs(difference) <= config.writeoff_tolerance:
        return full, difference, "writeoff", f"difference {difference} {currency} within tolerance"
    if abs(line_amount) < abs(total):
        remaining, allocations = line_amount, []
        for item_id, residual in full:
            part = residual if abs(residual) <= abs(remaining) else remaining
            if part:
                allocations.append((item_id, part))
            remaining -= part
        return tuple(allocations), Decimal(0), "partial", f"partial payment {line_amount} of {total} {currency}"
    return full, difference, "overpaid", f"line {line_amount} exceeds open {total} {currency} by {difference}"
