"""Zip archives from banks and users, opened without trusting them.

Limits are checked twice: against the central directory before anything is inflated, and while
each member is inflated, because declared sizes may lie: the bytes actually produced are counted.
Only stored and deflated members are read. Encrypted members, other compression methods, nested
archives, unsafe or duplicate names and empty members refuse the whole archive, so nothing of a
hostile archive is imported. Every refusal is a ``FormatError`` naming the archive and the member.
"""
import io
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from .errors import FormatError

MAX_ARCHIVE_MEMBERS = 500                     # entries in the central directory (folders included)
MAX_MEMBER_BYTES = 200 * 1024 * 1024          # one member once inflated
MAX_TOTAL_BYTES = 200 * 1024 * 1024           # all members together once inflated
MAX_COMPRESSION_RATIO = 200                   # inflated / compressed size of a member ...
RATIO_MIN_BYTES = 1024 * 1024                 # ... once it inflates to more than this (bank XML: 10-50)
MAX_NAME_LENGTH = 255
READ_CHUNK = 64 * 1024
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Signatures and extensions of archives: an archive inside an archive is refused, not unpacked.
NESTED_SIGNATURES = (*ZIP_SIGNATURES, b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")
NESTED_EXTENSIONS = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar", ".jar")
SUPPORTED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_EOCD = b"PK\x05\x06"
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# What a corrupt member can raise from zipfile/zlib: all become a FormatError naming the member.
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                OSError, ValueError, struct.error, OverflowError, KeyError, IndexError)


@dataclass(frozen=True)
class ArchiveLimits:
    """The limits an archive is held to; the defaults are the constants above."""
    members: int = MAX_ARCHIVE_MEMBERS
    member_bytes: int = MAX_MEMBER_BYTES
    total_bytes: int = MAX_TOTAL_BYTES
    ratio: int = MAX_COMPRESSION_RATIO
    ratio_min_bytes: int = RATIO_MIN_BYTES


@dataclass(frozen=True)
class ArchiveMember:
    name: str
    data: bytes


def is_zip(data, filename=""):
    """A zip by its signature, or a file that calls itself one (then it must be a valid zip)."""
    return data[:4] in ZIP_SIGNATURES or (filename or "").lower().endswith(".zip")


def _refuse(archive, member, reason):
    return FormatError([(f"member {member}" if member else "archive", reason)], archive)


def _declared_entries(data, archive):
    """Entry count of the end-of-central-directory record (zip64 aware), read before zipfile builds one
    object per entry: a central directory of millions of entries is refused without being read."""
    at = data.rfind(_EOCD, max(0, len(data) - 22 - 65535))
    if at < 0 or len(data) < at + 22:
        raise _refuse(archive, None, "not a valid zip archive (no end of central directory)")
    entries, cd_size = struct.unpack_from("<HI", data, at + 10)
    if entries != 0xFFFF and cd_size != 0xFFFFFFFF:
        return entries
    locator = at - 20
    if locator < 0 or data[locator:locator + 4] != b"PK\x06\x07":
        raise _refuse(archive, None, "not a valid zip archive (zip64 locator missing)")
    (offset,) = struct.unpack_from("<Q", data, locator + 8)
    if offset + 56 > len(data) or data[offset:offset + 4] != b"PK\x06\x06":
        raise _refuse(archive, None, "not a valid zip archive (zip64 record missing)")
    (entries,) = struct.unpack_from("<Q", data, offset + 32)
    return entries


def _check_name(archive, info, seen):
    name = info.filename
    if not name or len(name) > MAX_NAME_LENGTH or _CONTROL_RE.search(name):
        raise _refuse(archive, repr(name[:80]), "unsafe member name (empty, too long or control characters)")
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
        raise _refuse(archive, name, "unsafe member name (absolute path or '..')")
    key = posixpath.normpath(name.replace("\\", "/")).lower()
    if key in seen:
        raise _refuse(archive, name, "the archive holds two members of this name")
    seen.add(key)


