"""Untrusted amounts, currencies and balances in MT940 files (issue #13, class 6): the `mt-940`
library reads ``10,12345`` or ``usd`` without complaint, so every amount field is checked first
and the file is refused with its line and field; nothing is posted."""
from odoo.addons.finance_bridge_core.tests.amount_case import AmountAttackCase

TEMPLATE = """:20:STARTUMS
:25:{account}
:28C:00042/001
:60F:C260301{ccy}{opening}
:61:2603020302D{amount}NTRFNONREF//BANKREF-1
:86:Coffee machine lease
:62F:C260302{ccy}{closing}
-
"""


def mt940(account, ccy="USD", opening="100,00", amount="12,50", closing="87,50"):
    return TEMPLATE.format(account=account, ccy=ccy, opening=opening, amount=amount, closing=closing).encode()


class TestMt940AmountAttacks(AmountAttackCase):
    def test_five_decimals_in_usd(self):
        self.assertRefused(mt940(self.iban, amount="10,12345", closing="89,87655"), "usd-10.12345.sta",
                           r"line 5 \(:61:\)", "10.12345 has more decimals than USD allows")

    def test_sub_cent_balance(self):
        self.assertRefused(mt940(self.iban, opening="100,001", closing="87,501"), "usd-balance.sta",
                           r"line 4 \(:60F:\)", "more decimals than USD allows")

    def test_jpy_fraction(self):
        self.assertRefused(mt940(self.iban_of("JPY"), "JPY", opening="1000,", amount="100,5", closing="899,5"),
                           "jpy.sta", r"line 5 \(:61:\)", r"more decimals than JPY allows \(0\)")

    def test_thousands_separator(self):
        self.assertRefused(mt940(self.iban, opening="2000,00", amount="1.234,56", closing="765,44"),
                           "thousands.sta", r"line 5 \(:61:\)", "invalid amount '1.234,56'")

    def test_absurd_magnitude(self):
        self.assertRefused(mt940(self.iban, amount="9999999999999999,00"), "absurd.sta", r"line 5 \(:61:\)",
                           r"out of range")

    def test_lowercase_currency(self):
        self.assertRefused(mt940(self.iban, "usd"), "lowercase.sta", r"line 4 \(:60F:\)", "must be upper case")

    def test_unknown_currency(self):
        self.assertRefused(mt940(self.iban, "XXY"), "xxy.sta", r"line 4 \(:60F:\)", "not an ISO 4217 currency")

    def test_unbalanced_statement(self):
        self.assertRefused(mt940(self.iban, closing="97,50"), "unbalanced.sta", r"statement\.closing_balance",
                           r"closing balance 97\.50 ≠ opening balance 100\.00 \+ sum of the lines -12\.50")
