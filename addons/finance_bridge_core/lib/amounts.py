"""What a bank amount may look like: ISO 4217 currencies, their minor units, a magnitude bound.

Pure parsers have no database, so they check against this table; ingestion then checks again
against the journal currency's own rounding in Odoo. An amount with more decimals than its
currency has (``12.345`` USD, ``100.5`` JPY) or beyond ``MAX_ABS_AMOUNT`` is refused, never
rounded: a bank file that says so is wrong, and a sub-cent or float-rounded posting would be too.
"""
from decimal import Decimal

# No real bank balance or transaction reaches 10^15 units of any currency; beyond it float
# conversion (Odoo's Monetary fields) loses cents, so a debit and its credit could differ.
MAX_ABS_AMOUNT = Decimal(10) ** 15

# ISO 4217 minor units that are not 2 (list of codes, published by the ISO 4217 maintenance agency).
_MINOR_UNITS = {
    0: "BIF BYR CLP ESP ITL DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
# ISO 4217 currency codes (current ones, and withdrawn ones still found in old statements).
# Funds and metals without minor units (XAU, XDR, XXX, XTS, …) are not bank account currencies.
_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN
BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV
MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG
SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN
UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
BYR CYP EEK HRK LTL LVL MRO MTL SIT SKK STD VEF ZMK ATS BEF DEM ESP FIM FRF GRD IEP ITL LUF NLG PTE
""".split()
MINOR_UNITS = {code: 2 for code in _CODES}
MINOR_UNITS.update({code: units for units, codes in _MINOR_UNITS.items() for code in codes.split()})


def currency_problem(code):
    """Why ``code`` is not an ISO 4217 currency of a bank account, or None."""
    if not isinstance(code, str) or len(code) != 3 or not code.isascii() or not code.isalpha():
        return f"currency {code!r} is not an ISO 4217 code (three letters)"
    if not code.isupper():
        return f"currency {code!r} must be upper case ({code.upper()})"
    if code not in MINOR_UNITS:
        return f"currency {code!r} is not an ISO 4217 currency"
    return None


def decimals_of(amount):
    """Significant decimals of a Decimal: trailing zeros do not count (12.340 has 2)."""
    _sign, digits, exponent = amount.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0
    # Without normalize(): it rounds to the context precision (28 digits) and would hide decimals.
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing))


def amount_problem(amount, currency, decimal_places=None):
    """Why ``amount`` cannot be an amount in ``currency``, or None.

    ``decimal_places`` overrides the table (Odoo's own rounding of the currency at ingestion).
    """
    if not isinstance(amount, Decimal):
        return f"amount must be Decimal, got {type(amount).__name__}"
    if not amount.is_finite():
        return f"amount {amount} is not a finite number"
    if abs(amount) >= MAX_ABS_AMOUNT:
        shown = str(amount) if len(str(amount)) <= 40 else f"of {len(amount.as_tuple().digits)} digits"
        return f"amount {shown} is out of range (|amount| < 10^15)"
    places = decimal_places if decimal_places is not None else MINOR_UNITS.get(currency)
    if places is not None and -amount.as_tuple().exponent > places and decimals_of(amount) > places:
        return f"amount {amount:f} has more decimals than {currency} allows ({places})"
    return None


def balance_mismatch(opening, closing, total):
    """Why opening + the sum of the lines is not the closing balance, or None (also when unknown)."""
    if opening is None or closing is None or opening + total == closing:
        return None
    return (f"closing balance {closing:f} ≠ opening balance {opening:f} + sum of the lines {total:f} "
            f"(difference {closing - opening - total:f})")
