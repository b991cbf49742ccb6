from . import batch_cancel