def check_archive(data, archive, limits=ArchiveLimits()):
    """The checks made on the central directory, before any member is inflated; returns the open
    ``ZipFile`` and its file members."""
    count = _declared_entries(data, archive)
    if count > limits.members:
        raise _refuse(archive, None, f"{count} entries, at most {limits.members} allowed")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _READ_ERRORS as exc:
        raise _refuse(archive, None, f"not a valid zip archive ({exc})") from None
    if len(infos) > limits.members:
        raise _refuse(archive, None, f"{len(infos)} entries, at most {limits.members} allowed")
    seen, members, total = set(), [], 0
    for info in infos:
        _check_name(archive, info, seen)
        if info.is_dir():
            continue
        name = info.filename
        if info.flag_bits & 0x1:
            raise _refuse(archive, name, "encrypted members are not supported")
        if info.compress_type not in SUPPORTED_METHODS:
            raise _refuse(archive, name, f"unsupported compression method {info.compress_type} "
                                         f"(only stored and deflate)")
        if name.lower().endswith(NESTED_EXTENSIONS):
            raise _refuse(archive, name, "nested archives are not unpacked: send the files themselves")
        if info.file_size == 0:
            raise _refuse(archive, name, "empty member (0 bytes)")
        if info.file_size > limits.member_bytes:
            raise _refuse(archive, name, f"declares {info.file_size} bytes once unpacked, "
                                         f"at most {limits.member_bytes} per member")
        if info.file_size > limits.ratio_min_bytes and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise _refuse(archive, name, f"compression ratio {info.file_size // max(info.compress_size, 1)}:1 "
                                         f"exceeds {limits.ratio}:1 (zip bomb?)")
        total += info.file_size
        if total > limits.total_bytes:
            raise _refuse(archive, name, f"the members declare more than {limits.total_bytes} bytes together "
                                         f"once unpacked")
        members.append(info)
    if not members:
        raise _refuse(archive, None, "the archive holds no file")
    return zf, members


def _inflate(zf, info, archive, limits, budget):
    """One member, inflated in chunks and counted; ``budget`` is what the total limit still allows."""
    name, produced, parts = info.filename, 0, []
    cap = min(info.file_size, limits.member_bytes, budget)
    try:
        with zf.open(info) as handle:
            while True:
                chunk = handle.read(READ_CHUNK)
                if not chunk:
                    break
                produced += len(chunk)
                if produced > cap:
                    raise _refuse(archive, name, f"inflates to more than {cap} bytes (declared "
                                                 f"{info.file_size}): refused while unpacking")
                if produced > limits.ratio_min_bytes and produced > limits.ratio * max(info.compress_size, 1):
                    raise _refuse(archive, name, f"compression ratio exceeds {limits.ratio}:1 while unpacking")
                parts.append(chunk)
    except FormatError:
        raise
    except _READ_ERRORS as exc:
        raise _refuse(archive, name, f"corrupt or unreadable member ({type(exc).__name__}: {exc})") from None
    if produced != info.file_size:
        raise _refuse(archive, name, f"declares {info.file_size} bytes but holds {produced}")
    data = b"".join(parts)
    if data[:4] in NESTED_SIGNATURES or data[:3] in NESTED_SIGNATURES or data[:2] in NESTED_SIGNATURES:
        raise _refuse(archive, name, "nested archives are not unpacked: send the files themselves")
    return data


def extract_archive(data, archive, limits=ArchiveLimits()):
    """Every file member of a zip, checked and inflated within the limits; all or nothing."""
    zf, infos = check_archive(data, archive, limits)
    members, total = [], 0
    with zf:
        for info in infos:
            content = _inflate(zf, info, archive, limits, limits.total_bytes - total)
            total += len(content)
            members.append(ArchiveMember(info.filename, content))
    return members
