"""Batch lines → the canonical PaymentBatchDTO the providers turn into a bank file.

One bank transfer per beneficiary account and currency (the grouping of ``account.payment``):
its EndToEndId is the first line's, its amount the Decimal sum of the lines, its remittance the
lines' references joined (140 characters, the SEPA limit). Pure: takes ``FileLine`` values.
"""
from dataclasses import dataclass
from decimal import Decimal

from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO

MAX_REMITTANCE = 140


@dataclass(frozen=True)
class FileLine:
    end_to_end_id: str
    group: tuple            # (beneficiary account id, currency): one transfer per group
    amount: Decimal
    currency: str
    creditor_name: str
    creditor_iban: str | None
    creditor_account: str | None
    creditor_bic: str | None
    remittance: str | None


def group_lines(lines):
    """Ordered ``{group: [FileLine, …]}`` in the order the lines come."""
    groups = {}
    for line in lines:
        groups.setdefault(line.group, []).append(line)
    return groups


def transfer_ids(lines):
    """``{line EndToEndId: transfer EndToEndId}``: the id each line is paid under."""
    return {line.end_to_end_id: members[0].end_to_end_id
            for members in group_lines(lines).values() for line in members}


def _remittance(members):
    refs = []
    for line in members:
        if line.remittance and line.remittance not in refs:
            refs.append(line.remittance)
    text = "; ".join(refs)
    return text[:MAX_REMITTANCE] or None


def build_batch_dto(msg_id, created_at, debtor_name, debtor_iban, debtor_bic, execution_date, lines):
    """The PaymentBatchDTO of ``lines`` (validated by the DTO: positive amounts, unique ids…)."""
    payments = []
    for members in group_lines(lines).values():
        first = members[0]
        total = sum((m.amount for m in members), Decimal(0))
        payments.append(PaymentDTO(
            end_to_end_id=first.end_to_end_id, amount=Money(total, first.currency),
            creditor_name=first.creditor_name, requested_execution_date=execution_date,
            creditor_iban=first.creditor_iban, creditor_account=first.creditor_account,
            creditor_bic=first.creditor_bic, remittance_unstructured=_remittance(members),
            instruction_id=first.end_to_end_id[:35]))
    return PaymentBatchDTO(msg_id=msg_id, debtor_name=debtor_name, debtor_iban=debtor_iban, debtor_bic=debtor_bic,
                           payments=tuple(payments), created_at=created_at)
