"""Acceptance 1 of issue 12: the newcomer's first walk, in headless Chromium, one screenshot per step.

Log in, open Invoicing → Bank Connectivity → Bank Connections, open the demo connection, its Settings
tab and settings form and its Secrets tab, press Sync now, open Bank Transactions and a line, its statement, upload a camt.053 sample through
*Upload Bank Files* and open the imported file. The screenshots land in
``.local/screenshots/newcomer/`` (or ``$FB_SCREENSHOT_DIR``), named ``NN_<step>.png``.
"""
import base64
import binascii
import os
import pathlib
import shutil
import tempfile
from unittest.mock import patch

from odoo.tests.common import ChromeBrowser, HttpCase

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHOT_DIR = pathlib.Path(os.environ.get("FB_SCREENSHOT_DIR") or ROOT / ".local" / "screenshots" / "newcomer")
SAMPLE_IBAN = "GB33BUKB20201555555555"  # the sample's own account: a journal is set up for it


def sample_camt053(currency):
    """A camt.053 with two entries carrying EndToEndId, AcctSvcrRef, UETR and remittance information."""
    from odoo.addons.bank_adapter_iso20022.tests import samples
    entries = samples.entry("250.00", "CRDT", ref="ACSR-NEWCOMER-1", txs=samples.tx(
        ind="CRDT", e2e="E2E-NEWCOMER-1", name="Blue Harbor Logistics BV", iban="NL91ABNA0417164300",
        ustrd="Invoice INV/2026/0042", uetr="3b5f4c9e-8d2a-4f6b-9c1e-7a2d5e8f0b13"))
    entries += samples.entry("120.00", "DBIT", ref="ACSR-NEWCOMER-2", txs=samples.tx(
        e2e="E2E-NEWCOMER-2", name="Acme Supplies GmbH", iban="DE75512108001245126199", ustrd="Office paper"))
    return samples.camt053(iban=SAMPLE_IBAN, ccy=currency, entries=entries, seq="1")


class TestNewcomerTour(HttpCase):
    test_tags = {"standard", "post_install"}
    test_module = "finance_bridge_scenarios"

    def setUp(self):
        super().setUp()
        if not shutil.which("chromium") and not shutil.which("google-chrome") and \
                not shutil.which("chromium-browser"):
            self.skipTest("no Chromium (.ci/run installs it)")
        inbox = tempfile.mkdtemp(prefix="fb_newcomer_")
        self.addCleanup(shutil.rmtree, inbox, True)
        self.connection = self.env["finance.bank.connection"].create(
            {"name": "Demo Bank (watched folder)", "provider": "json_folder"})
        self.env["finance.bridge.demo"]._setup_demo(connection=self.connection, inbox=inbox)
        bank = self.env["res.partner.bank"].create({"acc_number": SAMPLE_IBAN,
                                                    "partner_id": self.env.company.partner_id.id})
        euro = self.env.ref("base.EUR")
        euro.active = True
        self.env["account.journal"].create({"name": "Sample Bank EUR", "code": "FBSMP", "type": "bank",
                                            "bank_account_id": bank.id, "currency_id": euro.id})
        shutil.rmtree(SHOT_DIR, ignore_errors=True)
        SHOT_DIR.mkdir(parents=True, exist_ok=True)

    def test_newcomer_walk(self):
        saved = []
        original = ChromeBrowser._handle_console

        def handle_console(browser, type, args=None, stackTrace=None, **kw):
            text = args and str(args[0].get("value", ""))
            if text and text.startswith("FB_SHOT "):
                name = text.split(" ", 1)[1]

                def write(future):
                    (SHOT_DIR / f"{name}.png").write_bytes(binascii.a2b_base64(future.result()["data"]))
                    saved.append(name)
                    browser._websocket_send("Runtime.evaluate", params={
                        "expression": f"document.body.dataset.fbShot = {name!r}"})

                browser._websocket_send("Page.captureScreenshot", with_future=True).add_done_callback(write)
            return original(browser, type, args=args, stackTrace=stackTrace, **kw)

        attachment = self.env["ir.attachment"].create({
            "name": "camt053_sample.xml", "datas": base64.b64encode(sample_camt053("EUR"))})
        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour("/odoo", "finance_bridge_newcomer", login="admin", timeout=240,
                            cookies={"fb_newcomer_sample": str(attachment.id)})

        self.assertEqual(saved, sorted(saved))
        self.assertEqual(len(saved), 15, saved)
        for name in saved:
            self.assertGreater((SHOT_DIR / f"{name}.png").stat().st_size, 5_000, name)
        lines = self.env["account.bank.statement.line"].search([("journal_id.code", "in", ("FBDE1", "FBDE2"))])
        self.assertEqual(len(lines), 18)
        demo_files = self.env["finance.file.import"].search([("connection_id", "=", self.connection.id)])
        self.assertEqual((len(demo_files), set(demo_files.mapped("state"))), (6, {"done"}),
                         "the demo folder's files are in Imported Files too")
        upload = self.env["finance.file.import"].search([("name", "=", "camt053_sample.xml")])
        self.assertEqual(upload.state, "done", upload.error)
        self.assertEqual(upload.lines_created, 2)
        self.assertEqual(upload.statement_ids.line_ids.mapped("finance_end_to_end_id"),
                         ["E2E-NEWCOMER-1", "E2E-NEWCOMER-2"])
