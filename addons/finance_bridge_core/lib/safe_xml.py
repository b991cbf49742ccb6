"""Hardened XML parsing for everything a bank or a list publisher sends.

No DTD, no entity expansion, no network, a size limit; a DOCTYPE is refused
outright (XXE and billion-laughs need one) wherever it stands in the prolog: the parser
reports it (document info at the root element), not a scan of the first bytes. XInclude
elements are refused too. BOMs and declared encodings are left to the parser; UTF-16/32
is refused by the format detection. Errors name the source, line and reason.
"""
from lxml import etree

from .errors import FormatError

MAX_XML_BYTES = 200 * 1024 * 1024
DTD_REFUSED = "DOCTYPE/ENTITY declarations are not allowed"
XINCLUDE_NS = "{http://www.w3.org/2001/XInclude}"
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def check_xml_bytes(data, source=None, max_bytes=MAX_XML_BYTES):
    """The checks made before any parser sees the bytes; returns the bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise FormatError([("document", f"{len(data)} bytes exceeds the limit of {max_bytes}")], source)
    head = data[:4096]
    for bom in BOMS:
        if head.startswith(bom):
            head = head[len(bom):].replace(b"\x00", b"")
            break
    if not head.lstrip().startswith(b"<"):
        raise FormatError([("line 1", "not an XML document")], source)
    return data


def syntax_error(exc, source):
    """An lxml syntax error as a FormatError naming the line."""
    line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else "?")
    return FormatError([(f"line {line}", exc.msg if hasattr(exc, "msg") else str(exc))], source)


def check_doctype(element, source=None):
    """Refuse a document whose parser met a DOCTYPE (internal subset, SYSTEM or PUBLIC id).

    Asked of the parser's document info once the root element starts: a DTD can only stand
    before it, so this sees every DTD however much comment or whitespace precedes it.
    """
    info = element.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype or info.system_url \
            or info.public_id:
        raise FormatError([(f"prolog (before line {element.sourceline or 1})", DTD_REFUSED)], source)


def _check_xinclude(element, source):
    if isinstance(element.tag, str) and element.tag.startswith(XINCLUDE_NS):
        raise FormatError([(f"line {element.sourceline}", "XInclude elements are not allowed")], source)


def parse_xml(data, source=None, max_bytes=MAX_XML_BYTES):
    """Parse bytes into an lxml root element, refusing anything unsafe."""
    data = check_xml_bytes(data, source, max_bytes)
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc, source) from None
    check_doctype(root, source)
    for element in root.iter(f"{XINCLUDE_NS}*"):
        _check_xinclude(element, source)
    return root


def iterparse_xml(stream, events=("start", "end"), source=None):
    """Incremental parsing with the same hardening as ``parse_xml``, for documents too large for one tree.

    ``stream`` is a file-like object over bytes already passed through ``check_xml_bytes``; the
    caller clears what it has consumed. Syntax errors surface while iterating (``syntax_error``);
    a DOCTYPE is refused at the first event, before any element is handed over.
    """
    reader = etree.iterparse(stream, events=events, resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True, remove_pis=True)
    first = True
    for event, element in reader:
        if first:
            check_doctype(element, source)
            first = False
        _check_xinclude(element, source)
        yield event, element


def local(tag):
    """Tag name without its namespace."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""
