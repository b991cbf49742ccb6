"""JSON form of payment batches, as stored in outbox payloads (Decimal as strings)."""
from datetime import date, datetime
from decimal import Decimal

from .dto import Money, PaymentBatchDTO, PaymentDTO, PostalAddress


def _address_to_dict(address):
    if address is None:
        return None
    return {"country": address.country, "street": address.street, "building_number": address.building_number,
            "postcode": address.postcode, "town": address.town, "address_lines": list(address.address_lines)}


def payment_to_dict(payment):
    return {
        "end_to_end_id": payment.end_to_end_id, "instruction_id": payment.instruction_id,
        "amount": str(payment.amount.amount), "currency": payment.amount.currency,
        "creditor_name": payment.creditor_name,
        "requested_execution_date": payment.requested_execution_date.isoformat(),
        "creditor_iban": payment.creditor_iban, "creditor_account": payment.creditor_account,
        "creditor_bic": payment.creditor_bic, "creditor_clearing_code": payment.creditor_clearing_code,
        "creditor_address": _address_to_dict(payment.creditor_address),
        "remittance_unstructured": payment.remittance_unstructured,
        "remittance_structured": payment.remittance_structured, "purpose_code": payment.purpose_code,
        "charge_bearer": payment.charge_bearer, "intermediary_bic": payment.intermediary_bic,
    }


def batch_to_payload(batch):
    return {"msg_id": batch.msg_id, "debtor_name": batch.debtor_name, "debtor_iban": batch.debtor_iban,
            "debtor_bic": batch.debtor_bic, "batch_booking": batch.batch_booking,
            "created_at": batch.created_at.isoformat(),
            "payments": [payment_to_dict(p) for p in batch.payments]}


def payment_from_dict(data):
    address = data.get("creditor_address")
    return PaymentDTO(
        end_to_end_id=data["end_to_end_id"], instruction_id=data.get("instruction_id"),
        amount=Money(Decimal(data["amount"]), data["currency"]), creditor_name=data["creditor_name"],
        requested_execution_date=date.fromisoformat(data["requested_execution_date"]),
        creditor_iban=data.get("creditor_iban"), creditor_account=data.get("creditor_account"),
        creditor_bic=data.get("creditor_bic"), creditor_clearing_code=data.get("creditor_clearing_code"),
        creditor_address=PostalAddress(**dict(address, address_lines=tuple(address.get("address_lines") or ())))
        if address else None,
        remittance_unstructured=data.get("remittance_unstructured"),
        remittance_structured=data.get("remittance_structured"), purpose_code=data.get("purpose_code"),
        charge_bearer=data.get("charge_bearer") or "SLEV", intermediary_bic=data.get("intermediary_bic"),
    )


def batch_from_payload(data):
    try:
        return PaymentBatchDTO(
            msg_id=data["msg_id"], debtor_name=data["debtor_name"], debtor_iban=data["debtor_iban"],
            debtor_bic=data.get("debtor_bic"), batch_booking=bool(data.get("batch_booking", True)),
            created_at=datetime.fromisoformat(data["created_at"]),
            payments=tuple(payment_from_dict(p) for p in data["payments"]))
    except (KeyError, TypeError, ValueError) as exc:
        from .outbox_handlers import OutboxPermanentError
        raise OutboxPermanentError(f"payment batch payload is invalid: {exc}") from None
