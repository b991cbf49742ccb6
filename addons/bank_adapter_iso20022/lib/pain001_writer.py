"""pain.001 customer credit transfer initiation (001.001.03 and 001.001.09) from a canonical batch.

Payment-information blocks are grouped by execution date, SEPA or not and
charge bearer; control sums are Decimal sums; every file is validated against
the official XSD before it is returned.
"""
import functools
import os
import re
from collections import OrderedDict
from decimal import Decimal

from lxml import etree

from odoo.addons.finance_bridge_core.lib.errors import FormatError

from .bank_profiles import SEPA_COUNTRIES

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "schemas")


@functools.cache
def schema(message):
    """The official XSD of e.g. ``pain.001.001.09``, compiled once per process."""
    path = os.path.join(SCHEMA_DIR, f"{message}.xsd")
    if not os.path.exists(path):
        raise FormatError([("schema", f"no XSD for {message}")])
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(path, parser))


def validate(xml_bytes, message, source=None):
    """Raise ``FormatError`` naming each element the XSD refuses."""
    xsd = schema(message)
    document = etree.fromstring(xml_bytes, etree.XMLParser(resolve_entities=False, no_network=True))
    if not xsd.validate(document):
        by_line = {}
        for element in document.iter():
            by_line.setdefault(element.sourceline, element)
        problems = []
        for error in xsd.error_log:
            element = by_line.get(error.line)
            where = _readable_path(element) if element is not None else error.path
            problems.append((f"{where} (line {error.line})", re.sub(r"\{urn:[^}]*\}", "", error.message)))
        raise FormatError(problems, source or message)
    return True


def _readable_path(element):
    parts = []
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        parts.append(name)
        element = parent
    return "/".join(reversed(parts))


def _money(amount):
    return format(amount.quantize(Decimal("0.01")) if amount.as_tuple().exponent > -2 else amount, "f")


class _Builder:
    def __init__(self, profile):
        self.profile = profile
        self.v09 = profile.pain_version == "001.001.09"
        self.ns = f"urn:iso:std:iso:20022:tech:xsd:pain.{profile.pain_version}"

    def el(self, parent, tag, text=None, **attrs):
        node = etree.SubElement(parent, f"{{{self.ns}}}{tag}", **attrs)
        if text is not None:
            node.text = str(text)
        return node

    def agent(self, parent, tag, bic, clearing=None):
        fin = self.el(self.el(parent, tag), "FinInstnId")
        if bic:
            self.el(fin, "BICFI" if self.v09 else "BIC", bic)
        elif clearing:
            system, _sep, member = clearing.partition(":")
            mmb = self.el(fin, "ClrSysMmbId")
            self.el(self.el(mmb, "ClrSysId"), "Cd", system)
            self.el(mmb, "MmbId", member)
        else:
            self.el(self.el(fin, "Othr"), "Id", "NOTPROVIDED")

    def address(self, parent, address, where):
        if address is None:
            return
        p = self.profile
        if not address.country:
            raise FormatError([(where, "creditor address needs a country (Ctry)")])
        if not address.town:
            raise FormatError([(where, "creditor address needs a town (TwnNm): unstructured addresses are "
                                       "not accepted from November 2026")])
        adr = self.el(parent, "PstlAdr")
        if address.street:
            self.el(adr, "StrtNm", p.clean(address.street, 70))
        if address.building_number:
            self.el(adr, "BldgNb", p.clean(address.building_number, 16))
        if address.postcode:
            self.el(adr, "PstCd", p.clean(address.postcode, 16))
        self.el(adr, "TwnNm", p.clean(address.town, 35))
        self.el(adr, "Ctry", address.country)
        if p.address_mode == "hybrid" or not address.street:
            for line in address.address_lines[:2]:
                self.el(adr, "AdrLine", p.clean(line, p.max_address_line))


def _is_sepa(payment, profile):
    iban = payment.creditor_iban or ""
    return profile.sepa and payment.amount.currency == "EUR" and iban[:2] in SEPA_COUNTRIES


