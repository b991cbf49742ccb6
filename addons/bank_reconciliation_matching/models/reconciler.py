"""Reconciliation through Odoo's own accounting, as a manual reconciliation gives it.

The statement line's suspense item is replaced by one counterpart item per open item settled (in
the transaction currency, at the bank's rate: ``_prepare_counterpart_amounts_using_st_line_rate``),
plus a write-off / charges / rule item for a known difference; each counterpart is then reconciled
with its open item by ``account.move.line.reconcile()``, which posts exchange differences and
marks invoices and payments paid. ``action_undo_reconciliation`` (stock) restores the line.
"""
from odoo import Command, _, api, models
from odoo.exceptions import UserError


class FinanceReconcileWriter(models.AbstractModel):
    _name = "finance.reconcile.writer"
    _description = "Bank reconciliation: journal items"

    @api.model
    def _counterpart_vals(self, st_line, aml, amount):
        """Values of the item settling ``amount`` (aml currency, bank sign) of ``aml``."""
        amount = aml.currency_id.round(float(amount))   # Odoo's amounts are floats rounded to the currency
        residual_currency = aml.amount_residual_currency
        if aml.currency_id.compare_amounts(amount, residual_currency) == 0:
            balance = aml.amount_residual
        else:
            balance = aml.company_currency_id.round(aml.amount_residual * amount / residual_currency)
            if aml.currency_id == aml.company_currency_id:
                balance = amount
        amounts = st_line._prepare_counterpart_amounts_using_st_line_rate(aml.currency_id, -balance, -amount)
        return {
            "name": aml.move_id.name if aml.move_id.name != aml.name and aml.name else (aml.name or aml.move_id.name),
            "account_id": aml.account_id.id,
            "partner_id": aml.partner_id.id,
            "currency_id": (st_line.foreign_currency_id or st_line.journal_id.currency_id
                            or st_line.company_id.currency_id).id,
            "amount_currency": amounts["amount_currency"],
            "balance": amounts["balance"],
        }

    @api.model
    def _reconcile(self, st_line, allocations, rest_account=None, rest_label=None, rest_taxes=None,
                   account_parts=()):
        """Settle ``allocations`` [(account.move.line, amount in its currency)] with ``st_line``.

        ``account_parts`` [(account, amount in the transaction currency, label)]: parts of the line
        written to accounts (a split line), one counterpart each. What is left of the line goes to
        ``rest_account`` (write-off, charges, a rule's account) or stays on the suspense account
        (partial reconciliation of the line).
        """
        st_line.ensure_one()
        liquidity, suspense, other = st_line._seek_for_lines()
        if other or not suspense:
            raise UserError(_("Statement line %(line)s is already reconciled: reset it first.",
                              line=st_line.display_name))
        transaction_currency = st_line.foreign_currency_id or st_line.journal_id.currency_id \
            or st_line.company_id.currency_id
        new_lines, pairs = [], []
        for aml, amount in allocations:
            if aml.reconciled or aml.company_id != st_line.company_id or aml.parent_state != "posted":
                raise UserError(_("Journal item %(item)s cannot be matched any more (reconciled, not posted or "
                                  "of another company).", item=aml.display_name))
            new_lines.append(self._counterpart_vals(st_line, aml, amount))
            pairs.append(aml)
        new_lines.extend(self._account_part_lines(st_line, liquidity, suspense, transaction_currency, account_parts))
        rest_balance = -(sum(liquidity.mapped("balance")) + sum(v["balance"] for v in new_lines))
        rest_currency = sum(suspense.mapped("amount_currency")) - sum(v["amount_currency"] for v in new_lines)
        company_currency = st_line.company_id.currency_id
        if not company_currency.is_zero(rest_balance) or not transaction_currency.is_zero(rest_currency):
            base = {"name": rest_label or st_line.payment_ref, "partner_id": st_line.partner_id.id,
                    "currency_id": transaction_currency.id}
            if rest_account:
                new_lines.extend(self._rest_lines(st_line, base, rest_account, rest_taxes, rest_balance, rest_currency))
            else:
                new_lines.append(dict(base, account_id=st_line.journal_id.suspense_account_id.id,
                                      balance=rest_balance, amount_currency=rest_currency))
        move = st_line.move_id.with_context(skip_readonly_check=True, force_delete=True)
        move.write({"line_ids": [Command.delete(suspense.id)] + [Command.create(v) for v in new_lines]})
        created = st_line.move_id.line_ids - liquidity
        for aml, vals in zip(pairs, new_lines, strict=False):
            counterpart = created.filtered(lambda line, v=vals: line.account_id.id == v["account_id"]
                                           and not line.reconciled and line.partner_id.id == v["partner_id"]
                                           and line.currency_id.compare_amounts(line.amount_currency,
                                                                                v["amount_currency"]) == 0)[:1]
            (counterpart + aml).reconcile()
        return st_line.move_id.line_ids

    @api.model
    def _account_part_lines(self, st_line, liquidity, suspense, transaction_currency, account_parts):
        """One counterpart per part written to an account, at the bank's rate (company amount of the
        line / its transaction amount); the rounding rest, if any, stays with the rest line."""
        company_currency = st_line.company_id.currency_id
        transaction_amount = -sum(suspense.mapped("amount_currency"))
        ratio = sum(liquidity.mapped("balance")) / transaction_amount if transaction_amount else 1.0
        lines = []
        for account, part_amount, label in account_parts:
            amount = transaction_currency.round(float(part_amount))
            lines.append({"name": label or st_line.payment_ref, "account_id": account.id,
                          "partner_id": st_line.partner_id.id, "currency_id": transaction_currency.id,
                          "amount_currency": -amount, "balance": company_currency.round(-amount * ratio)})
        return lines

    @api.model
    def _rest_lines(self, st_line, base, account, taxes, balance, amount_currency):
        """The rest on an account, its taxes (price included) split off as Odoo's tax lines."""
        if not taxes:
            return [dict(base, account_id=account.id, balance=balance, amount_currency=amount_currency)]
        company_currency = st_line.company_id.currency_id
        result = taxes.compute_all(abs(balance), currency=company_currency, handle_price_include=True)
        sign = 1 if balance > 0 else -1
        ratio = (amount_currency / balance) if balance else 1
        lines = [dict(base, account_id=account.id, tax_ids=[Command.set(taxes.ids)],
                      balance=sign * result["total_excluded"],
                      amount_currency=sign * result["total_excluded"] * ratio)]
        for tax in result["taxes"]:
            if not tax["account_id"] and not tax["amount"]:
                continue
            lines.append(dict(base, name=tax["name"], account_id=tax["account_id"] or account.id,
                              tax_repartition_line_id=tax["tax_repartition_line_id"],
                              balance=sign * tax["amount"], amount_currency=sign * tax["amount"] * ratio))
        # Rounding: the sum of the parts is the rest, to the cent.
        drift = balance - sum(line["balance"] for line in lines)
        lines[0]["balance"] += drift
        lines[0]["amount_currency"] = amount_currency - sum(line["amount_currency"] for line in lines[1:])
        return lines
