from . import (
    account_payment,
    bank_connection,
    bank_holiday,
    payment_batch,
    payment_batch_line,
)
