from . import (
    account_move,
    account_payment,
    bank_connection,
    bank_holiday,
    partner_bank,
    payment_batch,
    payment_batch_line,
    payment_demo,
)
