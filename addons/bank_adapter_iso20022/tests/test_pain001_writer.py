"""pain.001 writer: every profile validates against the official XSD; grouping, sums, charsets, addresses."""
import unittest
from datetime import date, datetime, timezone
from decimal import Decimal

from lxml import etree

from odoo.addons.finance_bridge_core.lib.dto import Money, PaymentBatchDTO, PaymentDTO, PostalAddress
from odoo.addons.finance_bridge_core.lib.errors import FormatError

from ..lib.bank_profiles import PROFILES
from ..lib.pain001_writer import validate, write_pain001

BERLIN = PostalAddress(country="DE", street="Hauptstraße", building_number="1", postcode="10115", town="Berlin")


def sepa(e2e, amount="10.00", day=date(2026, 3, 3), name="Müller & Söhne GmbH", **kw):
    kw.setdefault("creditor_address", BERLIN)
    return PaymentDTO(end_to_end_id=e2e, amount=Money(Decimal(amount), "EUR"), creditor_name=name,
                      creditor_iban="DE89370400440532013000", requested_execution_date=day,
                      remittance_unstructured="Rechnung 4711", **kw)


def usd(e2e="X1", **kw):
    base = dict(end_to_end_id=e2e, amount=Money(Decimal("99.99"), "USD"), creditor_name="Acme Inc",
                creditor_account="123456789", creditor_clearing_code="USABA:021000021",
                requested_execution_date=date(2026, 3, 4), charge_bearer="SHAR",
                remittance_structured="RF18539007547034", intermediary_bic="CHASUS33",
                creditor_address=PostalAddress(country="US", town="New York", address_lines=("1 Main St",)))
    base.update(kw)
    return PaymentDTO(**base)


def batch(payments, msg_id="MSG-1"):
    return PaymentBatchDTO(msg_id=msg_id, debtor_name="Us GmbH", debtor_iban="DE02120300000000202051",
                           debtor_bic="BYLADEM1001", payments=tuple(payments),
                           created_at=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))


def tree(xml):
    root = etree.fromstring(xml)
    return root, {"n": root.nsmap[None]}


