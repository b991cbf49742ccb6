"""lib/beneficiary_check: IBAN/BIC check digits, charset and lengths per bank profile, trust."""
import unittest

from ..lib.beneficiary_check import Beneficiary, ProfileRules, beneficiary_problems, bic_problem, iban_problem

SEPA = ProfileRules()
DK = ProfileRules(code="de_dk", charset="dk")
CBPR = ProfileRules(code="cross_border", sepa=False, charset="unicode", max_name=140, require_bic=True)


def ben(**kw):
    values = {"name": "Acme Supplies GmbH", "account": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX",
              "currency": "EUR", "trusted": True}
    values.update(kw)
    return Beneficiary(**values)


class TestBeneficiaryCheck(unittest.TestCase):
    def test_valid_beneficiary_passes(self):
        self.assertEqual(beneficiary_problems(ben(), SEPA), ())
        self.assertEqual(beneficiary_problems(ben(name="Müller Söhne", bic=""), SEPA), ())

    def test_iban_rules(self):
        self.assertIsNone(iban_problem("GB29 NWBK 6016 1331 9268 19"))
        self.assertIn("check digits", iban_problem("DE89370400440532013001"))
        self.assertIn("have 22", iban_problem("DE8937040044053201300"))
        self.assertIn("malformed", iban_problem("DE89-3704-0044"))
        self.assertIn("does not use IBANs", iban_problem("US12345678901234567890"))

    def test_bic_rules(self):
        self.assertIsNone(bic_problem("COBADEFF"))
        self.assertIsNone(bic_problem("COBADEFFXXX"))
        self.assertIn("malformed", bic_problem("COBADEF"))
        self.assertIn("malformed", bic_problem("CO1ADEFF"))

    def test_untrusted_account_is_refused(self):
        problems = beneficiary_problems(ben(trusted=False), SEPA)
        self.assertEqual(len(problems), 1)
        self.assertIn("not trusted", problems[0])

    def test_wrong_check_digits_are_refused(self):
        self.assertIn("check digits", beneficiary_problems(ben(account="DE89370400440532013001"), SEPA)[0])

    def test_eur_sepa_needs_an_iban(self):
        self.assertIn("malformed", beneficiary_problems(ben(account="123456789"), SEPA)[0])
        self.assertEqual(beneficiary_problems(ben(account="123456789", currency="USD"), SEPA), ())

    def test_charset_per_profile(self):
        cyrillic = ben(name="Иван Петров")
        self.assertIn("cannot carry", beneficiary_problems(cyrillic, SEPA)[0])
        self.assertEqual(beneficiary_problems(cyrillic, CBPR), ())
        self.assertEqual(beneficiary_problems(ben(name="Müller & Söhne"), DK), ())
        self.assertIn("cannot carry", beneficiary_problems(ben(name="Łódź Sp. z o.o. Ø"), DK)[0])

    def test_lengths_per_profile(self):
        long_name = "A" * 71
        self.assertIn("allows 70", beneficiary_problems(ben(name=long_name), SEPA)[0])
        self.assertEqual(beneficiary_problems(ben(name=long_name), CBPR), ())
        self.assertIn("remittance", beneficiary_problems(ben(remittance="R" * 141), SEPA)[0])

    def test_profile_requiring_a_bic(self):
        self.assertIn("requires the BIC", beneficiary_problems(ben(bic=""), CBPR)[0])
        self.assertIn("malformed", beneficiary_problems(ben(bic="XX"), SEPA)[0])
