from . import outbox_test_document
