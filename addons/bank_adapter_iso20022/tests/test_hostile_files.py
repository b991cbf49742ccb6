"""A corpus of malformed and hostile files: each is refused with a clear error, and only the
failed-import record (with the original file) is written. One test per file."""
import io
import re
import zipfile

from . import samples as s
from .test_file_import import FileImportCase

LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;">'
          b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;">]><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
          b"&lol2;</Document>")


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def corpus(iban):
    """(name, bytes, fragment expected in the error, state)."""
    good = s.camt053(iban=iban, entries=s.entry(txs=s.tx()))

    def camt(**kw):
        return s.camt053(iban=iban, **kw)

    return [
        ("xxe_file.xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                         b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>',
         "DOCTYPE/ENTITY declarations are not allowed", "failed"),
        ("xxe_network.xml", b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://127.0.0.1:9/evil.dtd">'
                            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>',
         "DOCTYPE/ENTITY declarations are not allowed", "failed"),
        ("billion_laughs.xml", LAUGHS, "DOCTYPE/ENTITY declarations are not allowed", "failed"),
        ("truncated.xml", good[: len(good) // 2], "line ", "failed"),
        ("binary_garbage.bin", b"\x00\x01\x02\xff" * 64, "format not recognised", "failed"),
        ("empty.xml", b"", "format not recognised", "failed"),
        ("declaration_only.xml", b'<?xml version="1.0"?>\n<!-- urn:iso:std:iso:20022:tech:xsd:camt.053.001.08 -->',
         "line ", "failed"),
        ("unknown_message.xml", good.replace(b"camt.053.001.08", b"camt.099.001.08"), "format not recognised", "failed"),
        ("unsupported_version.xml", good.replace(b"camt.053.001.08", b"camt.053.001.99"),
         "not a supported version", "failed"),
        ("wrong_root.xml", good.replace(b"<Document", b"<Dokument").replace(b"</Document>", b"</Dokument>"),
         "not an ISO 20022 camt/pain document", "failed"),
        ("no_namespace.xml", good.replace(b'xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"', b""),
         "format not recognised", "failed"),
        ("unknown_account.xml", s.camt053(iban="DE02120300000000202051", entries=s.entry(txs=s.tx())),
         "no bank journal", "failed"),
        ("currency_mismatch.xml", camt(ccy="USD", entries=""), "USD does not match journal", "failed"),
        ("entry_in_other_currency.xml", camt(entries=s.entry(txs=s.tx()).replace('Ccy="EUR"', 'Ccy="CHF"', 1)),
         "differs from account currency", "failed"),
        ("amount_with_comma.xml", camt(entries=s.entry(amount="12,50", txs=s.tx())), "invalid amount '12,50'", "failed"),
        ("negative_amount.xml", camt(entries=s.entry(amount="-12.00", txs=s.tx())), "invalid amount '-12.00'", "failed"),
        ("absurd_amount.xml", camt(entries=s.entry(amount="1234567890123456789.00", txs=s.tx())), "invalid amount",
         "failed"),
        ("balance_amount_text.xml", camt(entries="", opening="lots"), "invalid amount 'lots'", "failed"),
        ("invalid_date.xml", camt(entries=s.entry(date="2026-02-30", txs=s.tx())), "invalid date '2026-02-30",
         "failed"),
        ("no_dates.xml", re.sub(rb"<(CreDtTm|BookgDt|ValDt)>.*?</\1>", b"", camt(entries=s.entry(txs=s.tx()))),
         "BookgDt is missing", "failed"),
        ("missing_account.xml", camt(entries="").replace(f"<IBAN>{iban}</IBAN>".encode(), b""),
         "Acct/Id has no IBAN", "failed"),
        ("missing_statement.xml", camt(entries="").split(b"<Stmt>")[0] + b"</BkToCstmrStmt></Document>",
         "no Stmt in the document", "failed"),
        ("bad_credit_debit.xml", camt(entries=s.entry(ind="DEBIT", txs="")), "CdtDbtInd 'DEBIT'", "failed"),
        ("entry_without_amount.xml", camt(entries=s.entry(txs=s.tx()).replace('<Amt Ccy="EUR">12.00</Amt>', "", 1)),
         "Amt is missing", "failed"),
        ("pain002_unknown_status.xml", s.pain002(txs=(("E1", "DONE", None),)), "unknown status 'DONE'", "failed"),
        ("pain002_no_group.xml", s.pain002().replace(b"<OrgnlGrpInfAndSts>", b"<X>").replace(
            b"</OrgnlGrpInfAndSts>", b"</X>"), "OrgnlGrpInfAndSts is missing", "failed"),
        ("pain002_no_txsts.xml", s.pain002(txs=(("E1", "", None),)).replace(b"<TxSts></TxSts>", b""),
         "TxSts is missing", "failed"),
        ("pain002_bad_timestamp.xml", s.pain002().replace(b"2026-03-03T10:00:00", b"yesterday"), "invalid date-time",
         "failed"),
        ("corrupt.zip", b"PK\x03\x04" + b"\x00" * 40, "zip", "failed"),
        ("too_many_members.zip", _zip([(f"f{i}.txt", b"x") for i in range(501)]), "at most 500", "failed"),
        ("json_bad_amount.json", b'{"format": "finance_bridge.statement", "version": 1, "statement": {"account": '
                                 b'{"iban": "X1", "currency": "EUR"}, "date": "2026-03-02", "lines": '
                                 b'[{"booking_date": "2026-03-02", "amount": "1e3"}]}}',
         "$.statement.lines[0].amount", "failed"),
        ("utf16_camt.xml", good.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
         "UTF-16 encoded: not supported", "failed"),
    ]


class TestHostileFiles(FileImportCase):
    def check(self, index):
        name, data, fragment, state = corpus(self.iban)[index]
        before = self.env["account.bank.statement.line"].search_count([])
        records = self.Import._import_payload(data, name)
        self.assertEqual(records.mapped("state"), [state], f"{name}: {records.mapped('error')}")
        self.assertIn(fragment, records.error, name)
        self.assertIn(name, records.error.split(":")[0] + records.name)
        self.assertEqual(records.attachment_id.raw or b"", data, "the original file is kept")
        self.assertEqual(self.env["account.bank.statement.line"].search_count([]), before, "nothing else written")

    def test_corpus_has_at_least_30_files(self):
        self.assertGreaterEqual(len(corpus("X")), 30)

    def test_duplicated_statement_file(self):
        data = s.camt053(iban=self.iban, entries=s.entry(txs=s.tx()))
        self.Import._import_payload(data, "first.xml")
        again = self.Import._import_payload(data, "again.xml")
        self.assertEqual(again.state, "duplicate")
        self.assertEqual(self.env["account.bank.statement.line"].search_count([("journal_id", "=", self.journal.id)]), 1)


for _index, (_name, *_rest) in enumerate(corpus("X")):
    _test_name = "test_hostile_" + _name.replace(".", "_")
    setattr(TestHostileFiles, _test_name, lambda self, i=_index: self.check(i))
