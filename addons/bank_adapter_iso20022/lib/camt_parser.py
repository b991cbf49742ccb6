"""camt.052 / camt.053 / camt.054 (001.01 to 001.08+) into canonical statements and status events.

Batch entries are split into their transactions when every transaction
carries its own amount. Only booked entries become statement lines.
Credit entries name the debtor as counterparty, debit entries the creditor.
"""
import io
from dataclasses import dataclass, field, replace

from lxml import etree

from odoo.addons.finance_bridge_core.lib.amounts import currency_problem
from odoo.addons.finance_bridge_core.lib.dto import BalanceDTO, Money, StatementDTO, StatementLineDTO, StatusEventDTO
from odoo.addons.finance_bridge_core.lib.errors import FormatError
from odoo.addons.finance_bridge_core.lib.file_formats import StatementChunk
from odoo.addons.finance_bridge_core.lib.safe_xml import check_xml_bytes, iterparse_xml, syntax_error

from .iso_xml import IsoDoc

CONTAINERS = {"camt.052": ("BkToCstmrAcctRpt", "Rpt"), "camt.053": ("BkToCstmrStmt", "Stmt"),
              "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
MAX_VERSION = 13
BALANCE_CODES = {
    "OPBD": ("booked", "opening"), "PRCD": ("booked", "opening"), "CLBD": ("booked", "closing"),
    "OPAV": ("available", "opening"), "CLAV": ("available", "closing"), "FWAV": ("available", "forward"),
    "ITBD": ("intraday", "interim"), "ITAV": ("intraday", "interim"), "XPCD": ("expected", "closing"),
}


@dataclass(frozen=True)
class CamtResult:
    message: str                   # camt.053
    version: int
    msg_id: str
    statements: tuple[StatementDTO, ...] = ()
    status_events: tuple[StatusEventDTO, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def _signed(amount, indicator):
    """The amount with the sign of its credit/debit indicator, reversals included.

    ISO 20022 (camt.053 message definition, ReversalIndicator usage rule): the indicator of a
    reversal entry is the opposite of the original's — "a debit entry used to reverse a credit
    entry" carries DBIT — so CdtDbtInd already gives the reversal's own direction and RvslInd must
    not flip it again (a DBIT reversal is money leaving the account).
    """
    return -amount if indicator == "DBIT" and amount else amount


def _party(doc, tx, role):
    """Name, IBAN/other account and BIC of the Dbtr or Cdtr of a transaction, any version."""
    name = doc.text(tx, f"RltdPties/{role}/Nm", f"RltdPties/{role}/Pty/Nm", f"RltdPties/Ultmt{role}/Nm",
                    f"RltdPties/{role}/Agt/FinInstnId/Nm")
    iban = doc.text(tx, f"RltdPties/{role}Acct/Id/IBAN")
    other = doc.text(tx, f"RltdPties/{role}Acct/Id/Othr/Id")
    bic = doc.text(tx, f"RltdAgts/{role}Agt/FinInstnId/BICFI", f"RltdAgts/{role}Agt/FinInstnId/BIC")
    return name, iban, other, bic


def _bank_code(doc, node):
    domain = doc.text(node, "BkTxCd/Domn/Cd")
    if domain:
        family = doc.text(node, "BkTxCd/Domn/Fmly/Cd") or ""
        sub = doc.text(node, "BkTxCd/Domn/Fmly/SubFmlyCd") or ""
        return "-".join(p for p in (domain, family, sub) if p)
    return doc.text(node, "BkTxCd/Prtry/Cd")


def _balances(doc, stmt, account, currency, notes):
    result = []
    for bal in doc.all(stmt, "Bal"):
        code = doc.text(bal, "Tp/CdOrPrtry/Cd", "Tp/Cd")
        if code not in BALANCE_CODES:
            continue
        amount, ccy = doc.amount(bal, currency=currency)
        ccy = ccy or currency
        day = doc.date(bal, "Dt")
        if ccy != currency:
            notes.append(f"{doc.where(bal)}: balance {code} in {ccy} ignored (account currency {currency})")
            continue
        if day is None:
            notes.append(f"{doc.where(bal)}: balance {code} without a date ignored")
            continue
        kind, position = BALANCE_CODES[code]
        result.append((code, BalanceDTO(account=account, kind=kind, position=position, date=day,
                                        amount=Money(_signed(amount, doc.text(bal, "CdtDbtInd")), ccy),
                                        raw={"code": code})))
    return result


def _tx_lines(doc, entry, currency, booking, value_date):
    """One statement line per transaction of a batch entry, or one for the entry."""
    entry_amount, entry_ccy = doc.amount(entry, currency=currency)
    indicator = doc.text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise FormatError([(doc.where(entry), f"CdtDbtInd {indicator!r} is not CRDT or DBIT")], doc.source)
    reversal = (doc.text(entry, "RvslInd") or "").lower() == "true"   # kept in raw, sign unchanged
    entry_ref = doc.text(entry, "AcctSvcrRef")
    txs = doc.all(entry, "NtryDtls/TxDtls")
    def tx_amount_node(tx):
        node = doc.one(tx, "Amt")
        return node if node is not None else doc.one(tx, "AmtDtls/TxAmt/Amt")

    # Split a batch only when every transaction has its own amount in the account currency.
    split = len(txs) > 1 and all(tx_amount_node(tx) is not None and
                                 (tx_amount_node(tx).get("Ccy") or currency) == currency for tx in txs)
    if split:
        groups = [(tx, True) for tx in txs]
    else:
        groups = [(txs[0] if len(txs) == 1 else None, False)]
    lines = []
    for index, (tx, own_amount) in enumerate(groups):
        if own_amount:
            amount, ccy = doc.amount(tx_amount_node(tx), None, currency)
            tx_indicator = doc.text(tx, "CdtDbtInd") or indicator
        else:
            amount, ccy, tx_indicator = entry_amount, entry_ccy, indicator
        ccy = ccy or entry_ccy or currency
        signed = _signed(amount, tx_indicator)
        refs = {}
        counterparty = (None, None, None, None)
        remit_u = remit_s = None
        foreign = None
        raw = {"entry_ref": entry_ref, "reversal": reversal}
        if len(txs) > 1 and not split:
            raw["batch"] = [{k: doc.text(t, f"Refs/{k}") for k in ("EndToEndId", "InstrId", "AcctSvcrRef")}
                            for t in txs]
        if tx is not None:
            refs = {key: doc.text(tx, f"Refs/{key}") for key in
                    ("MsgId", "AcctSvcrRef", "PmtInfId", "InstrId", "EndToEndId", "TxId", "UETR")}
            role = "Dbtr" if tx_indicator == "CRDT" else "Cdtr"
            counterparty = _party(doc, tx, role)
            ustrd = [e.text.strip() for e in doc.all(tx, "RmtInf/Ustrd") if e.text and e.text.strip()]
            remit_u = " ".join(ustrd) or None
            remit_s = doc.text(tx, "RmtInf/Strd/CdtrRefInf/Ref")
            instructed = doc.one(tx, "AmtDtls/InstdAmt/Amt")
            if instructed is None and not own_amount and tx_amount_node(tx) is not None:
                instructed = tx_amount_node(tx)
            if instructed is not None:
                famount, fccy = doc.amount(instructed, None)
                if fccy and fccy != ccy:
                    foreign = Money(famount, fccy)
            return_code = doc.text(tx, "RtrInf/Rsn/Cd")
            if return_code:
                raw["return_reason"] = return_code
            charges = doc.all(tx, "Chrgs/Rcrd/Amt") or doc.all(tx, "Chrgs/Amt")
            if charges:
                raw["charges"] = [c.text for c in charges]
            addtl = doc.text(tx, "AddtlTxInf")
            if addtl:
                raw["additional"] = addtl
        if ccy != currency:
            raise FormatError([(doc.where(entry), f"entry currency {ccy} differs from account currency {currency}")],
                              doc.source)
        tx_ref = refs.get("AcctSvcrRef")
        unique = tx_ref or (f"{entry_ref}/{index + 1}" if entry_ref and split else entry_ref)
        label = remit_u or remit_s or doc.text(entry, "AddtlNtryInf") or counterparty[0] or "/"
        lines.append(StatementLineDTO(
            booking_date=booking, value_date=value_date, amount=Money(signed, currency), label=label[:1000],
            counterparty_name=counterparty[0],
            counterparty_iban=(counterparty[1] or "").replace(" ", "").upper() or None,
            counterparty_account=counterparty[2], counterparty_bic=counterparty[3], unique_id=unique,
            end_to_end_id=refs.get("EndToEndId") if refs.get("EndToEndId") != "NOTPROVIDED" else None,
            acct_svcr_ref=tx_ref or entry_ref, ntry_ref=doc.text(entry, "NtryRef"), uetr=refs.get("UETR"),
            bank_transaction_code=_bank_code(doc, entry), remittance_unstructured=remit_u,
            remittance_structured=remit_s, foreign_amount=foreign,
            raw={k: v for k, v in dict(raw, **{f"ref_{k}": v for k, v in refs.items()}).items() if v}))
    return lines


def _status_events(doc, entry, booking):
    """camt.054: what the bank did with our own payments, by their references."""
    events = []
    for tx in doc.all(entry, "NtryDtls/TxDtls") or []:
        refs = {key: doc.text(tx, f"Refs/{key}") for key in ("MsgId", "PmtInfId", "InstrId", "EndToEndId", "UETR")}
        if not any(refs.values()):
            continue
        reason = doc.text(tx, "RtrInf/Rsn/Cd")
        amount = doc.one(tx, "Amt") if doc.one(tx, "Amt") is not None else doc.one(entry, "Amt")
        value, ccy = doc.amount(amount, None)
        events.append(StatusEventDTO(
            source="camt.054", status="RTRN" if reason else "BOOK", level="transaction",
            msg_id=refs["MsgId"], pmt_inf_id=refs["PmtInfId"], instruction_id=refs["InstrId"],
            end_to_end_id=refs["EndToEndId"] if refs["EndToEndId"] != "NOTPROVIDED" else None, uetr=refs["UETR"],
            reason_code=reason, amount=Money(value, ccy) if ccy else None,
            raw={"booking_date": booking.isoformat() if booking else None,
                 "CdtDbtInd": doc.text(tx, "CdtDbtInd") or doc.text(entry, "CdtDbtInd")}))
    return events


def _statement_header(doc, container, stmt, notes):
    """Everything of a statement that precedes its entries: account, currency, balances, ids."""
    source = doc.source
    account = doc.text(stmt, "Acct/Id/IBAN", "Acct/Id/Othr/Id", "Acct/Id/PrtryAcct/Id")
    if not account:
        raise FormatError([(doc.where(stmt), "Acct/Id has no IBAN or other id")], source)
    account = account.replace(" ", "").upper()
    currency = doc.text(stmt, "Acct/Ccy")
    if currency and currency_problem(currency):
        raise FormatError([(doc.where(doc.one(stmt, "Acct/Ccy")), currency_problem(currency))], source)
    if not currency:
        first = doc.one(stmt, "Ntry/Amt") if doc.one(stmt, "Ntry/Amt") is not None else doc.one(stmt, "Bal/Amt")
        currency = first.get("Ccy") if first is not None else None
    if not currency:
        raise FormatError([(doc.where(stmt), "the account currency cannot be determined")], source)
    balances = _balances(doc, stmt, account, currency, notes)
    by_code = {code: bal for code, bal in balances}
    opening = by_code.get("OPBD") or by_code.get("PRCD")
    closing = by_code.get("CLBD")
    created = doc.date(stmt, "CreDtTm")
    seq = doc.text(stmt, "ElctrncSeqNb")
    return {
        "account": account, "currency": currency, "closing_date": closing.date if closing else None,
        "fallback_date": created or doc.date(container, "GrpHdr/CreDtTm"),
        "statement_id": doc.text(stmt, "Id"), "sequence": int(seq) if seq and seq.isdigit() else None,
        "opening_balance": opening.amount.amount if opening else None,
        "closing_balance": closing.amount.amount if closing else None,
        "balances": tuple(b for _c, b in balances), "intraday": doc.message == "camt.052",
        "notification": doc.message == "camt.054",
        "raw": {"message": doc.message, "version": doc.version, "msg_id": doc.text(container, "GrpHdr/MsgId") or ""},
    }


def _entry(doc, stmt, entry, currency, events, notes):
    """The statement lines of one entry (none for a pending one); camt.054 adds its status events."""
    status = doc.text(entry, "Sts/Cd", "Sts")
    # Notifications often carry no booking date: the value date, then the
    # statement's creation date stand in.
    booking = doc.date(entry, "BookgDt") or doc.date(entry, "ValDt") or doc.date(stmt, "CreDtTm")
    if booking is None:
        raise FormatError([(doc.where(entry), "BookgDt is missing")], doc.source)
    if doc.message == "camt.054":
        events.extend(_status_events(doc, entry, booking))
    if status not in (None, "BOOK"):
        notes.append(f"{doc.where(entry)}: {status} entry not imported as a statement line")
        return []
    return _tx_lines(doc, entry, currency, booking, doc.date(entry, "ValDt"))


def _header_dto(header, day, source):
    fields_ = {k: v for k, v in header.items() if k not in ("closing_date", "fallback_date")}
    if day is None:
        raise FormatError([("Stmt " + (header["statement_id"] or ""), "no date for the statement")], source)
    return StatementDTO(date=day, lines=(), **fields_)


class CamtStream:
    """Reads a camt document entry by entry and yields its statements in chunks of lines.

    Only the statement being read stays in memory: every entry is dropped from the tree once its
    lines are made, so a 100,000-entry statement is read in bounded memory. ``notes`` and
    ``status_events`` are complete once the stream is exhausted; ``position`` / ``size`` tell how
    much of the file has been read. A streamed statement is dated by its closing balance, else its
    creation date (its lines are not all known when its first chunk is handed over).
    """

    def __init__(self, data, source="camt", chunk_size=2000):
        self.data = check_xml_bytes(data, source)
        self.source, self.chunk_size = source, chunk_size
        self.size = len(self.data)
        self.position = 0
        self.message = self.version = self.msg_id = None
        self.notes, self.status_events = [], []

    def __iter__(self):
        stream = io.BytesIO(self.data)
        doc = container = stmt = header = None
        outer = inner = None
        buffer, first, statements = [], True, 0
        try:
            for event, elem in iterparse_xml(stream, source=self.source):
                self.position = stream.tell()
                if doc is None:
                    doc = self._open(elem)
                    outer, inner = CONTAINERS[doc.message]
                    q_outer = {doc.q(outer), doc.q(f"{outer}V{doc.version:02d}")}
                    q_inner, q_entry = doc.q(inner), doc.q("Ntry")
                    continue
                if event == "start":
                    if elem.tag in q_outer and elem.getparent() is doc.root:
                        container = elem
                    elif elem.tag == q_inner and container is not None and elem.getparent() is container:
                        stmt, header, buffer, first = elem, None, [], True
                    continue
                if stmt is None:
                    continue
                if elem.tag == q_entry and elem.getparent() is stmt:
                    if header is None:
                        header = _statement_header(doc, container, stmt, self.notes)
                    buffer.extend(_entry(doc, stmt, elem, header["currency"], self.status_events, self.notes))
                    # The entry is done: drop it and the ones before it from the tree.
                    elem.clear()
                    while elem.getprevious() is not None and elem.getprevious().tag == q_entry:
                        stmt.remove(elem.getprevious())
                    if len(buffer) >= self.chunk_size:
                        yield self._chunk(header, buffer, first, False)
                        buffer, first = [], False
                elif elem is stmt:
                    if header is None:
                        header = _statement_header(doc, container, stmt, self.notes)
                    statements += 1
                    yield self._chunk(header, buffer, first, True)
                    container.remove(stmt)
                    stmt = None
        except etree.XMLSyntaxError as exc:
            raise syntax_error(exc, self.source) from None
        if doc is None:
            raise FormatError([("line 1", "empty document")], self.source)
        if container is None:
            raise FormatError([("Document", f"{outer} is missing")], self.source)
        if not statements:
            raise FormatError([(outer, f"no {inner} in the document")], self.source)

    def _open(self, root):
        doc = IsoDoc(None, self.source, root=root)
        if doc.message not in CONTAINERS:
            raise FormatError([("Document", f"{doc.message} is not a camt.052/053/054 message")], self.source)
        if not 1 <= doc.version <= MAX_VERSION:
            raise FormatError([("Document", f"{doc.message}.001.{doc.version:02d} is not a supported version "
                                            f"(001.01 to 001.{MAX_VERSION:02d})")], self.source)
        self.message, self.version = doc.message, doc.version
        return doc

    def _chunk(self, header, lines, first, last):
        self.msg_id = header["raw"]["msg_id"]
        day = header["closing_date"] or header["fallback_date"] or (lines[0].booking_date if lines else None)
        return StatementChunk(statement=_header_dto(header, day, self.source), lines=tuple(lines),
                              first=first, last=last)


def stream_camt(data, source="camt", chunk_size=2000):
    return CamtStream(data, source, chunk_size)


def parse_camt(data, source="camt"):
    """The whole document at once; a statement without closing balance is dated by its last line."""
    reader = CamtStream(data, source, chunk_size=10**9)
    statements, lines = [], []
    for chunk in reader:
        lines.extend(chunk.lines)
        if chunk.last:
            header = chunk.statement
            if header.closing_balance is None and lines:
                header = replace(header, date=max(line.booking_date for line in lines))
            statements.append(replace(header, lines=tuple(lines)))
            lines = []
    return CamtResult(message=reader.message, version=reader.version, msg_id=reader.msg_id or "",
                      statements=tuple(statements), status_events=tuple(reader.status_events),
                      notes=tuple(reader.notes))
