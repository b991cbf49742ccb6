"""Each list format parses into entries; malformed and hostile files are refused with the place named."""
import unittest

from odoo.addons.finance_bridge_core.lib.errors import FormatError

from ..lib.eu_xml_parser import parse_eu_xml
from ..lib.ofac_csv_parser import parse_ofac_csv
from ..lib.ofac_xml_parser import parse_ofac_xml
from ..lib.uk_csv_parser import parse_uk_csv
from ..lib.un_xml_parser import parse_un_xml
from . import fixtures as fx


class TestOfacCsv(unittest.TestCase):
    def test_small_trio(self):
        snap = parse_ofac_csv(fx.OFAC_SDN.encode(), alt=fx.OFAC_ALT.encode(), add=fx.OFAC_ADD.encode())
        by_ref = {e.ref: e for e in snap.entries}
        self.assertEqual(len(by_ref), 4)
        petrov = by_ref["1002"]
        self.assertEqual(petrov.entry_type, "person")
        self.assertEqual(petrov.birth_years, (1961,))
        self.assertEqual(petrov.identifiers["passport"], ("7512345678",))
        self.assertEqual([(n.name, n.strong) for n in petrov.names],
                         [("PETROV, Ivan Sergeyevich", True), ("PETROV, Ivan", True), ("VANYA", False)])
        self.assertEqual(by_ref["1001"].identifiers["bic"], ("BLKWAEAD",))
        self.assertIn("United Arab Emirates", by_ref["1001"].countries)
        self.assertEqual(by_ref["1003"].entry_type, "vessel")
        self.assertEqual(by_ref["1003"].identifiers["imo"], ("9187629",))

    @unittest.skipUnless(fx.SHARED.exists(), "shared data not beside the repository")
    def test_official_2021_set(self):
        folder = fx.SHARED / "ofac" / "2021-07-07_complete-set"
        snap = parse_ofac_csv((folder / "sdn.csv").read_bytes(), alt=(folder / "alt.csv").read_bytes(),
                              add=(folder / "add.csv").read_bytes())
        self.assertEqual(len(snap.entries), 8976)
        self.assertGreater(sum(len(e.names) for e in snap.entries), 8976 + 5000)
        havin = next(e for e in snap.entries if e.ref == "906")
        self.assertEqual(havin.identifiers["bic"], ("HAVIGB2L",))

    def test_wrong_column_count_names_line(self):
        bad = fx.OFAC_SDN.replace('1003,"OCEAN PEARL","vessel",', '1003,"OCEAN PEARL",')
        with self.assertRaisesRegex(FormatError, r"sdn.csv: line 3: 11 columns, expected 12"):
            parse_ofac_csv(bad.encode())

    def test_bad_ent_num(self):
        with self.assertRaisesRegex(FormatError, "ent_num 'x1' is not a number"):
            parse_ofac_csv(fx.OFAC_SDN.replace("1004,", "x1,").encode())

    def test_empty(self):
        with self.assertRaisesRegex(FormatError, "no entries"):
            parse_ofac_csv(b"\x1a")


class TestOfacXml(unittest.TestCase):
    def test_entries(self):
        snap = parse_ofac_xml(fx.OFAC_XML.encode())
        self.assertEqual(snap.version, "03/02/2026")
        karimov, bank = snap.entries
        self.assertEqual(karimov.primary_name, "Rustam KARIMOV")
        self.assertEqual([n.strong for n in karimov.names], [True, False, True])
        self.assertEqual((karimov.birth_years, karimov.countries), ((1970,), ("Uzbekistan",)))
        self.assertEqual((bank.entry_type, bank.identifiers["bic"]), ("entity", ("SRBKIRTH",)))

    def test_wrong_root(self):
        with self.assertRaisesRegex(FormatError, "root element is CONSOLIDATED_LIST, expected sdnList"):
            parse_ofac_xml(fx.UN_XML.encode())

    def test_unknown_type(self):
        with self.assertRaisesRegex(FormatError, "unknown sdnType 'ship'"):
            parse_ofac_xml(fx.OFAC_XML.replace("<sdnType>Entity", "<sdnType>Ship").encode())


