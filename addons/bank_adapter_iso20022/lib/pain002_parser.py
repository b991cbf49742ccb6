"""pain.002 customer payment status reports (001.03 and later) into status events."""
from datetime import datetime

from odoo.addons.finance_bridge_core.lib.dto import PAYMENT_STATUSES, Money, StatusEventDTO
from odoo.addons.finance_bridge_core.lib.errors import FormatError

from .iso_xml import IsoDoc


def _reason(doc, node):
    code = doc.text(node, "StsRsnInf/Rsn/Cd", "StsRsnInf/Rsn/Prtry")
    info = " ".join(e.text.strip() for e in doc.all(node, "StsRsnInf/AddtlInf") if e.text and e.text.strip())
    return code, info or None


def _status(doc, node, path, where):
    value = doc.text(node, path)
    if value and value not in PAYMENT_STATUSES:
        raise FormatError([(doc.where(where), f"unknown status {value!r}")], doc.source)
    return value


def parse_pain002(data, source="pain.002"):
    doc = IsoDoc(data, source)
    if doc.message != "pain.002":
        raise FormatError([("Document", f"{doc.message} is not a pain.002 message")], source)
    if not 3 <= doc.version <= 14:
        raise FormatError([("Document", f"pain.002.001.{doc.version:02d} is not a supported version")], source)
    report = doc.one(doc.root, "CstmrPmtStsRpt")
    if report is None:
        raise FormatError([("Document", "CstmrPmtStsRpt is missing")], source)
    created = doc.text(report, "GrpHdr/CreDtTm")
    occurred = None
    if created:
        try:
            occurred = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            raise FormatError([("GrpHdr/CreDtTm", f"invalid date-time {created!r}")], source) from None
    group = doc.one(report, "OrgnlGrpInfAndSts")
    if group is None:
        raise FormatError([("CstmrPmtStsRpt", "OrgnlGrpInfAndSts is missing")], source)
    msg_id = doc.text(group, "OrgnlMsgId")
    if not msg_id:
        raise FormatError([(doc.where(group), "OrgnlMsgId is missing")], source)
    events = []
    group_status = _status(doc, group, "GrpSts", group)
    if group_status:
        code, info = _reason(doc, group)
        events.append(StatusEventDTO(source="pain.002", status=group_status, level="group", msg_id=msg_id,
                                     reason_code=code, reason_text=info, occurred_at=occurred))
    for pmt in doc.all(report, "OrgnlPmtInfAndSts"):
        pmt_id = doc.text(pmt, "OrgnlPmtInfId")
        pmt_status = _status(doc, pmt, "PmtInfSts", pmt)
        if pmt_status:
            code, info = _reason(doc, pmt)
            events.append(StatusEventDTO(source="pain.002", status=pmt_status, level="payment_info",
                                         msg_id=msg_id, pmt_inf_id=pmt_id, reason_code=code, reason_text=info,
                                         occurred_at=occurred))
        for tx in doc.all(pmt, "TxInfAndSts"):
            tx_status = _status(doc, tx, "TxSts", tx)
            if not tx_status:
                raise FormatError([(doc.where(tx), "TxSts is missing")], source)
            code, info = _reason(doc, tx)
            amount_node = doc.one(tx, "OrgnlTxRef/Amt/InstdAmt")
            amount = None
            if amount_node is not None:
                value, ccy = doc.amount(amount_node, None)
                amount = Money(value, ccy) if ccy else None
            events.append(StatusEventDTO(
                source="pain.002", status=tx_status, level="transaction", msg_id=msg_id, pmt_inf_id=pmt_id,
                instruction_id=doc.text(tx, "OrgnlInstrId"), end_to_end_id=doc.text(tx, "OrgnlEndToEndId"),
                uetr=doc.text(tx, "OrgnlUETR"), reason_code=code, reason_text=info, occurred_at=occurred,
                amount=amount, raw={"status_id": doc.text(tx, "StsId")}))
    return events
