"""Attack class "bulk_writer": the bulk statement writer in real deployments (issue #13, class 9).

Each case would have caught a way the writer diverged from stock creation or switched itself off:
the counterparty bank account stock computes, any column the automatic comparison finds, move
numbers of a large statement out of chronological order, and the extension contract both ways
(declared addons keep the bulk path, undeclared overrides still send imports through the ORM).
``make test`` runs these also on a database with sale, purchase, stock_account,
account_edi_ubl_cii, l10n_de and l10n_fr installed.
"""
from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import patch

from odoo.tests.common import new_test_user

from ..lib import bulk_writer_contract
from ..lib.dto import Money, StatementDTO, StatementLineDTO
from ..lib.file_formats import StatementChunk
from ..models import statement_line_writer
from . import factories
from .test_statement_line_writer import WriterEqualityCase

# Standard addons installed on the "extra modules" test database; each overrides a watched method.
STANDARD_ADDONS = ("sale", "sale_stock", "purchase", "purchase_stock", "stock_account", "account_edi",
                   "account_edi_ubl_cii", "l10n_de", "l10n_fr", "l10n_nl")


class TestAdversarialBulkWriter(WriterEqualityCase):
    adversarial_class = "bulk_writer"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.company.currency_id
        Bank = cls.env["res.partner.bank"]
        # A company with two accounts: one in CHF (first by sequence), one without currency.
        cls.supplier = factories.PartnerFactory(name="Supplier AG")
        cls.supplier_chf = Bank.create({"acc_number": factories.iban_de(7_100_001), "partner_id": cls.supplier.id,
                                        "currency_id": cls.chf.id, "sequence": 1})
        cls.supplier_any = Bank.create({"acc_number": factories.iban_de(7_100_002), "partner_id": cls.supplier.id,
                                        "sequence": 2})
        # A contact whose company holds the account (the move's bank partner is the commercial one).
        cls.employer = factories.PartnerFactory(name="Employer SA")
        Bank.create({"acc_number": factories.iban_de(7_100_003), "partner_id": cls.employer.id,
                     "allow_out_payment": True})
        cls.contact = factories.PartnerFactory(name="Ann Contact", is_company=False, parent_id=cls.employer.id)
        # An account restricted to another company must not be chosen.
        other = factories.CompanyFactory(name="Other Co")
        cls.split = factories.PartnerFactory(name="Split Ltd")
        Bank.create({"acc_number": factories.iban_de(7_100_004), "partner_id": cls.split.id,
                     "company_id": other.id})
        Bank.create({"acc_number": factories.iban_de(7_100_005), "partner_id": cls.split.id,
                     "currency_id": cls.eur.id})

    # ------------------------------------------------------------------ columns stock computes
    def test_counterparty_bank_account_as_stock_computes_it(self):
        statement = self.new_statement(self.journal)
        lines = self.both_ways(self.journal, statement, [
            (date(2026, 3, 2), "120.00", {"partner_id": self.supplier.id}),
            (date(2026, 3, 2), "-45.10", {"partner_id": self.supplier.id}),
        ])
        self.assertTrue(lines.move_id.partner_bank_id)

    def test_bank_account_of_the_commercial_partner(self):
        statement = self.new_statement(self.journal)
        lines = self.both_ways(self.journal, statement, [(date(2026, 3, 2), "9.99", {"partner_id": self.contact.id})])
        self.assertEqual(lines.move_id.partner_bank_id.partner_id, self.employer)

    def test_bank_account_by_currency_of_the_move(self):
        # The move is in CHF for a CHF line: stock prefers the CHF account, else one without currency.
        statement = self.new_statement(self.journal)
        self.both_ways(self.journal, statement, [
            (date(2026, 3, 2), "50.00", {"partner_id": self.supplier.id, "foreign_currency_id": self.chf.id,
                                         "amount_currency": Decimal("44.10")}),
            (date(2026, 3, 2), "-7.00", {"partner_id": self.split.id}),
            (date(2026, 3, 2), "8.00", {"partner_id": self.split.id, "foreign_currency_id": self.eur.id,
                                        "amount_currency": Decimal("7.30")}),
        ])

    def test_every_column_of_many_partners_as_a_real_user(self):
        user = new_test_user(self.env, "fb_adv_writer_accountant",
                             groups="account.group_account_manager,account.group_account_user")
        partners = [self.supplier, self.contact, self.split, self.partner, self.person]
        specs = [(date(2026, 3, 1 + i % 5), f"{(i - 7) * 13.37:.2f}", {"partner_id": partners[i % 5].id})
                 for i in range(25)]
        statement = self.new_statement(self.journal)
        lines = self.both_ways(self.journal, statement, specs, env=self.env(user=user))
        self.assertTrue(lines.move_id.message_follower_ids)

    # ------------------------------------------------------------------ numbering
    def test_large_statement_numbered_in_statement_order(self):
        """2,500 lines in two chunks whose dates go back: names follow (booking date, file order)."""
        start = date(2026, 2, 1)
        lines = [StatementLineDTO(booking_date=start + timedelta(days=(i * 7) % 20),
                                  amount=Money(Decimal(i % 97 + 1), self.currency), label=f"L{i}",
                                  unique_id=f"U{i}") for i in range(2500)]
        header = StatementDTO(account=self.iban, currency=self.currency, date=date(2026, 2, 28), lines=(),
                              statement_id="BIG-2500")
        chunks = [StatementChunk(header, tuple(lines[:1200]), first=True, last=False),
                  StatementChunk(header, tuple(lines[1200:]), first=False, last=True)]
        counts = self.env["finance.sync.engine"]._ingest(journal=self.journal, chunks=chunks)
        self.assertEqual(counts.lines_created, 2500)
        created = self.lines()
        self.assertEqual(len(created), 2500)
        self.assertEqual(sorted(created.mapped("sequence")), list(range(1, 2501)))   # file order
        ordered = created.sorted(lambda line: (line.date, line.sequence))
        numbers = [move.sequence_number for move in ordered.move_id]
        self.assertEqual(numbers, list(range(1, 2501)))
        names = ordered.move_id.mapped("name")
        self.assertEqual(names, sorted(names))
        self.assertEqual(set(ordered.move_id.line_ids.mapped("move_name")), set(names))

    # ------------------------------------------------------------------ extension contract
    def test_declared_addon_keeps_the_bulk_path(self):
        """An addon overriding create/write (here: mail, treated as unknown) that declares its
        overrides leave statement-line moves alone keeps the bulk writer, with stock's rows."""
        known = statement_line_writer.KNOWN_MODULES - {"mail"}
        writer = self.env["finance.statement.line.writer"]
        with patch.object(statement_line_writer, "KNOWN_MODULES", known):
            self.assertIn("extended by mail", writer._model_refusal())
            with patch.dict(bulk_writer_contract.COMPATIBLE_MODULES, {"mail": "chatter only"}):
                self.assertIsNone(writer._model_refusal())
                self.both_ways(self.journal, self.new_statement(self.journal), [(date(2026, 3, 2), "1.25")])

    def test_undeclared_compute_override_steps_aside(self):
        """An addon changing how a stored field of the move is computed changes stock's rows: the
        writer must step aside unless the addon declares it, whatever method it overrides."""
        writer = self.env["finance.statement.line.writer"]
        mro = type(self.env["account.move"]).mro()
        shipped = writer._finance_bulk_writer_compatible_modules()
        probe = type("AccountMove", (), {"_module": "fb_probe_addon",
                                         "_compute_partner_bank_id": lambda self: None})
        self.assertIn("fb_probe_addon (_compute_partner_bank_id)",
                      writer._class_refusal("account.move", [probe, *mro], shipped))
        declared = type("AccountMove", (), {"_module": "fb_probe_addon", "_finance_bulk_writer_compatible": "why",
                                            "_compute_partner_bank_id": lambda self: None})
        self.assertIsNone(writer._class_refusal("account.move", [declared, *mro], shipped))
        self.assertIsNone(writer._class_refusal("account.move", [probe, *mro],
                                                 dict(shipped, fb_probe_addon="why")))

    def test_standard_addons_keep_the_bulk_path(self):
        """On a database with sale, purchase, stock_account, l10n_de... the writer runs (it was
        switched off by purchase's create/write alone) and leaves stock's rows."""
        installed = set(self.env["ir.module.module"].search(
            [("state", "=", "installed"), ("name", "in", STANDARD_ADDONS)]).mapped("name"))
        writer = self.env["finance.statement.line.writer"]
        self.assertIsNone(writer._model_refusal(), f"installed: {sorted(installed)}")
        self.both_ways(self.journal, self.new_statement(self.journal),
                       [(date(2026, 3, 2), "10.00", {"partner_id": self.supplier.id}), (date(2026, 3, 3), "-3.50")])

    def test_undeclared_standard_addon_still_steps_aside(self):
        """Withdrawing one declaration (or, on a database without those addons, mail's place among
        the reproduced ones) sends the import through the ORM again, with the reason in the notes."""
        run = self.env["finance.sync.run"].create({"connection_id": self.connection.id, "trigger": "manual"})
        installed = self.env["ir.module.module"].search([("state", "=", "installed"), ("name", "=", "purchase")])
        withdrawn = {k: v for k, v in bulk_writer_contract.COMPATIBLE_MODULES.items() if k != "purchase"}
        known = statement_line_writer.KNOWN_MODULES if installed else statement_line_writer.KNOWN_MODULES - {"mail"}
        with patch.dict(bulk_writer_contract.COMPATIBLE_MODULES, withdrawn, clear=True), \
                patch.object(statement_line_writer, "KNOWN_MODULES", known):
            counts = self.env["finance.sync.engine"]._ingest(
                journal=self.journal, statements=[self.statement(["5.00", "-2.00"])], run=run)
        self.assertEqual(counts.lines_created, 2)
        # The note names the addon and the overridden methods: what its authors must review and declare.
        self.assertIn("account.move is extended by purchase (create, write)" if installed else
                      "account.move is extended by mail (_message_auto_subscribe, create, write)", run.notes)
        self.assertEqual(self.lines().move_id.mapped("state"), ["posted", "posted"])
