"""Is a beneficiary account fit for the bank file? IBAN/BIC check digits, charset and lengths.

A line whose account fails any rule goes to "bank details to verify" and stays out of the file:
the bank would reject it anyway, and a mistyped IBAN that happens to pass elsewhere is exactly the
kind of change that must be looked at by a person. The rules follow the connection's bank profile
(``ProfileRules``: built from the ISO 20022 adapter's bank profile when there is one).
"""
import re
import unicodedata
from dataclasses import dataclass

# IBAN lengths per country (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
IBAN_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
BIC_RE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
ACCOUNT_RE = re.compile(r"^[A-Za-z0-9/\-]{1,34}$")
SEPA_LETTERS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
DK_LETTERS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ÄÖÜäöüß&]")
# Punctuation a bank file replaces by a space without losing meaning.
HARMLESS = set("&@#*_;!\"%=<>[]{}|~^$\\")


@dataclass(frozen=True, slots=True)
class ProfileRules:
    """What the bank profile of the connection accepts (see bank_adapter_iso20022 BankProfile)."""
    code: str = "sepa_generic"
    sepa: bool = True
    charset: str = "sepa"          # sepa | dk | unicode
    max_name: int = 70
    max_remittance: int = 140
    require_bic: bool = False


@dataclass(frozen=True, slots=True)
class Beneficiary:
    name: str
    account: str                   # IBAN or other account number
    bic: str = ""
    currency: str = "EUR"
    remittance: str = ""
    trusted: bool = False          # res.partner.bank.allow_out_payment


def compact(value):
    return "".join((value or "").split()).upper()


def iban_problem(iban):
    """None when ``iban`` is a well-formed IBAN with valid check digits, else the reason."""
    iban = compact(iban)
    if not IBAN_RE.match(iban):
        return f"IBAN {iban or '(empty)'} is malformed (2 letters, 2 check digits, then letters and digits)"
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None:
        return f"IBAN {iban}: country {iban[:2]} does not use IBANs"
    if len(iban) != expected:
        return f"IBAN {iban}: {len(iban)} characters, {iban[:2]} IBANs have {expected}"
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        return f"IBAN {iban}: the check digits are wrong"
    return None


def bic_problem(bic):
    """None when ``bic`` is a well-formed BIC (8 or 11 characters), else the reason."""
    bic = compact(bic)
    if not BIC_RE.match(bic):
        return f"BIC {bic or '(empty)'} is malformed (8 or 11 letters and digits, country in positions 5-6)"
    return None


def _lost_characters(text, charset):
    """Letters of ``text`` the bank's character set cannot carry (punctuation is replaced harmlessly)."""
    if charset == "unicode":
        return set()
    pattern = DK_LETTERS if charset == "dk" else SEPA_LETTERS
    lost = set()
    for ch in text:
        if ch.isspace() or ch in HARMLESS or not pattern.search(ch):
            continue
        if charset == "sepa":  # é -> e, ü -> u: transliterated by the file writer, not lost
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
            if plain and not pattern.search(plain):
                continue
        lost.add(ch)
    return lost


def beneficiary_problems(beneficiary, profile):
    """Reasons the beneficiary cannot go into a file of ``profile`` (empty tuple: fit for the file)."""
    problems = []
    if not beneficiary.trusted:
        problems.append("the bank account is not trusted for outgoing payments (Send Money is off)")
    name = (beneficiary.name or "").strip()
    if not name:
        problems.append("the beneficiary has no name")
    else:
        lost = _lost_characters(name, profile.charset)
        if lost:
            problems.append(f"the name contains characters the bank profile {profile.code} cannot carry: "
                            f"{''.join(sorted(lost))}")
        if len(name) > profile.max_name:
            problems.append(f"the name has {len(name)} characters, the bank profile {profile.code} "
                            f"allows {profile.max_name}")
    account = compact(beneficiary.account)
    looks_iban = bool(account[:2].isalpha() and account[2:4].isdigit())
    if looks_iban or (profile.sepa and beneficiary.currency == "EUR"):
        problem = iban_problem(account)
        if problem:
            problems.append(problem)
    elif not ACCOUNT_RE.match(account):
        problems.append(f"account number {account or '(empty)'} is malformed (1-34 letters and digits)")
    if beneficiary.bic:
        problem = bic_problem(beneficiary.bic)
        if problem:
            problems.append(problem)
    elif profile.require_bic:
        problems.append(f"the bank profile {profile.code} requires the BIC of the beneficiary's bank")
    remittance = beneficiary.remittance or ""
    if len(remittance) > profile.max_remittance:
        problems.append(f"the remittance has {len(remittance)} characters, the bank profile {profile.code} "
                        f"allows {profile.max_remittance}")
    return tuple(problems)
