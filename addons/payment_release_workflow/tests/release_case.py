"""Shared fixtures of the release tests: a bank journal, a watched-folder connection, vendor bills,
batches made of them, and pain.002 reports the bank would send back."""
import uuid

from odoo import Command
from odoo.addons.bank_adapter_iso20022.tests.test_channels import ChannelCase
from odoo.addons.finance_bridge_core.tests import factories
from odoo.tests.common import new_test_user

RISK_RULES = ("risk_rule_bank_changed", "risk_rule_new_account", "risk_rule_anomaly", "risk_rule_duplicate")


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


class ReleaseCase(ChannelCase):
    """A EUR bank journal (``journal``, ``iban``) with a watched-folder connection (``conn``, ``outbound``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.expense = cls.env["account.account"].search([("account_type", "=", "expense")], limit=1)
        cls.vendors = [cls._vendor(f"Vendor {n}", 7_100_000 + n) for n in range(3)]
        group = "finance_bridge_core.group_"
        cls.preparer = new_test_user(cls.env, "rel_preparer", groups=f"base.group_user,{group}payment_preparer")
        cls.approver = new_test_user(cls.env, "rel_approver", groups=f"base.group_user,{group}payment_approver")
        cls.releaser = new_test_user(cls.env, "rel_releaser", groups=f"base.group_user,{group}payment_releaser")
        cls.treasurer = new_test_user(cls.env, "rel_treasurer", groups=f"base.group_user,{group}treasury_manager")
        # Screening rules of risk_screening (when installed) off: these tests are about what follows.
        cls.company.write({name: False for name in RISK_RULES if name in cls.company._fields})
        # No policy rule: the default one asks for one Payment Approver.

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
        self.folder_connection()

    def make_batch(self, bills, amounts=None, conn=None):
        lines = []
        for index, bill in enumerate(bills):
            amount = amounts[index] if amounts else bill.amount_residual
            lines.append(Command.create({"move_id": bill.id, "partner_id": bill.partner_id.id,
                                         "partner_bank_id": bill.partner_bank_id.id, "amount": amount,
                                         "currency_id": self.eur.id, "remittance": bill.ref or bill.name,
                                         "end_to_end_id": "E2E" + uuid.uuid4().hex[:29].upper()}))
        batch = self.env["finance.payment.batch"].with_user(self.preparer).create({
            "journal_id": self.journal.id, "connection_id": (conn or self.conn).id, "currency_id": self.eur.id,
            "requested_date": "2026-03-02", "line_ids": lines})
        return batch.with_env(self.env)

    def approve_and_release(self, batch):
        """Submit (preparer), approve (approver) and release (releaser) through the ORM as those users.

        The release calls ``_release()`` — what ``action_release`` runs after Odoo's identity check,
        which needs an HTTP session: the end-to-end test goes through that check over JSON-RPC.
        """
        batch.with_user(self.preparer).action_submit()
        batch.with_user(self.approver).action_approve()
        self.assertEqual(batch.state, "approved")
        batch.with_user(self.releaser)._release()
        self.assertEqual(batch.state, "released")
        return batch

    def release_and_send(self, batch):
        self.approve_and_release(batch)
        message = self.send(batch)
        self.assertEqual(message.state, "sent", message.last_error)
        self.assertEqual(batch.state, "transmitted")
        return batch

    def send(self, batch):
        """Run the outbox worker on the batch's message (as the cron would)."""
        message = batch.sudo().outbox_message_id
        message._process()
        return message

    def import_file(self, data, name="status.xml"):
        return self.env["finance.file.import"]._import_file(data, name, connection=self.conn)

    def e2e(self, batch, bill):
        return batch.line_ids.filtered(lambda ln: ln.move_id == bill).tx_end_to_end_id
