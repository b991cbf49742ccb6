"""Untrusted amounts, currencies, balances and references in camt and pain.002 files (issue #13,
class 6): each file is refused whole with file, element and reason, or (duplicate references)
imported with each occurrence kept apart; nothing unbalanced or sub-cent is ever posted."""
from odoo.addons.finance_bridge_core.tests.amount_case import AmountAttackCase

from . import samples as s


def camt(iban, ccy="USD", entries=None, **kw):
    """A camt.053 in ``ccy`` (the samples are in EUR)."""
    entries = s.entry(txs=s.tx()) if entries is None else entries
    return s.camt053(iban=iban, ccy=ccy, entries=entries.replace('Ccy="EUR"', f'Ccy="{ccy}"'), **kw)


class TestCamtAmountAttacks(AmountAttackCase):
    def test_three_decimals_in_usd(self):
        self.assertRefused(camt(self.iban, entries=s.entry(amount="12.345", txs=s.tx()), closing="88.00"),
                           "usd-12.345.xml", r"Ntry/Amt \(line \d+\)", "12.345 has more decimals than USD allows")

    def test_tenth_of_a_cent(self):
        self.assertRefused(camt(self.iban, entries=s.entry(amount="0.001", ind="CRDT", txs=s.tx(ind="CRDT")),
                                closing="100.00"),
                           "usd-0.001.xml", r"Ntry/Amt \(line \d+\)", "more decimals than USD allows")

    def test_sub_cent_balance(self):
        self.assertRefused(camt(self.iban, entries="", opening="100.005", closing="100.005"), "usd-balance.xml",
                           r"Bal/Amt \(line \d+\)", "more decimals than USD allows")

    def test_sub_cent_transaction_of_a_batch(self):
        txs = s.tx("5.005", e2e="A", ref="T-1") + s.tx("6.995", e2e="B", ref="T-2")
        self.assertRefused(camt(self.iban, entries=s.entry(amount="12.00", txs=txs)), "usd-batch.xml",
                           r"TxDtls/Amt \(line \d+\)", "5.005 has more decimals")

    def test_jpy_fraction(self):
        self.assertRefused(camt(self.iban_of("JPY"), "JPY", entries=s.entry(amount="100.5", txs=s.tx()),
                                opening="1000", closing="899.5"),
                           "jpy.xml", r"Amt \(line \d+\)", r"more decimals than JPY allows \(0\)")

    def test_absurd_magnitude(self):
        self.assertRefused(camt(self.iban, entries=s.entry(amount="123456789012345678", txs=s.tx()),
                                closing="88.00"),
                           "absurd.xml", r"Amt \(line \d+\)", r"out of range \(\|amount\| < 10\^15\)")

    def test_lowercase_currency(self):
        self.assertRefused(camt(self.iban, "usd"), "lowercase.xml", r"Acct/Ccy \(line \d+\)", "must be upper case")

    def test_unknown_currency(self):
        self.assertRefused(camt(self.iban, "XXY"), "xxy.xml", r"Acct/Ccy \(line \d+\)", "not an ISO 4217 currency")

    def test_unknown_currency_of_an_entry(self):
        data = camt(self.iban, entries=s.entry(txs=s.tx()).replace('Ccy="EUR"', 'Ccy="XXY"', 1))
        self.assertRefused(data, "xxy-entry.xml", r"Ntry/Amt \(line \d+\)", "not an ISO 4217 currency")

    def test_unbalanced_statement(self):
        self.assertRefused(camt(self.iban, closing="90.00"), "unbalanced.xml", r"statement\.closing_balance",
                           r"closing balance 90\.00 ≠ opening balance 100\.00 \+ sum of the lines -12\.00")

    def test_unbalanced_statement_in_a_large_file(self):
        entries = "".join(s.entry(amount=f"{i}.10", ref=f"R-{i}", txs=s.tx(e2e=f"E-{i}")) for i in range(1, 40))
        self.assertRefused(camt(self.iban, entries=entries, closing="1.00"), "unbalanced-large.xml",
                           r"statement\.closing_balance", "difference")

    def test_same_reference_twice_in_one_file(self):
        # A bank repeating an AcctSvcrRef (e.g. on the reversal of an entry): two lines, never a database error.
        entries = s.entry(ref="SAME-1", txs=s.tx()) + s.entry(ref="SAME-1", ind="CRDT", reversal=True,
                                                               txs=s.tx(ind="CRDT"))
        data = camt(self.iban, entries=entries)
        record = self.import_file(data, "dupref.xml")
        self.assertEqual((record.state, record.lines_created), ("done", 2), record.error)
        lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)], order="id")
        self.assertEqual(lines.mapped("finance_import_key"), ["ref:SAME-1", "ref:SAME-1#2"])
        self.assertEqual(lines.mapped("amount"), [-12.0, 12.0])
        again = self.import_file(data.replace(b"STMT-MSG-1", b"STMT-MSG-2"), "dupref-again.xml")
        self.assertEqual((again.state, again.lines_created, again.lines_skipped), ("done", 0, 2))

    def test_pain002_sub_cent_amount(self):
        data = s.pain002().replace(b"<InstdAmt Ccy=\"EUR\">10.00</InstdAmt>", b"<InstdAmt Ccy=\"EUR\">10.001</InstdAmt>")
        self.assertRefused(data, "pain002-subcent.xml", r"InstdAmt \(line \d+\)", "more decimals than EUR allows")

    def test_pain002_lowercase_currency(self):
        data = s.pain002().replace(b"<InstdAmt Ccy=\"EUR\">", b"<InstdAmt Ccy=\"eur\">")
        self.assertRefused(data, "pain002-lower.xml", r"InstdAmt \(line \d+\)", "must be upper case")


class TestCamtAmountGuards(AmountAttackCase):
    """Refused before this work too: kept as guards beside the attack cases."""

    adversarial_class = None

    def test_thousands_separator(self):
        self.assertRefused(camt(self.iban, entries=s.entry(amount="1,234.56", txs=s.tx()), closing="88.00"),
                           "thousands.xml", r"Ntry/Amt \(line \d+\)", "invalid amount '1,234.56'")

    def test_kwd_three_decimals_accepted(self):
        data = camt(self.iban_of("KWD"), "KWD", entries=s.entry(amount="1.234", txs=s.tx()), opening="10.000",
                    closing="8.766")
        record = self.import_file(data, "kwd.xml")
        self.assertEqual((record.state, record.lines_created), ("done", 1), record.error)
