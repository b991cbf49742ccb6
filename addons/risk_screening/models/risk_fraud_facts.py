"""Gathers the facts the pure fraud rules decide on, from Odoo's payments and outbox."""
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models

from ..lib.fraud_rules import FraudSettings, PaymentFacts, evaluate

PAID_STATES = ("in_process", "paid")


class RiskFraudFacts(models.AbstractModel):
    _name = "risk.fraud.facts"
    _description = "Fraud rule facts"

    @api.model
    def _settings(self, company):
        return FraudSettings(cooling_off_days=company.risk_cooling_off_days,
                             new_account_threshold=Decimal(str(company.risk_new_account_threshold)),
                             anomaly_factor=Decimal(str(company.risk_anomaly_factor)),
                             duplicate_days=company.risk_duplicate_days)

    @api.model
    def _enabled(self, company):
        return [name for name, flag in (("bank_changed", company.risk_rule_bank_changed),
                                        ("first_payment_new_account", company.risk_rule_new_account),
                                        ("amount_anomaly", company.risk_rule_anomaly),
                                        ("duplicate", company.risk_rule_duplicate)) if flag]

    @api.model
    def _facts(self, payment, company, partner, batch):
        settings = self._settings(company)
        account = (payment.creditor_iban or payment.creditor_account or "").replace(" ", "").upper()
        pay_date = payment.requested_execution_date
        bank = partner.bank_ids.filtered(lambda b: b.sanitized_acc_number == account)[:1] if partner else None
        Payment = self.env["account.payment"].sudo()
        changed_on = None
        if partner and partner.risk_bank_changed_on:
            changed_on = partner.risk_bank_changed_on
        if bank:
            created = fields.Date.to_date(bank.create_date)
            changed_on = max(changed_on, created) if changed_on else created
        paid_before = bool(bank) and bool(Payment.search_count(
            [("partner_bank_id", "=", bank.id), ("state", "in", PAID_STATES), ("payment_type", "=", "outbound")],
            limit=1))
        history = ()
        if partner:
            history = tuple(Decimal(str(p.amount)) for p in Payment.search(
                [("partner_id", "=", partner.id), ("state", "in", PAID_STATES), ("payment_type", "=", "outbound"),
                 ("currency_id.name", "=", payment.amount.currency)], order="date desc", limit=50))
        window_start = pay_date - timedelta(days=settings.duplicate_days)
        earlier = []
        if bank:
            for paid in Payment.search([("partner_bank_id", "=", bank.id), ("state", "in", PAID_STATES),
                                        ("date", ">=", window_start)]):
                earlier.append((account, Decimal(str(paid.amount)), paid.memo or paid.payment_reference or "",
                                paid.date, "paid"))
        for other in batch:
            if other.end_to_end_id != payment.end_to_end_id:
                earlier.append(((other.creditor_iban or other.creditor_account or "").replace(" ", "").upper(),
                                other.amount.amount, other.remittance_unstructured or other.remittance_structured or "",
                                other.requested_execution_date, "in this batch"))
        earlier += self._outbox_payments(company, window_start, {p.end_to_end_id for p in batch})
        reference = payment.remittance_unstructured or payment.remittance_structured or ""
        return PaymentFacts(end_to_end_id=payment.end_to_end_id, amount=payment.amount.amount,
                            currency=payment.amount.currency, account=account, reference=reference,
                            pay_date=pay_date, account_changed_on=changed_on, paid_to_account_before=paid_before,
                            history=history, earlier=tuple(earlier)), settings

    @api.model
    def _outbox_payments(self, company, since, exclude_e2e):
        """Payments in batches already queued or sent to a bank."""
        messages = self.env["finance.outbox.message"].sudo().search(
            [("company_id", "=", company.id), ("message_type", "=", "payment_batch.submit"),
             ("state", "not in", ("dead",)), ("create_date", ">=", fields.Datetime.to_datetime(since))])
        found = []
        for message in messages:
            for item in (message.payload or {}).get("payments", []):
                if item.get("end_to_end_id") in exclude_e2e:
                    continue
                found.append(((item.get("creditor_iban") or item.get("creditor_account") or "").upper(),
                              Decimal(item.get("amount", "0")),
                              item.get("remittance_unstructured") or item.get("remittance_structured") or "",
                              fields.Date.from_string(item["requested_execution_date"]),
                              f"in batch {message.key}"))
        return found

    @api.model
    def _fraud_holds(self, payment, company, partner, batch):
        facts, settings = self._facts(payment, company, partner, batch)
        return evaluate(facts, settings, self._enabled(company))
