from . import (
    batch_cancel,
    propose_payments,
)
