from . import (
    account_payment,
    bank_connection,
    bank_holiday,
    payment_batch,
    payment_batch_line,
    payment_batch_release,
    payment_exception,
    statement_booking,
    status_event,
)
