"""Payment initiation bodies and payment status → the core's status events.

A batch goes to the bank as one bulk pain.001 (``/v1/bulk-payments/pain.001-sepa-credit-transfers``)
or, when the bank takes only single transfers, as one JSON SEPA credit transfer per payment. The
body is a pure function of the batch, so a resend after a timeout is byte-identical and carries
the same request id: the bank recognises it and never holds two payments.
"""
import dataclasses
import json
import re

from odoo.addons.finance_bridge_core.lib.dto import PAYMENT_STATUSES, StatusEventDTO

FINAL_STATUSES = ("ACSC", "ACCC", "RJCT", "PART", "CANC")
BULK_PATH = "/v1/bulk-payments/pain.001-sepa-credit-transfers"
SINGLE_PATH = "/v1/payments/sepa-credit-transfers"


IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def is_iban(value):
    """ISO 13616 shape and mod-97 check digits."""
    if not value or not IBAN_SHAPE.fullmatch(value):
        return False
    digits = "".join(str(int(c, 36)) for c in value[4:] + value[:4])
    return int(digits) % 97 == 1


def sepa_batch(batch):
    """``batch`` with every creditor account that is an IBAN sent as the IBAN.

    XS2A SEPA transfers name the creditor by IBAN (a bank refuses ``Othr``/``bban``); a release
    where Odoo does not know the account type (no base_iban) hands a valid IBAN over as a plain
    account number.
    """
    def fixed(payment):
        number = (payment.creditor_account or "").replace(" ", "").upper()
        if payment.creditor_iban or not is_iban(number):
            return payment
        return dataclasses.replace(payment, creditor_iban=number, creditor_account=None)

    payments = tuple(fixed(p) for p in batch.payments)
    return batch if payments == batch.payments else dataclasses.replace(batch, payments=payments)


def sct_body(batch, payment):
    """The JSON body of one SEPA credit transfer of ``batch`` (bytes, canonical)."""
    body = {
        "endToEndIdentification": payment.end_to_end_id,
        "debtorAccount": {"iban": batch.debtor_iban},
        "instructedAmount": {"currency": payment.amount.currency, "amount": format(payment.amount.amount, "f")},
        "creditorAccount": {"iban": payment.creditor_iban} if payment.creditor_iban
        else {"bban": payment.creditor_account},
        "creditorName": payment.creditor_name,
        "requestedExecutionDate": payment.requested_execution_date.isoformat(),
    }
    if payment.creditor_bic:
        body["creditorAgent"] = payment.creditor_bic
    if payment.remittance_unstructured:
        body["remittanceInformationUnstructured"] = payment.remittance_unstructured
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sub_request_id(key, index, count):
    """The request id of the index-th single transfer of a batch sent as singles: stable per key."""
    import uuid
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"finance_bridge:{key}:{index}/{count}"))


def request_id_for(key):
    """X-Request-ID must be a UUID: the outbox key itself when it is one, else a UUID derived from it."""
    import uuid
    try:
        return str(uuid.UUID(str(key)))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"finance_bridge:{key}"))


def status_events(status, *, msg_id=None, end_to_end_ids=(), bank_reference=None, reason=None, occurred_at=None):
    """XS2A ``transactionStatus`` → StatusEventDTOs: a bulk reports at group level (MsgId), a single
    transfer at transaction level (its EndToEndId). An unknown code raises ValueError."""
    if status not in PAYMENT_STATUSES:
        raise ValueError(f"unknown XS2A transactionStatus {status!r}")
    raw = {"paymentId": bank_reference} if bank_reference else {}
    if msg_id:
        return [StatusEventDTO(source="psd2", status=status, level="group", msg_id=msg_id, reason_text=reason,
                               occurred_at=occurred_at, raw=raw)]
    return [StatusEventDTO(source="psd2", status=status, level="transaction", end_to_end_id=e2e,
                           reason_text=reason, occurred_at=occurred_at, raw=raw) for e2e in end_to_end_ids]


def is_final(status):
    return status in FINAL_STATUSES
