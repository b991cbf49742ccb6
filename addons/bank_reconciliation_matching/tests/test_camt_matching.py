"""A real camt.053 through the ISO 20022 adapter's parser and the import, matched and reconciled:
structured reference, remittance text and bank charges (Chrgs) as the adapter keeps them."""
import unittest

from .common import ReconcileCase

try:
    from odoo.addons.bank_adapter_iso20022.lib.camt_parser import parse_camt
except ImportError:      # the adapter is optional for this addon
    parse_camt = None


def entry(amount, indicator, ref, ustrd=None, strd=None, charges=None):
    rmt = ""
    if ustrd:
        rmt += f"<Ustrd>{ustrd}</Ustrd>"
    if strd:
        rmt += f"<Strd><CdtrRefInf><Ref>{strd}</Ref></CdtrRefInf></Strd>"
    chrgs = f'<Chrgs><Rcrd><Amt Ccy="EUR">{charges}</Amt></Rcrd></Chrgs>' if charges else ""
    return (f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>2026-03-05</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef><NtryDtls><TxDtls>"
            f"<Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
            f"{chrgs}<RmtInf>{rmt}</RmtInf></TxDtls></NtryDtls></Ntry>")


@unittest.skipIf(parse_camt is None, "bank_adapter_iso20022 is not installed")
class TestCamtMatching(ReconcileCase):
    def test_camt053_lines_are_matched_and_reconciled(self):
        self.journal.finance_auto_reconcile = True
        inv = self.invoice(100.0, reference="RF18 5390 0754 7034")
        other = self.invoice(80.0, partner=self.other)
        bill = self.invoice(200.0, partner=self.other, move_type="in_invoice")
        bill.ref = "SUPPLIER-INV-99812"
        entries = "".join((
            entry("100.00", "CRDT", "C1", strd="RF18539007547034"),
            entry("80.00", "CRDT", "C2", ustrd=f"invoice {other.name.lower()} thanks"),
            entry("212.00", "DBIT", "C3", ustrd="SUPPLIER-INV-99812", charges="12.00")))
        currency = self.eur.name
        xml = (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">'
               f"<BkToCstmrStmt><GrpHdr><MsgId>RECON-1</MsgId><CreDtTm>2026-03-05T06:00:00</CreDtTm></GrpHdr>"
               f"<Stmt><Id>RECON-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
               f"{entries}</Stmt></BkToCstmrStmt></Document>").encode()
        xml = xml.replace(b'Ccy="EUR"', f'Ccy="{currency}"'.encode())
        statement = parse_camt(xml, "recon.xml").statements[0]
        self.env["finance.sync.engine"]._ingest(journal=self.journal, statements=[statement])
        lines = self.env["account.bank.statement.line"].search([("journal_id", "=", self.journal.id)], order="id")
        self.assertEqual(len(lines), 3)
        self.assertTrue(all(lines.mapped("is_reconciled")), [s.explanation for s in lines.finance_suggestion_ids])
        self.assertEqual((inv | other | bill).mapped("payment_state"), ["paid"] * 3)
        charges = lines[2].move_id.line_ids.filtered(lambda aml: aml.account_id == self.charges_account)
        self.assertAlmostEqual(charges.balance, 12.0)
