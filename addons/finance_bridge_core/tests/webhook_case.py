"""Shared set-up of the webhook tests: a webhook-capable folder connection and a signing client.

The provider is ``test_webhook_folder`` of the test-only addon ``finance_bridge_outbox_test``
(the watched-folder provider plus the core's default webhook contract).
"""
import json
import os
import shutil
import tempfile
import time
from datetime import date

from ..lib.json_statement_parser import statement_to_document
from ..lib.webhook_verify import DEFAULT_SCHEME
from ..models.bank_connection_webhook import SECRET_CURRENT
from .common import make_statement
from .factories import iban_de

PROVIDER = "test_webhook_folder"
SECRET = "whsec-test-0123456789abcdef"


def webhook_connection(env, tag, base, secret=SECRET):
    """An active connection with one bank journal, a folder holding one statement for it, and a secret."""
    company = env.company
    bank = env["res.partner.bank"].create({"acc_number": iban_de(base), "partner_id": company.partner_id.id})
    journal = env["account.journal"].create({"name": f"WH {tag}", "code": f"W{str(base)[-4:]}", "type": "bank",
                                             "bank_account_id": bank.id, "company_id": company.id})
    folder = tempfile.mkdtemp(prefix="fb_webhook_")
    iban = bank.sanitized_acc_number
    stmt = make_statement(iban, date(2026, 3, 2), ["10.00", "-1.50"], currency=company.currency_id.name)
    with open(os.path.join(folder, "001.json"), "w", encoding="utf-8") as handle:
        json.dump(statement_to_document(stmt), handle)
    conn = env["finance.bank.connection"].create({"name": f"webhook {tag}", "provider": PROVIDER})
    conn.setting_ids.filtered(lambda s: s.key == "inbound_path").value = folder
    conn.account_ids = [(0, 0, {"journal_id": journal.id})]
    conn.action_activate()
    if secret:
        conn._webhook_store_secret(SECRET_CURRENT, secret)
    return conn, journal, iban, folder


def remove_folder(folder):
    shutil.rmtree(folder, True)


def signed_headers(body, secret=SECRET, timestamp=None):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {"Content-Type": "application/json", "X-Webhook-Timestamp": stamp,
            "X-Webhook-Signature": DEFAULT_SCHEME.sign(secret, stamp, body)}


def status_body(event_id, end_to_end_id, status="ACSC"):
    return json.dumps({"id": event_id, "type": "status", "occurred_at": "2026-03-02T10:00:00Z",
                       "data": {"status": status, "end_to_end_id": end_to_end_id}}).encode()


def sync_body(event_id, account):
    return json.dumps({"id": event_id, "type": "sync_account", "account": account}).encode()


def no_commit_progress(processed=0, remaining=None, deactivate=False):
    """The cron progress API inside a test transaction: nothing is committed, time is never up."""
    return 60
