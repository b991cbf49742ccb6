"""Shared fixtures of the release tests: a bank journal, a watched-folder connection, vendor bills,
batches made of them, and pain.002 reports the bank would send back."""
import os
import uuid
import shutil
import tempfile

from odoo import Command
from odoo.tests.common import TransactionCase

from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.tests import factories


def pain002(msg_id, txs, grp=None, version="03", pmt_inf=None):
    """A pain.002 report on ``msg_id``: ``txs`` = [(EndToEndId, status, reason or None, amount or None)]."""
    tx_xml = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
        + (f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else "")
        + (f'<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt></OrgnlTxRef>' if amount else "")
        + "</TxInfAndSts>" for e2e, status, reason, amount in txs)
    group = f"<GrpSts>{grp}</GrpSts>" if grp else ""
    info = f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{pmt_inf or msg_id + '-1'}</OrgnlPmtInfId>{tx_xml}" \
           "</OrgnlPmtInfAndSts>" if txs else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>STS-{msg_id}-{abs(hash(tx_xml + group)) % 10**8}</MsgId><CreDtTm>2026-03-03T10:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>{msg_id}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>{group}</OrgnlGrpInfAndSts>
  {info}
 </CstmrPmtStsRpt>
</Document>""".encode()


class ReleaseCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factories.bind(cls.env)
        cls.company = cls.env.company
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.journal = factories.BankJournalFactory(currency_id=cls.eur.id)
        cls.iban = cls.journal.bank_account_id.sanitized_acc_number
        cls.expense = cls.env["account.account"].search([("account_type", "=", "expense")], limit=1)
        cls.vendors = [cls._vendor(f"Vendor {n}", 7_100_000 + n) for n in range(3)]

    @classmethod
    def _vendor(cls, name, number):
        partner = cls.env["res.partner"].create({"name": name, "is_company": True, "country_id":
                                                 cls.env.ref("base.de").id})
        bank = cls.env["res.partner.bank"].create({"partner_id": partner.id, "acc_number": factories.iban_de(number),
                                                   "allow_out_payment": True})
        return partner, bank

    @classmethod
    def bill(cls, vendor, amount, ref=None):
        partner, bank = vendor
        move = cls.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": partner.id, "invoice_date": "2026-03-01",
            "ref": ref, "currency_id": cls.eur.id, "partner_bank_id": bank.id,
            "invoice_line_ids": [Command.create({"name": "Goods", "quantity": 1, "price_unit": amount,
                                                 "account_id": cls.expense.id, "tax_ids": []})]})
        move.action_post()
        return move

    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="fb_release_")
        self.addCleanup(shutil.rmtree, self.root, True)
        self.inbound, self.outbound = os.path.join(self.root, "in"), os.path.join(self.root, "out")
        os.makedirs(self.inbound)
        os.makedirs(self.outbound)
        self.conn = self.connect("iso20022_folder", {"inbound_path": self.inbound, "outbound_path": self.outbound})

    def connect(self, provider, settings, secrets=None):
        conn = self.env["finance.bank.connection"].create({"name": provider, "provider": provider})
        for setting in conn.setting_ids:
            if setting.key in settings:
                setting.value = settings[setting.key]
        for secret in conn.secret_ids:
            if secrets and secret.key in secrets:
                secret.value = secrets[secret.key]
        conn.account_ids = [(0, 0, {"journal_id": self.journal.id})]
        conn.action_activate()
        return conn

    def make_batch(self, bills, amounts=None, conn=None):
        lines = []
        for index, bill in enumerate(bills):
            amount = amounts[index] if amounts else bill.amount_residual
            lines.append(Command.create({"move_id": bill.id, "partner_id": bill.partner_id.id,
                                         "partner_bank_id": bill.partner_bank_id.id, "amount": amount,
                                         "currency_id": self.eur.id, "remittance": bill.ref or bill.name,
                                         "end_to_end_id": "E2E" + uuid.uuid4().hex[:29].upper()}))
        return self.env["finance.payment.batch"].create({
            "journal_id": self.journal.id, "connection_id": (conn or self.conn).id, "currency_id": self.eur.id,
            "requested_date": "2026-03-02", "line_ids": lines})

    def release_by_server(self, batch, msg_id=None):
        """SERVER-SIDE stand-in for approvals + re-authenticated release (the approval part's
        ``action_approve`` / ``action_release``): used by the status tests, which are about what happens
        after the release; the end-to-end test goes through the real approval flow."""
        with decision_scope("test: server-side release"):
            batch.write({"state": "released", "msg_id": msg_id or f"MSG-{batch.id}-{batch.name[-6:]}"[:35]})
            batch._transmit()
        return batch

    def send(self, batch):
        """Run the outbox worker on the batch's message (as the cron would)."""
        message = batch.outbox_message_id
        message._process()
        return message

    def import_file(self, data, name="status.xml"):
        return self.env["finance.file.import"]._import_file(data, name, connection=self.conn)

    def e2e(self, batch, bill):
        return batch.line_ids.filtered(lambda l: l.move_id == bill).tx_end_to_end_id
