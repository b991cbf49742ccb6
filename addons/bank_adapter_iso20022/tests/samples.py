"""Small ISO 20022 documents written for these tests."""
import pathlib
import re
from decimal import Decimal, InvalidOperation

SHARED = pathlib.Path(__file__).resolve().parents[4] / "shared" / "data"


NTRY_RE = re.compile(r"<Ntry>.*?<Amt Ccy=\"[^\"]*\">([^<]*)</Amt><CdtDbtInd>(\w+)</CdtDbtInd>.*?<Sts><Cd>(\w+)</Cd>", re.S)


def closing_of(opening, entries):
    """The closing balance that makes a statement add up (opening + booked entries); 88.00 when the
    figures are not numbers (files meant to be refused for that)."""
    try:
        total = sum((Decimal(a) * (-1 if ind == "DBIT" else 1) for a, ind, status in NTRY_RE.findall(entries)
                     if status == "BOOK"), Decimal(0))
        return f"{Decimal(opening) + total:.2f}"
    except InvalidOperation:
        return "88.00"


def camt053(iban="DE89370400440532013000", ccy="EUR", entries="", version="08", opening="100.00",
            closing=None, seq="7"):
    closing = closing_of(opening, entries) if closing is None else closing
    date_open = "<Dt><Dt>2026-03-01</Dt></Dt>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-MSG-1</MsgId><CreDtTm>2026-03-02T06:00:00+01:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-{seq}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb><CreDtTm>2026-03-02T06:00:00+01:00</CreDtTm>
   <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{ccy}</Ccy></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{opening}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{date_open}</Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{closing}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLAV</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">80.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
   {entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()


def entry(amount="12.00", ind="DBIT", ref="ACSR-1", txs="", status="BOOK", reversal=False, date="2026-03-02"):
    rvsl = "<RvslInd>true</RvslInd>" if reversal else ""
    return f"""<Ntry><NtryRef>NREF-{ref}</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{rvsl}
    <Sts><Cd>{status}</Cd></Sts><BookgDt><DtTm>{date}T23:30:00-05:00</DtTm></BookgDt><ValDt><Dt>{date}</Dt></ValDt>
    <AcctSvcrRef>{ref}</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls>{txs}</NtryDtls></Ntry>"""


def tx(amount=None, ind="DBIT", e2e="E2E-1", ref=None, name="ACME GmbH", iban="DE75512108001245126199",
       ustrd="Invoice 17", strd=None, instd=None, rtr=None, uetr=None):
    amt = f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>' if amount else ""
    instd_amt = f'<AmtDtls><InstdAmt><Amt Ccy="USD">{instd}</Amt></InstdAmt></AmtDtls>' if instd else ""
    role = "Cdtr" if ind == "DBIT" else "Dbtr"
    rmt = f"<Ustrd>{ustrd}</Ustrd>" if ustrd else ""
    if strd:
        rmt += f"<Strd><CdtrRefInf><Ref>{strd}</Ref></CdtrRefInf></Strd>"
    refs = f"<EndToEndId>{e2e}</EndToEndId>" + (f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else "") + \
        (f"<UETR>{uetr}</UETR>" if uetr else "")
    rtr_xml = f"<RtrInf><Rsn><Cd>{rtr}</Cd></Rsn></RtrInf>" if rtr else ""
    return f"""<TxDtls><Refs>{refs}</Refs>{amt}{instd_amt}
      <RltdPties><{role}><Pty><Nm>{name}</Nm></Pty></{role}><{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct></RltdPties>
      <RltdAgts><{role}Agt><FinInstnId><BICFI>BYLADEM1001</BICFI></FinInstnId></{role}Agt></RltdAgts>
      <RmtInf>{rmt}</RmtInf>{rtr_xml}</TxDtls>"""


def pain002(version="03", grp="PART", txs=(("E2E-1", "ACSC", None), ("E2E-2", "RJCT", "AC04"))):
    tx_xml = "".join(
        f"""<TxInfAndSts><OrgnlInstrId>I-{e}</OrgnlInstrId><OrgnlEndToEndId>{e}</OrgnlEndToEndId><TxSts>{s}</TxSts>
        {f'<StsRsnInf><Rsn><Cd>{r}</Cd></Rsn><AddtlInf>Account closed</AddtlInf></StsRsnInf>' if r else ''}
        <OrgnlTxRef><Amt><InstdAmt Ccy="EUR">10.00</InstdAmt></Amt></OrgnlTxRef></TxInfAndSts>"""
        for e, s, r in txs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version}">
 <CstmrPmtStsRpt>
  <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-03-03T10:00:00</CreDtTm></GrpHdr>
  <OrgnlGrpInfAndSts><OrgnlMsgId>MSG-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>{grp}</GrpSts></OrgnlGrpInfAndSts>
  <OrgnlPmtInfAndSts><OrgnlPmtInfId>MSG-1-1</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>{tx_xml}</OrgnlPmtInfAndSts>
 </CstmrPmtStsRpt>
</Document>""".encode()