class TestPain001(unittest.TestCase):
    def test_every_profile_validates(self):
        payments = [sepa("E1"), sepa("E2", day=date(2026, 3, 5))]
        for code, profile in PROFILES.items():
            with self.subTest(profile=code):
                pays = payments + ([usd()] if code != "cross_border" else [])
                if code == "cross_border":
                    pays = [usd(), usd("X2", creditor_bic="CHASUS33", creditor_clearing_code=None)]
                xml = write_pain001(batch(pays), profile)
                self.assertTrue(validate(xml, f"pain.{profile.pain_version}"))

    def test_grouping_and_control_sums(self):
        xml = write_pain001(batch([sepa("E1", "10.10"), sepa("E2", "0.20"), sepa("E3", "5.00", day=date(2026, 3, 5)),
                                   usd()]), PROFILES["sepa_generic"])
        root, ns = tree(xml)
        self.assertEqual(root.findtext("n:CstmrCdtTrfInitn/n:GrpHdr/n:CtrlSum", namespaces=ns), "115.29")
        blocks = root.findall("n:CstmrCdtTrfInitn/n:PmtInf", ns)
        self.assertEqual([(b.findtext("n:NbOfTxs", namespaces=ns), b.findtext("n:CtrlSum", namespaces=ns))
                          for b in blocks], [("2", "10.30"), ("1", "5.00"), ("1", "99.99")])
        self.assertEqual(blocks[0].findtext("n:PmtTpInf/n:SvcLvl/n:Cd", namespaces=ns), "SEPA")
        self.assertIsNone(blocks[2].find("n:PmtTpInf", ns))
        self.assertEqual(blocks[2].findtext("n:ChrgBr", namespaces=ns), "SHAR")
        usd_tx = blocks[2].find("n:CdtTrfTxInf", ns)
        self.assertEqual(usd_tx.findtext("n:CdtrAgt/n:FinInstnId/n:ClrSysMmbId/n:MmbId", namespaces=ns), "021000021")
        self.assertEqual(usd_tx.findtext("n:IntrmyAgt1/n:FinInstnId/n:BICFI", namespaces=ns), "CHASUS33")
        self.assertEqual(usd_tx.findtext("n:CdtrAcct/n:Id/n:Othr/n:Id", namespaces=ns), "123456789")
        self.assertEqual(usd_tx.findtext("n:RmtInf/n:Strd/n:CdtrRefInf/n:Ref", namespaces=ns), "RF18539007547034")

    def test_ids_from_canonical_payment(self):
        xml = write_pain001(batch([sepa("E2E-ABC", instruction_id="INSTR-1")]), PROFILES["sepa_generic"])
        root, ns = tree(xml)
        tx = root.find(".//n:CdtTrfTxInf", ns)
        self.assertEqual((tx.findtext("n:PmtId/n:InstrId", namespaces=ns), tx.findtext("n:PmtId/n:EndToEndId", namespaces=ns)),
                         ("INSTR-1", "E2E-ABC"))
        self.assertEqual(root.findtext(".//n:GrpHdr/n:MsgId", namespaces=ns), "MSG-1")

    def test_charsets(self):
        generic = tree(write_pain001(batch([sepa("E1")]), PROFILES["sepa_generic"]))
        german = tree(write_pain001(batch([sepa("E1")]), PROFILES["de_dk"]))
        self.assertEqual(generic[0].findtext(".//n:Cdtr/n:Nm", namespaces=generic[1]), "Muller Sohne GmbH")
        self.assertEqual(german[0].findtext(".//n:Cdtr/n:Nm", namespaces=german[1]), "Müller & Söhne GmbH")
        self.assertEqual(generic[0].findtext(".//n:Cdtr/n:PstlAdr/n:StrtNm", namespaces=generic[1]), "Hauptstrae")

    def test_name_length_limit(self):
        xml = write_pain001(batch([sepa("E1", name="A" * 100)]), PROFILES["sepa_generic"])
        root, ns = tree(xml)
        self.assertEqual(len(root.findtext(".//n:Cdtr/n:Nm", namespaces=ns)), 70)

    def test_hybrid_address_in_legacy_profile(self):
        address = PostalAddress(country="FR", town="Paris", postcode="75001", address_lines=("12 rue de Rivoli",))
        xml = write_pain001(batch([sepa("E1", creditor_address=address)]), PROFILES["sepa_legacy"])
        root, ns = tree(xml)
        adr = root.find(".//n:Cdtr/n:PstlAdr", ns)
        self.assertEqual([c.tag.split("}")[1] for c in adr], ["PstCd", "TwnNm", "Ctry", "AdrLine"])
        self.assertEqual(root.nsmap[None], "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03")

    def test_unstructured_address_refused_2026_rules(self):
        address = PostalAddress(country="DE", address_lines=("Hauptstr. 1", "10115 Berlin"))
        with self.assertRaisesRegex(FormatError, "CdtTrfTxInf\\[E1\\]/Cdtr/PstlAdr: .*TwnNm"):
            write_pain001(batch([sepa("E1", creditor_address=address)]), PROFILES["sepa_generic"])

    def test_cross_border_needs_agent(self):
        with self.assertRaisesRegex(FormatError, "CdtTrfTxInf\\[X1\\]/CdtrAgt"):
            write_pain001(batch([usd(creditor_clearing_code=None)]), PROFILES["cross_border"])

    def test_xsd_failure_names_the_element(self):
        bad = PaymentBatchDTO(msg_id="M", debtor_name="Us", debtor_iban="NOT-AN-IBAN", payments=(sepa("E1"),),
                              created_at=datetime(2026, 3, 2, tzinfo=timezone.utc))
        with self.assertRaisesRegex(FormatError, r"DbtrAcct.*IBAN.*NOT-AN-IBAN"):
            write_pain001(bad, PROFILES["sepa_generic"])

    def test_five_thousand_payments_validate(self):
        payments = [sepa(f"E{i:05d}", f"{1 + i % 97}.{i % 100:02d}") for i in range(5000)]
        xml = write_pain001(batch(payments), PROFILES["sepa_generic"])
        root, ns = tree(xml)
        self.assertEqual(root.findtext(".//n:GrpHdr/n:NbOfTxs", namespaces=ns), "5000")
        total = sum((p.amount.amount for p in payments), Decimal(0))
        self.assertEqual(root.findtext(".//n:GrpHdr/n:CtrlSum", namespaces=ns), str(total))
