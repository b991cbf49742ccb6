"""Over JSON-RPC: a preparer cannot set the state, the hash or any decision of a batch or its lines."""
from odoo import fields
from odoo.addons.finance_bridge_core.lib.decision_guard import decision_scope
from odoo.addons.finance_bridge_core.tests.factories import iban_de
from odoo.addons.finance_bridge_core.tests.rpc_case import RpcAttackCase
from odoo.tests.common import tagged

BATCH = "finance.payment.batch"
LINE = "finance.payment.batch.line"


class PaymentBatchRpcBase(RpcAttackCase):
    """A vendor bill of company A and a draft batch holding it, prepared by adv_preparer_a."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        partner = env["res.partner"].create({"name": "RPC Vendor", "is_company": True})
        bank = env["res.partner.bank"].create({"acc_number": iban_de(7_100_001), "partner_id": partner.id,
                                               "allow_out_payment": True})
        bill = env["account.move"].create({
            "move_type": "in_invoice", "partner_id": partner.id, "partner_bank_id": bank.id, "ref": "RPC-1",
            "invoice_date": fields.Date.today(), "company_id": cls.company_a.id,
            "invoice_line_ids": [fields.Command.create({"name": "x", "quantity": 1, "price_unit": 100,
                                                        "tax_ids": []})]})
        bill.action_post()
        cls.bill = bill
        journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", cls.company_a.id)],
                                                limit=1)
        preparer = cls.users[("preparer", "a")]
        cls.journal = journal
        cls.batch = env[BATCH].with_user(preparer).create({
            "journal_id": journal.id, "line_ids": [fields.Command.create({"move_id": bill.id})]})
        cls.line = cls.batch.line_ids
        other = env["res.partner"].create({"name": "RPC Fraudster", "is_company": True})
        cls.other_bank = env["res.partner.bank"].create({"acc_number": iban_de(7_100_002), "partner_id": other.id})
        cls.bill2 = cls.bill.copy({"ref": "RPC-2", "invoice_date": fields.Date.today()})
        cls.bill2.action_post()


@tagged("post_install", "-at_install")
class TestPaymentBatchRpc(PaymentBatchRpcBase):
    adversarial_class = "segregation_of_duties"

    def _unchanged(self, record, names):
        record.invalidate_recordset()
        return {name: record[name] for name in names}

    def test_preparer_cannot_write_state_or_hash(self):
        before = self._unchanged(self.batch, ["state", "content_hash", "preparer_id", "execution_date", "msg_id"])
        for vals in ({"state": "approved"}, {"state": "released"}, {"content_hash": "0" * 64},
                     {"preparer_id": self.users[("approver", "a")].id}, {"execution_date": "2030-01-02"},
                     {"msg_id": "FORGED-1"}, {"transmitted_at": "2030-01-02 10:00:00"}):
            self.assertRefused(self.call_kw("adv_preparer_a", BATCH, "write", [[self.batch.id], vals]))
        self.assertEqual(self._unchanged(self.batch, list(before)), before)

    def test_preparer_cannot_create_a_batch_already_approved(self):
        answer = self.call_kw("adv_preparer_a", BATCH, "create", [[{"state": "approved", "content_hash": "x"}]])
        self.assertRefused(answer)
        answer = self.call_kw("adv_preparer_a", BATCH, "create", [[{}]],
                              {"context": {"default_state": "approved"}})
        self.assertRefused(answer)

    def test_preparer_cannot_mark_lines_paid_or_attach_payments(self):
        for vals in ({"state": "paid"}, {"state": "pending", "status_reason": "x"}, {"payment_id": 1}):
            self.assertRefused(self.call_kw("adv_preparer_a", LINE, "write", [[self.line.id], vals]))
        self.line.invalidate_recordset()
        self.assertEqual(self.line.state, "pending")

    def test_preparer_cannot_submit_an_approved_batch_back_or_cancel_released(self):
        with decision_scope("test set-up"):
            self.batch.sudo().write({"state": "released"})
        self.assertRefused(self.call_button("adv_preparer_a", BATCH, "action_cancel", [self.batch.id]))
        self.assertRefused(self.call_button("adv_preparer_a", BATCH, "action_reset_to_draft", [self.batch.id]))
        answer = self.call_kw("adv_preparer_a", LINE, "write", [[self.line.id], {"amount": 1}])
        self.assertRefused(answer)
        self.batch.invalidate_recordset()
        self.assertEqual((self.batch.state, self.line.amount), ("released", 100))

    def test_other_roles_cannot_submit_or_other_company_see(self):
        for login in ("adv_approver_a", "adv_releaser_a", "adv_user_a", "adv_preparer_b"):
            self.assertRefused(self.call_button(login, BATCH, "action_submit", [self.batch.id]))
        self.assertRefused(self.call_kw("adv_preparer_b", BATCH, "read", [[self.batch.id], ["name"]]))
        self.batch.invalidate_recordset()
        self.assertEqual(self.batch.state, "draft")


@tagged("post_install", "-at_install")
class TestPaymentBatchInjectionRpc(PaymentBatchRpcBase):
    adversarial_class = "payment_injection"

    def test_line_to_another_vendors_account_is_refused(self):
        answer = self.call_kw("adv_preparer_a", LINE, "write", [[self.line.id], {"partner_bank_id": self.other_bank.id}])
        self.assertRefused(answer)
        self.line.invalidate_recordset()
        self.assertNotEqual(self.line.partner_bank_id, self.other_bank)

    def test_amount_above_the_bill_is_refused(self):
        self.assertRefused(self.call_kw("adv_preparer_a", LINE, "write", [[self.line.id], {"amount": 100.01}]))
        self.assertRefused(self.call_kw("adv_preparer_a", LINE, "write", [[self.line.id], {"amount": 99.999}]))
        self.line.invalidate_recordset()
        self.assertEqual(self.line.amount, 100)

    def test_same_bill_in_a_second_batch_is_refused(self):
        answer = self.call_kw("adv_preparer_a", BATCH, "create", [[{
            "journal_id": self.journal.id, "line_ids": [[0, 0, {"move_id": self.bill.id}]]}]])
        self.assertRefused(answer)
        self.assertEqual(self.env[LINE].search_count([("move_id", "=", self.bill.id)]), 1)

    def test_line_added_to_a_released_batch_is_refused(self):
        with decision_scope("test set-up"):
            self.batch.sudo().write({"state": "released"})
        before = self.batch.content_hash
        answer = self.call_kw("adv_preparer_a", BATCH, "write", [[self.batch.id], {
            "line_ids": [[0, 0, {"move_id": self.bill2.id}]]}])
        self.assertRefused(answer)
        answer = self.call_kw("adv_preparer_a", LINE, "create", [[{"batch_id": self.batch.id,
                                                                  "move_id": self.bill2.id}]])
        self.assertRefused(answer)
        self.assertRefused(self.call_kw("adv_preparer_a", LINE, "unlink", [[self.line.id]]))
        self.batch.invalidate_recordset()
        self.assertEqual((len(self.batch.line_ids), self.batch.content_hash), (1, before))

    def test_line_in_another_companys_batch_is_refused(self):
        answer = self.call_kw("adv_preparer_b", LINE, "create", [[{"batch_id": self.batch.id,
                                                                  "move_id": self.bill2.id}]])
        self.assertRefused(answer)
        self.assertEqual(self.env[LINE].search_count([("move_id", "=", self.bill2.id)]), 0)