def write_pain001(batch, profile, validate_output=True):
    b = _Builder(profile)
    p = profile
    root = etree.Element(f"{{{b.ns}}}Document", nsmap={None: b.ns})
    init = b.el(root, "CstmrCdtTrfInitn")
    header = b.el(init, "GrpHdr")
    b.el(header, "MsgId", batch.msg_id)
    b.el(header, "CreDtTm", batch.created_at.replace(microsecond=0).isoformat())
    b.el(header, "NbOfTxs", batch.number_of_transactions)
    b.el(header, "CtrlSum", _money(batch.control_sum))
    b.el(b.el(header, "InitgPty"), "Nm", p.clean(batch.debtor_name, p.max_name))

    groups = OrderedDict()
    for payment in batch.payments:
        sepa = _is_sepa(payment, p)
        if not sepa and p.require_bic and not (payment.creditor_bic or payment.creditor_clearing_code):
            raise FormatError([(f"CdtTrfTxInf[{payment.end_to_end_id}]/CdtrAgt",
                                "a BIC or clearing code of the creditor's bank is required")], batch.msg_id)
        key = (payment.requested_execution_date, sepa, "SLEV" if sepa else payment.charge_bearer)
        groups.setdefault(key, []).append(payment)
    for index, ((day, sepa, bearer), payments) in enumerate(groups.items(), start=1):
        info = b.el(init, "PmtInf")
        b.el(info, "PmtInfId", f"{batch.msg_id[:30]}-{index}")
        b.el(info, "PmtMtd", "TRF")
        b.el(info, "BtchBookg", "true" if batch.batch_booking else "false")
        b.el(info, "NbOfTxs", len(payments))
        b.el(info, "CtrlSum", _money(sum((x.amount.amount for x in payments), Decimal(0))))
        if sepa:
            b.el(b.el(b.el(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
        execution = b.el(info, "ReqdExctnDt")
        if b.v09:
            b.el(execution, "Dt", day.isoformat())
        else:
            execution.text = day.isoformat()
        b.el(b.el(info, "Dbtr"), "Nm", p.clean(batch.debtor_name, p.max_name))
        b.el(b.el(b.el(info, "DbtrAcct"), "Id"), "IBAN", batch.debtor_iban)
        b.agent(info, "DbtrAgt", batch.debtor_bic)
        b.el(info, "ChrgBr", bearer)
        for payment in payments:
            where = f"CdtTrfTxInf[{payment.end_to_end_id}]"
            tx = b.el(info, "CdtTrfTxInf")
            ids = b.el(tx, "PmtId")
            if payment.instruction_id:
                b.el(ids, "InstrId", payment.instruction_id)
            b.el(ids, "EndToEndId", payment.end_to_end_id)
            b.el(b.el(tx, "Amt"), "InstdAmt", _money(payment.amount.amount), Ccy=payment.amount.currency)
            if payment.intermediary_bic and not sepa:
                b.agent(tx, "IntrmyAgt1", payment.intermediary_bic)
            if payment.creditor_bic or payment.creditor_clearing_code or not sepa:
                b.agent(tx, "CdtrAgt", payment.creditor_bic, payment.creditor_clearing_code)
            creditor = b.el(tx, "Cdtr")
            name = p.clean(payment.creditor_name, p.max_name)
            if not name:
                raise FormatError([(f"{where}/Cdtr/Nm", "creditor name is empty after character-set cleaning")])
            b.el(creditor, "Nm", name)
            b.address(creditor, payment.creditor_address, f"{where}/Cdtr/PstlAdr")
            account = b.el(b.el(tx, "CdtrAcct"), "Id")
            if payment.creditor_iban:
                b.el(account, "IBAN", payment.creditor_iban)
            else:
                b.el(b.el(account, "Othr"), "Id", payment.creditor_account)
            if payment.purpose_code:
                b.el(b.el(tx, "Purp"), "Cd", payment.purpose_code)
            if payment.remittance_structured or payment.remittance_unstructured:
                rmt = b.el(tx, "RmtInf")
                if payment.remittance_structured:
                    ref = b.el(b.el(rmt, "Strd"), "CdtrRefInf")
                    tp = b.el(ref, "Tp")
                    b.el(b.el(tp, "CdOrPrtry"), "Cd", "SCOR")
                    b.el(tp, "Issr", "ISO")
                    b.el(ref, "Ref", payment.remittance_structured)
                else:
                    b.el(rmt, "Ustrd", p.clean(payment.remittance_unstructured, p.max_remittance))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    if validate_output:
        validate(xml, f"pain.{p.pain_version}", batch.msg_id)
    return xml
