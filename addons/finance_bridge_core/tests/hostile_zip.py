"""Hostile zip archives built byte by byte for the tests (no fixture files): encrypted flags,
unknown methods, corrupt deflate streams, lying sizes and entry counts."""
import io
import struct
import warnings
import zipfile

CENTRAL = b"PK\x01\x02"


def build_zip(members, method=zipfile.ZIP_DEFLATED):
    """A well-formed zip of ``(name, bytes)``; duplicates are written as given."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buffer, "w", compression=method) as archive:
            for name, data in members:
                archive.writestr(zipfile.ZipInfo(name, (2026, 3, 2, 0, 0, 0)), data, compress_type=method)
    return buffer.getvalue()


def _headers(raw, name):
    """Offsets of the local and of the central header of the member ``name``."""
    at = raw.find(CENTRAL)
    while at >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46:at + 46 + length].decode() == name:
            return struct.unpack_from("<I", raw, at + 42)[0], at
        at = raw.find(CENTRAL, at + 46)
    raise KeyError(name)


def patch_member(data, name, flags=None, method=None, size=None):
    """Rewrite flags, method or uncompressed size of a member in both its headers."""
    raw = bytearray(data)
    local, central = _headers(raw, name)
    for value, fmt, local_at, central_at in ((flags, "<H", 6, 8), (method, "<H", 8, 10), (size, "<I", 22, 24)):
        if value is not None:
            struct.pack_into(fmt, raw, local + local_at, value)
            struct.pack_into(fmt, raw, central + central_at, value)
    return bytes(raw)


def corrupt_member(data, name):
    """Overwrite the compressed bytes of a member (a deflate stream that cannot be inflated)."""
    raw = bytearray(data)
    local, central = _headers(raw, name)
    compressed = struct.unpack_from("<I", raw, central + 20)[0]
    name_len, extra_len = struct.unpack_from("<HH", raw, local + 26)
    start = local + 30 + name_len + extra_len
    raw[start:start + compressed] = b"\xff" * compressed
    return bytes(raw)


def patch_entry_count(data, count):
    """Make the end-of-central-directory record declare ``count`` entries."""
    raw = bytearray(data)
    at = raw.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", raw, at + 8, count, count)
    return bytes(raw)
