"""Bank profiles: which pain.001 version, address form, character set and limits a bank accepts."""
import re
import unicodedata
from dataclasses import dataclass

SEPA_COUNTRIES = frozenset("""AT BE BG CH CY CZ DE DK EE ES FI FR GB GI GR HR HU IE IS IT LI LT LU LV MC MT NL NO
    PL PT RO SE SI SK SM VA AD""".split())
# EPC basic Latin character set of SEPA messages.
SEPA_CHARS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
# German DK extension (Anlage 3 DFÜ-Abkommen): umlauts, ß and & are accepted as well.
DK_CHARS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ÄÖÜäöüß&]")


@dataclass(frozen=True)
class BankProfile:
    code: str
    name: str
    pain_version: str = "001.001.09"      # or 001.001.03
    sepa: bool = True                      # SEPA service level for EUR payments to SEPA IBANs
    address_mode: str = "structured"       # structured | hybrid
    charset: str = "sepa"                  # sepa | dk | unicode
    max_name: int = 70
    max_remittance: int = 140
    max_address_line: int = 70
    require_bic: bool = False              # cross-border: creditor agent BIC or clearing code required

    def clean(self, text, limit):
        """Fit text to the bank's character set and a length limit."""
        if text is None:
            return None
        if self.charset == "unicode":
            value = text
        else:
            pattern = DK_CHARS if self.charset == "dk" else SEPA_CHARS
            if self.charset == "sepa":
                text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
            value = pattern.sub(" ", text)
        value = " ".join(value.split())
        return value[:limit].rstrip() or None


PROFILES = {
    "sepa_generic": BankProfile("sepa_generic", "Generic SEPA (pain.001.001.09, EPC charset)"),
    "sepa_legacy": BankProfile("sepa_legacy", "Generic SEPA, legacy pain.001.001.03", pain_version="001.001.03",
                               address_mode="hybrid"),
    "cross_border": BankProfile("cross_border", "Generic cross-border (CBPR+, pain.001.001.09)", sepa=False,
                                charset="unicode", max_name=140, require_bic=True),
    "de_dk": BankProfile("de_dk", "Germany: DK (Deutsche Kreditwirtschaft) pain.001.001.09",
                         charset="dk", address_mode="structured"),
}
