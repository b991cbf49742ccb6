from . import (
    account_payment,
    bank_connection,
    bank_holiday,
    payment_approval,
    payment_batch,
    payment_batch_approval,
    payment_batch_line,
    payment_batch_line_screening,
    payment_policy,
    policy_change,
    res_company,
    res_partner_bank,
)