class TestUnXml(unittest.TestCase):
    def test_entries(self):
        snap = parse_un_xml(fx.UN_XML.encode())
        person, entity = snap.entries
        self.assertEqual(person.ref, "QDi.901")
        self.assertEqual(person.primary_name, "ABDUL RAHMAN ZAHID")
        self.assertEqual([(n.name, n.strong) for n in person.names][1:],
                         [("Abdul Rahman Zahed", True), ("Abu Zahid", False)])
        self.assertEqual(person.birth_years, (1968, 1969))
        self.assertEqual(person.identifiers["passport"], ("OA123456",))
        self.assertEqual((entity.entry_type, entity.countries), ("entity", ("Pakistan",)))

    @unittest.skipUnless(fx.SHARED.exists(), "shared data not beside the repository")
    def test_official_list(self):
        snap = parse_un_xml((fx.SHARED / "un" / "UN_consolidated.xml").read_bytes())
        kinds = [e.entry_type for e in snap.entries]
        self.assertEqual((kinds.count("person"), kinds.count("entity")), (730, 273))
        self.assertTrue(snap.version.startswith("2026-02-27"))

    def test_xxe_refused(self):
        with self.assertRaisesRegex(FormatError, "DOCTYPE/ENTITY declarations are not allowed"):
            parse_un_xml(fx.XXE)

    def test_truncated_names_line(self):
        with self.assertRaisesRegex(FormatError, r"line \d+"):
            parse_un_xml(fx.UN_XML[:400].encode())

    def test_missing_name(self):
        bad = fx.UN_XML.replace("<FIRST_NAME>GREEN CRESCENT RELIEF FOUNDATION</FIRST_NAME>", "")
        with self.assertRaisesRegex(FormatError, "ENTITY QDe.902 .*no name"):
            parse_un_xml(bad.encode())


class TestEuXml(unittest.TestCase):
    def test_entries(self):
        snap = parse_eu_xml(fx.EU_XML.encode())
        olga, company = snap.entries
        self.assertEqual(olga.ref, "EU.100.01")
        self.assertEqual((olga.entry_type, olga.countries, olga.birth_years), ("person", ("RU",), (1975,)))
        self.assertEqual([n.strong for n in olga.names], [True, True, False])
        self.assertEqual((company.entry_type, company.identifiers["bic"]), ("entity", ("DPSCSYDA",)))
        self.assertEqual(company.programmes, ("SYR",))

    def test_entity_without_name(self):
        bad = fx.EU_XML.replace('<nameAlias wholeName="Damascus Petroleum Services Company" strong="true"/>', "")
        with self.assertRaisesRegex(FormatError, "no nameAlias with a name"):
            parse_eu_xml(bad.encode())

    def test_billion_laughs_refused(self):
        bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><export>&lol2;</export>'
        with self.assertRaisesRegex(FormatError, "DOCTYPE"):
            parse_eu_xml(bomb)


class TestUkCsv(unittest.TestCase):
    def test_groups(self):
        snap = parse_uk_csv(fx.UK_CSV.encode())
        person, ship = snap.entries
        self.assertEqual(snap.version, "01/03/2026")
        self.assertEqual([(n.name, n.strong, n.primary) for n in person.names],
                         [("Dmytro KOVALENKO", True, True), ("Dmitri KOVALENKO", False, False)])
        self.assertEqual(person.birth_years, (1972,))
        self.assertEqual(ship.entry_type, "entity")

    def test_missing_columns(self):
        with self.assertRaisesRegex(FormatError, "line 2: missing columns: Group ID"):
            parse_uk_csv(fx.UK_CSV.replace(",Group ID", ",Group").encode())

    def test_not_the_uk_format(self):
        with self.assertRaisesRegex(FormatError, "line 1: expected 'Last Updated"):
            parse_uk_csv(fx.OFAC_SDN.encode())
