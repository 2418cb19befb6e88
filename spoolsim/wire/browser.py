"""The CIFS Browser Protocol [MS-BRWS] as a sans-I/O codec: frames and the datagrams carrying them.

Theory of operation
===================

Browsing lets Windows machines list the servers of a workgroup or domain without a directory.
Every server announces itself on a timer; one browser per subnet and machine group, the *local
master browser*, is elected and keeps the list; it names a few *backup browsers* that copy the
list and answer clients.  Ten frames (MS-BRWS 2.2) do all of it, each a one-byte opcode and a
little-endian body:

- ``HostAnnouncement`` (0x01, 2.2.1): a server's name, OS version, ``SvType`` bits, comment and
  ``Periodicity`` (ms until its next announcement), sent to ``<group>[0x1D]``, the master.
- ``AnnouncementRequest`` (0x02, 2.2.2): "announce yourselves"; every server answers with a
  HostAnnouncement after a random 0-30 s (3.2.5.1).
- ``RequestElection`` (0x08, 2.2.3): a vote, broadcast to ``<group>[0x1E]``: ``Criteria`` (OS
  byte, browser version 15.1, role bits), ``Uptime`` and the name; higher criteria, then longer
  uptime, then the alphabetically lower name wins (3.3.5.8).  Four unanswered votes make a master.
- ``GetBackupListRequest``/``Response`` (0x09/0x0A, 2.2.4-2.2.5): a client asks the master which
  backups to query; the ``Token`` pairs reply and request.
- ``BecomeBackup`` (0x0B, 2.2.6): the master promotes a potential browser to backup.
- ``DomainAnnouncement`` (0x0C, 2.2.7): a master tells masters of other groups (``__MSBROWSE__``).
- ``MasterAnnouncement`` (0x0D, 2.2.8): a local master reports to the domain master (the PDC).
- ``ResetStateRequest`` (0x0E, 2.2.9): the master demotes a browser.
- ``LocalMasterAnnouncement`` (0x0F, 2.2.10): the master's own periodic HostAnnouncement-shaped
  frame to all browsers (``[0x1E]``).

Framing (what :func:`encode_datagram` builds, 168 bytes plus the frame): a NetBIOS
datagram (RFC 1002 4.4.1, UDP 138, big-endian header of 14 bytes, then source and destination
names first-level encoded per RFC 1001 14.1 in 34 bytes each), carrying an SMB
``SMB_COM_TRANSACTION`` (0x25) *mailslot write* ([MS-MAIL] 2.2.1: 32-byte SMB header, 17
parameter words whose three setup words are opcode 1 = write, priority, class 2 = unreliable),
whose data bytes are the browser frame, addressed to ``\\MAILSLOT\\BROWSE`` (or ``\\LANMAN``).
Like the Windows capture in MS-BRWS 4.1 and Samba, no padding precedes the data (DataOffset 86
for a 17-byte mailslot name); the decoder honours any DataOffset [MS-MAIL] allows (0-3 pad bytes).

Choices where the sources leave room:

- Text is ASCII per the spec (1.6); we carry each byte as one Latin-1 character, so any byte
  string round-trips.  Name fields hold at most 15 characters (16 bytes with the NUL), comments
  at most 42 (43 with the NUL), and may not contain NUL.
- 16-byte name fields (``ServerName``, ``MachineGroup``) must hold a NUL; bytes after it are
  ignored (2.2.1).  ``Signature`` must be 0xAA55 in Host/LocalMasterAnnouncement (2.2.1, 2.2.10)
  and is therefore not a field; DomainAnnouncement keeps it as a field because Windows leaves it
  uninitialised (<21>).  ``UpdateCount``, ``Reserved``, ``Unused`` and the browser versions are
  carried as read, never checked (2.2.1 forbids validating the versions).
- ``RequestElection.Uptime`` is carried as the integer on the wire; the spec says seconds, Samba
  sends milliseconds.  :func:`election_criteria` builds the 2.2.3 ``Criteria`` value.
- Trailing bytes: ``strict=True`` (the default) rejects anything after the last field of a
  frame, after ``DataCount`` bytes of mailslot data, or after ``DGM_LENGTH``; ``strict=False``
  ignores them.
- NetBIOS scopes and fragmented datagrams (M flag or PACKET_OFFSET) are rejected; broadcast
  datagrams (MSG_TYPE 0x12) share the direct layout and are accepted.

Every failure, on encode or decode, is one :class:`BrowserFrameError` (a ``ValueError``) whose
message names the frame, the field as the spec spells it and, when decoding, the byte offset.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from typing import Any

import attrs


class BrowserFrameError(ValueError):
    """A browser frame or datagram that cannot be encoded or decoded; the message names the
    field (``Frame.Field``) and, when decoding, the byte offset."""


class Opcode(enum.IntEnum):
    """Browser frame opcodes (MS-BRWS 2.2)."""

    HOST_ANNOUNCEMENT = 0x01
    ANNOUNCEMENT_REQUEST = 0x02
    REQUEST_ELECTION = 0x08
    GET_BACKUP_LIST_REQUEST = 0x09
    GET_BACKUP_LIST_RESPONSE = 0x0A
    BECOME_BACKUP = 0x0B
    DOMAIN_ANNOUNCEMENT = 0x0C
    MASTER_ANNOUNCEMENT = 0x0D
    RESET_STATE_REQUEST = 0x0E
    LOCAL_MASTER_ANNOUNCEMENT = 0x0F


class SvType(enum.IntFlag):
    """Server type bits ([MS-SRVS] 2.2.2.7, [MS-RAP] 2.5.5.2.1).  0x00100000 and 0x00200000 have
    no Microsoft name (Wireshark calls them OSF and VMS); unnamed bits are kept as read."""

    SV_TYPE_WORKSTATION = 0x00000001
    SV_TYPE_SERVER = 0x00000002
    SV_TYPE_SQLSERVER = 0x00000004
    SV_TYPE_DOMAIN_CTRL = 0x00000008
    SV_TYPE_DOMAIN_BAKCTRL = 0x00000010
    SV_TYPE_TIME_SOURCE = 0x00000020
    SV_TYPE_AFP = 0x00000040
    SV_TYPE_NOVELL = 0x00000080
    SV_TYPE_DOMAIN_MEMBER = 0x00000100
    SV_TYPE_PRINTQ_SERVER = 0x00000200
    SV_TYPE_DIALIN_SERVER = 0x00000400
    SV_TYPE_XENIX_SERVER = 0x00000800
    SV_TYPE_NT = 0x00001000
    SV_TYPE_WFW = 0x00002000
    SV_TYPE_SERVER_MFPN = 0x00004000
    SV_TYPE_SERVER_NT = 0x00008000
    SV_TYPE_POTENTIAL_BROWSER = 0x00010000
    SV_TYPE_BACKUP_BROWSER = 0x00020000
    SV_TYPE_MASTER_BROWSER = 0x00040000
    SV_TYPE_DOMAIN_MASTER = 0x00080000
    SV_TYPE_WINDOWS = 0x00400000
    SV_TYPE_DFS = 0x00800000
    SV_TYPE_CLUSTER_NT = 0x01000000
    SV_TYPE_TERMINALSERVER = 0x02000000
    SV_TYPE_CLUSTER_VS_NT = 0x04000000
    SV_TYPE_DCE = 0x10000000
    SV_TYPE_ALTERNATE_XPORT = 0x20000000
    SV_TYPE_LOCAL_LIST_ONLY = 0x40000000
    SV_TYPE_DOMAIN_ENUM = 0x80000000


SV_TYPE_ALL = 0xFFFFFFFF  # an enumeration filter, not a server's type


class ResetStateType(enum.IntEnum):
    """ResetStateRequest.Type (MS-BRWS 2.2.9)."""

    RESET_STATE_STOP_MASTER = 0x01
    RESET_STATE_CLEAR_ALL = 0x02
    RESET_STATE_STOP = 0x04


class ElectionRole(enum.IntFlag):
    """Role bits of RequestElection.Criteria (MS-BRWS 2.2.3; Wireshark's names differ)."""

    BACKUP = 0x01  # a running backup browser
    DOMAIN_CONTROLLER = 0x02
    MASTER = 0x04  # a running master browser
    PREFERRED_MASTER = 0x08
    WINS_CLIENT = 0x20  # uses NBNS/WINS
    PRIMARY_DOMAIN_CONTROLLER = 0x80


CRITERIA_OS_CLIENT = 0x10000000  # Windows clients (<14>)
CRITERIA_OS_SERVER = 0x20000000  # Windows servers acting as PDC (<14>); wins more elections
CRITERIA_BROWSER_VERSION = 0x00010F00  # browser protocol 15.1, MUST (2.2.3)

SIGNATURE = 0xAA55
BROWSER_VERSION_MAJOR = 0x0F
BROWSER_VERSION_MINOR = 0x01
ELECTION_VERSION = 0x01

MAILSLOT_BROWSE = "\\MAILSLOT\\BROWSE"
MAILSLOT_LANMAN = "\\MAILSLOT\\LANMAN"
DATAGRAM_PORT = 138

# NetBIOS name suffixes used by browsing (MS-BRWS 2.1.1.1) and the all-masters group name.
SUFFIX_WORKSTATION = 0x00  # <computer>[0x00] unique, <group>[0x00] group
SUFFIX_MSBROWSE = 0x01
SUFFIX_DOMAIN_MASTER_BROWSER = 0x1B
SUFFIX_MASTER_BROWSER = 0x1D
SUFFIX_BROWSER_ELECTION = 0x1E
SUFFIX_SERVER = 0x20
MSBROWSE = "\x01\x02__MSBROWSE__\x02"  # 15 characters; with suffix 0x01 the 16-byte group name

# NetBIOS datagram MSG_TYPE (RFC 1002 4.4.1) and the FLAGS Windows sends ([MS-MAIL] <13>:
# first fragment, node type "11" = h-node).
DIRECT_UNIQUE = 0x10
DIRECT_GROUP = 0x11
BROADCAST_DATAGRAM = 0x12
WINDOWS_DATAGRAM_FLAGS = 0x0E

SMB_COM_TRANSACTION = 0x25
MAILSLOT_WRITE = 0x0001
MAILSLOT_CLASS_UNRELIABLE = 2

_NAME_MAX = 15  # characters in a name field; 16 bytes with the NUL
_COMMENT_MAX = 42  # characters in a comment; 43 bytes with the NUL
_DGM_HEADER = 14
_NBT_NAME = 34  # 0x20, 32 encoded bytes, 0x00
_SMB_HEADER = 32
_TRANS_FIXED = _SMB_HEADER + 1 + 17 * 2 + 2  # header, WordCount, 17 words, ByteCount = 69


# -- field validation (every failure is a BrowserFrameError naming Frame.Field) --


def _where(inst: object, attr: attrs.Attribute) -> str:
    return f"{type(inst).__name__}.{attr.metadata.get('spec', attr.name)}"


def _uint(bits: int) -> Any:
    def check(inst: object, attr: attrs.Attribute, value: object) -> None:
        if type(value) is bool or not isinstance(value, int) or not 0 <= value < 1 << bits:
            raise BrowserFrameError(f"{_where(inst, attr)}: {value!r} is not a {bits}-bit unsigned")

    return check


def _text(max_chars: int, *, nul: bool = False, edge_space: bool = True) -> Any:
    def check(inst: object, attr: attrs.Attribute, value: object) -> None:
        where = _where(inst, attr)
        if not isinstance(value, str):
            raise BrowserFrameError(f"{where}: {value!r} is not a str")
        if len(value) > max_chars:
            raise BrowserFrameError(f"{where}: {value!r} is longer than {max_chars} characters")
        if any(ord(c) > 0xFF for c in value):
            raise BrowserFrameError(f"{where}: {value!r} holds a character above U+00FF")
        if not nul and "\x00" in value:
            raise BrowserFrameError(f"{where}: {value!r} holds a NUL")
        if not edge_space and value.endswith(" "):
            raise BrowserFrameError(f"{where}: {value!r} ends with a space (the padding)")

    return check


def _field(spec: str, validator: Any, default: Any = attrs.NOTHING, **kw: Any) -> Any:
    return attrs.field(default=default, validator=validator, metadata={"spec": spec}, **kw)


def _server_type(value: object) -> SvType:
    if type(value) is bool or not isinstance(value, int) or not 0 <= value <= 0xFFFFFFFF:
        raise BrowserFrameError(f"ServerType: {value!r} is not a 32-bit unsigned")
    return SvType(value)


def _name_field(spec: str, **kw: Any) -> Any:
    return _field(spec, _text(_NAME_MAX), **kw)


def _u8(spec: str, default: Any = attrs.NOTHING) -> Any:
    return _field(spec, _uint(8), default)


def _u16(spec: str, default: Any = attrs.NOTHING) -> Any:
    return _field(spec, _uint(16), default)


def _u32(spec: str, default: Any = attrs.NOTHING) -> Any:
    return _field(spec, _uint(32), default)


# -- the frames (MS-BRWS 2.2.1-2.2.10) --


@attrs.frozen(kw_only=True)
class HostAnnouncement:
    """0x01: a server announces itself to the master (2.2.1)."""

    server_name: str = _name_field("ServerName")
    periodicity: int = _u32("Periodicity")  # ms until the next announcement
    server_type: SvType = attrs.field(converter=_server_type, metadata={"spec": "ServerType"})
    os_version_major: int = _u8("OSVersionMajor", 10)
    os_version_minor: int = _u8("OSVersionMinor", 0)
    comment: str = _field("Comment", _text(_COMMENT_MAX), "")
    update_count: int = _u8("UpdateCount", 0)
    browser_version_major: int = _u8("BrowserVersionMajor", BROWSER_VERSION_MAJOR)
    browser_version_minor: int = _u8("BrowserVersionMinor", BROWSER_VERSION_MINOR)


@attrs.frozen(kw_only=True)
class LocalMasterAnnouncement:
    """0x0F: the local master announces itself to all browsers of its group (2.2.10)."""

    server_name: str = _name_field("ServerName")
    periodicity: int = _u32("Periodicity")
    server_type: SvType = attrs.field(converter=_server_type, metadata={"spec": "ServerType"})
    os_version_major: int = _u8("OSVersionMajor", 10)
    os_version_minor: int = _u8("OSVersionMinor", 0)
    comment: str = _field("Comment", _text(_COMMENT_MAX), "")
    update_count: int = _u8("UpdateCount", 0)
    # 15/1 as in the Windows capture of 4.1 (<25>/<26> say Windows sends 1/15).
    browser_config_version_major: int = _u8("BrowserConfigVersionMajor", BROWSER_VERSION_MAJOR)
    browser_config_version_minor: int = _u8("BrowserConfigVersionMinor", BROWSER_VERSION_MINOR)


@attrs.frozen(kw_only=True)
class AnnouncementRequest:
    """0x02: ask the servers of a group (or its master) to announce (2.2.2)."""

    response_name: str = _name_field("ResponseName", default="")
    reserved: int = _u8("Reserved", 0)


@attrs.frozen(kw_only=True)
class RequestElection:
    """0x08: a vote in (or a call for) a master browser election (2.2.3)."""

    server_name: str = _name_field("ServerName")
    criteria: int = _u32("Criteria")
    uptime: int = _u32("Uptime")
    version: int = _u8("Version", ELECTION_VERSION)
    unused: int = _u32("Unused", 0)


@attrs.frozen(kw_only=True)
class GetBackupListRequest:
    """0x09: a client asks the master for backup browsers (2.2.4)."""

    requested_count: int = _u8("RequestedCount", 4)
    token: int = _u32("Token")


def _backup_list(inst: object, attr: attrs.Attribute, value: object) -> None:
    where = _where(inst, attr)
    if not isinstance(value, tuple) or len(value) > 0xFF:
        raise BrowserFrameError(f"{where}: need a tuple of at most 255 names, got {value!r}")
    check = _text(_NAME_MAX)
    for name in value:
        check(inst, attr, name)


@attrs.frozen(kw_only=True)
class GetBackupListResponse:
    """0x0A: the master's list of backup browsers (2.2.5); BackupServerCount is the length."""

    token: int = _u32("Token")
    backup_servers: tuple[str, ...] = _field("BackupServerList", _backup_list, (), converter=tuple)


@attrs.frozen(kw_only=True)
class BecomeBackup:
    """0x0B: the master promotes a potential browser to backup (2.2.6)."""

    browser_to_promote: str = _name_field("BrowserToPromote")


@attrs.frozen(kw_only=True)
class DomainAnnouncement:
    """0x0C: a local master announces its group to the masters of other groups (2.2.7)."""

    machine_group: str = _name_field("MachineGroup")
    local_master_browser_name: str = _name_field("LocalMasterBrowserName")
    periodicity: int = _u32("Periodicity")
    server_type: SvType = attrs.field(converter=_server_type, metadata={"spec": "ServerType"})
    browser_config_version_major: int = _u8("BrowserConfigVersionMajor", 0x03)  # Windows, <17>
    browser_config_version_minor: int = _u8("BrowserConfigVersionMinor", 0x0A)  # Windows, <18>
    browser_version_major: int = _u8("BrowserVersionMajor", BROWSER_VERSION_MAJOR)
    browser_version_minor: int = _u8("BrowserVersionMinor", BROWSER_VERSION_MINOR)
    signature: int = _u16("Signature", SIGNATURE)
    update_count: int = _u8("UpdateCount", 0)


@attrs.frozen(kw_only=True)
class MasterAnnouncement:
    """0x0D: a local master reports to the domain master browser (2.2.8)."""

    master_browser_server_name: str = _name_field("MasterBrowserServerName")


def _reset_type(value: object) -> ResetStateType:
    try:
        return ResetStateType(value)
    except ValueError:
        detail = f"ResetStateRequest.Type: {value!r} is not 0x01, 0x02 or 0x04"
        raise BrowserFrameError(detail) from None


@attrs.frozen(kw_only=True)
class ResetStateRequest:
    """0x0E: the master tells a browser to change role (2.2.9)."""

    type: ResetStateType = attrs.field(converter=_reset_type, metadata={"spec": "Type"})


Frame = (
    HostAnnouncement
    | AnnouncementRequest
    | RequestElection
    | GetBackupListRequest
    | GetBackupListResponse
    | BecomeBackup
    | DomainAnnouncement
    | MasterAnnouncement
    | ResetStateRequest
    | LocalMasterAnnouncement
)


def election_criteria(os: int = CRITERIA_OS_SERVER, role: ElectionRole | int = 0) -> int:
    """RequestElection.Criteria (2.2.3): the OS value, the browser version 15.1 and role bits.

    Args:
        os: ``CRITERIA_OS_CLIENT`` or ``CRITERIA_OS_SERVER`` (any value of the top byte).
        role: ``ElectionRole`` bits (the low byte).

    Raises:
        BrowserFrameError: ``os`` outside the top byte or ``role`` outside the low byte.
    """
    if os & ~0xFF000000 or not 0 <= os <= 0xFFFFFFFF or not 0 <= role <= 0xFF:
        raise BrowserFrameError(f"RequestElection.Criteria: os {os:#x} / role {role:#x} invalid")
    return os | CRITERIA_BROWSER_VERSION | int(role)


# -- encoding --


def _cstr(value: str) -> bytes:
    return value.encode("latin-1") + b"\x00"


def _name16(value: str) -> bytes:
    return value.encode("latin-1").ljust(16, b"\x00")


_ANNOUNCE = struct.Struct("<BBI16sBBIBBH")  # the 32 fixed bytes of 2.2.1, 2.2.7, 2.2.10


def encode_frame(frame: Frame) -> bytes:
    """The bytes of one browser frame body (the mailslot data).

    Raises:
        BrowserFrameError: ``frame`` is not a browser frame.
    """
    f: Any = frame
    if isinstance(f, HostAnnouncement | LocalMasterAnnouncement):
        host = isinstance(f, HostAnnouncement)
        op = Opcode.HOST_ANNOUNCEMENT if host else Opcode.LOCAL_MASTER_ANNOUNCEMENT
        major = f.browser_version_major if host else f.browser_config_version_major
        minor = f.browser_version_minor if host else f.browser_config_version_minor
        head = _ANNOUNCE.pack(
            op,
            f.update_count,
            f.periodicity,
            _name16(f.server_name),
            f.os_version_major,
            f.os_version_minor,
            f.server_type,
            major,
            minor,
            SIGNATURE,
        )
        return head + _cstr(f.comment)
    if isinstance(f, DomainAnnouncement):
        head = _ANNOUNCE.pack(
            Opcode.DOMAIN_ANNOUNCEMENT,
            f.update_count,
            f.periodicity,
            _name16(f.machine_group),
            f.browser_config_version_major,
            f.browser_config_version_minor,
            f.server_type,
            f.browser_version_major,
            f.browser_version_minor,
            f.signature,
        )
        return head + _cstr(f.local_master_browser_name)
    if isinstance(f, AnnouncementRequest):
        return bytes([Opcode.ANNOUNCEMENT_REQUEST, f.reserved]) + _cstr(f.response_name)
    if isinstance(f, RequestElection):
        head = struct.pack(
            "<BBIII", Opcode.REQUEST_ELECTION, f.version, f.criteria, f.uptime, f.unused
        )
        return head + _cstr(f.server_name)
    if isinstance(f, GetBackupListRequest):
        return struct.pack("<BBI", Opcode.GET_BACKUP_LIST_REQUEST, f.requested_count, f.token)
    if isinstance(f, GetBackupListResponse):
        head = struct.pack("<BBI", Opcode.GET_BACKUP_LIST_RESPONSE, len(f.backup_servers), f.token)
        return head + b"".join(_cstr(name) for name in f.backup_servers)
    if isinstance(f, BecomeBackup):
        return bytes([Opcode.BECOME_BACKUP]) + _cstr(f.browser_to_promote)
    if isinstance(f, MasterAnnouncement):
        return bytes([Opcode.MASTER_ANNOUNCEMENT]) + _cstr(f.master_browser_server_name)
    if isinstance(f, ResetStateRequest):
        return bytes([Opcode.RESET_STATE_REQUEST, f.type])
    raise BrowserFrameError(f"Frame: {type(frame).__name__} is not a browser frame")


# -- decoding --


class _Reader:
    """Reads fields of ``what`` from ``data[pos:end]``; offsets in errors count from ``base``
    (the start of the outermost buffer)."""

    def __init__(self, data: bytes, what: str, *, pos: int = 0, end: int | None = None) -> None:
        self.data, self.what, self.pos = data, what, pos
        self.end = len(data) if end is None else end

    def fail(self, field: str, detail: str, at: int | None = None) -> BrowserFrameError:
        at = self.pos if at is None else at
        return BrowserFrameError(f"{self.what}.{field}: {detail} at offset {at}")

    def take(self, field: str, n: int) -> bytes:
        have = self.end - self.pos
        if have < n:
            raise BrowserFrameError(
                f"{self.what}.{field}: need {n} bytes at offset {self.pos}, have {have}"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def uint(self, field: str, n: int, *, big: bool = False) -> int:
        return int.from_bytes(self.take(field, n), "big" if big else "little")

    def name16(self, field: str) -> str:
        at = self.pos
        raw = self.take(field, 16)
        nul = raw.find(0)
        if nul < 0:
            raise self.fail(field, "16-byte name holds no NUL terminator", at)
        return raw[:nul].decode("latin-1")

    def cstring(self, field: str, max_chars: int) -> str:
        at = self.pos
        limit = min(self.end, at + max_chars + 1)
        nul = self.data.find(0, at, limit)
        if nul < 0:
            if limit == self.end and self.end - at <= max_chars:
                raise self.fail(field, "no NUL terminator before the end of data", at)
            raise self.fail(field, f"longer than {max_chars + 1} bytes with the NUL", at)
        self.pos = nul + 1
        return self.data[at:nul].decode("latin-1")

    def finish(self, strict: bool) -> None:
        if strict and self.pos != self.end:
            raise BrowserFrameError(
                f"{self.what}: {self.end - self.pos} trailing bytes at offset {self.pos}"
            )


def _signature(r: _Reader) -> None:
    at = r.pos
    value = r.uint("Signature", 2)
    if value != SIGNATURE:
        raise r.fail("Signature", f"0x{value:04X} is not 0xAA55", at)


def _decode_announcement(r: _Reader, op: int) -> Frame:
    update_count = r.uint("UpdateCount", 1)
    periodicity = r.uint("Periodicity", 4)
    if op == Opcode.DOMAIN_ANNOUNCEMENT:
        group = r.name16("MachineGroup")
        cfg_major, cfg_minor = (
            r.uint("BrowserConfigVersionMajor", 1),
            r.uint("BrowserConfigVersionMinor", 1),
        )
        server_type = r.uint("ServerType", 4)
        major, minor = r.uint("BrowserVersionMajor", 1), r.uint("BrowserVersionMinor", 1)
        signature = r.uint("Signature", 2)
        return DomainAnnouncement(
            machine_group=group,
            local_master_browser_name=r.cstring("LocalMasterBrowserName", _NAME_MAX),
            periodicity=periodicity,
            server_type=server_type,
            browser_config_version_major=cfg_major,
            browser_config_version_minor=cfg_minor,
            browser_version_major=major,
            browser_version_minor=minor,
            signature=signature,
            update_count=update_count,
        )
    host = op == Opcode.HOST_ANNOUNCEMENT
    name = r.name16("ServerName")
    os_major, os_minor = r.uint("OSVersionMajor", 1), r.uint("OSVersionMinor", 1)
    server_type = r.uint("ServerType", 4)
    prefix = "BrowserVersion" if host else "BrowserConfigVersion"
    major, minor = r.uint(prefix + "Major", 1), r.uint(prefix + "Minor", 1)
    _signature(r)
    comment = r.cstring("Comment", _COMMENT_MAX)
    common = dict(
        server_name=name,
        periodicity=periodicity,
        server_type=server_type,
        os_version_major=os_major,
        os_version_minor=os_minor,
        comment=comment,
        update_count=update_count,
    )
    if host:
        return HostAnnouncement(**common, browser_version_major=major, browser_version_minor=minor)
    return LocalMasterAnnouncement(
        **common, browser_config_version_major=major, browser_config_version_minor=minor
    )


def _decode_body(r: _Reader, op: int) -> Frame:
    if op in (
        Opcode.HOST_ANNOUNCEMENT,
        Opcode.LOCAL_MASTER_ANNOUNCEMENT,
        Opcode.DOMAIN_ANNOUNCEMENT,
    ):
        return _decode_announcement(r, op)
    if op == Opcode.ANNOUNCEMENT_REQUEST:
        reserved = r.uint("Reserved", 1)
        return AnnouncementRequest(
            reserved=reserved, response_name=r.cstring("ResponseName", _NAME_MAX)
        )
    if op == Opcode.REQUEST_ELECTION:
        version, criteria = r.uint("Version", 1), r.uint("Criteria", 4)
        uptime, unused = r.uint("Uptime", 4), r.uint("Unused", 4)
        return RequestElection(
            version=version,
            criteria=criteria,
            uptime=uptime,
            unused=unused,
            server_name=r.cstring("ServerName", _NAME_MAX),
        )
    if op == Opcode.GET_BACKUP_LIST_REQUEST:
        count = r.uint("RequestedCount", 1)
        return GetBackupListRequest(requested_count=count, token=r.uint("Token", 4))
    if op == Opcode.GET_BACKUP_LIST_RESPONSE:
        count, token = r.uint("BackupServerCount", 1), r.uint("Token", 4)
        names = tuple(r.cstring("BackupServerList", _NAME_MAX) for _ in range(count))
        return GetBackupListResponse(token=token, backup_servers=names)
    if op == Opcode.BECOME_BACKUP:
        return BecomeBackup(browser_to_promote=r.cstring("BrowserToPromote", _NAME_MAX))
    if op == Opcode.MASTER_ANNOUNCEMENT:
        name = r.cstring("MasterBrowserServerName", _NAME_MAX)
        return MasterAnnouncement(master_browser_server_name=name)
    at = r.pos
    value = r.uint("Type", 1)
    if value not in ResetStateType._value2member_map_:
        raise r.fail("Type", f"0x{value:02X} is not 0x01, 0x02 or 0x04", at)
    return ResetStateRequest(type=value)


def _decode_frame(data: bytes, *, pos: int, end: int, strict: bool) -> Frame:
    r = _Reader(data, "Frame", pos=pos, end=end)
    op = r.uint("Opcode", 1)
    try:
        r.what = Opcode(op).name.title().replace("_", "")
    except ValueError:
        raise r.fail("Opcode", f"0x{op:02X} is not a browser opcode", pos) from None
    frame = _decode_body(r, op)
    r.finish(strict)
    return frame


def decode_frame(data: bytes, *, strict: bool = True) -> Frame:
    """One browser frame from its bytes (the mailslot data).

    Args:
        data: The frame body, opcode first.
        strict: Reject bytes after the frame's last field (else ignore them).

    Raises:
        BrowserFrameError: unknown opcode, truncated or malformed field, bad Signature, or
            trailing bytes; the message names the field and its offset.
    """
    data = bytes(data)
    return _decode_frame(data, pos=0, end=len(data), strict=strict)


# -- datagrams: NetBIOS (RFC 1002 4.4) + SMB_COM_TRANSACTION mailslot write ([MS-MAIL] 2.2.1) --


def _netbios_name(spec: str) -> Any:
    return _field(spec, _text(_NAME_MAX, nul=True, edge_space=False))


def _ipv4(value: object) -> str:
    try:
        return str(ipaddress.IPv4Address(value))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise BrowserFrameError(f"Datagram.SOURCE_IP: {value!r} is not an IPv4 address") from None


def _mailslot_name(inst: object, attr: attrs.Attribute, value: object) -> None:
    _text(255)(inst, attr, value)
    assert isinstance(value, str)
    if not value.upper().startswith("\\MAILSLOT\\") or len(value) <= len("\\MAILSLOT\\"):
        raise BrowserFrameError(f"{_where(inst, attr)}: {value!r} is not \\MAILSLOT\\<name>")


def _frame_check(inst: object, attr: attrs.Attribute, value: object) -> None:
    if not isinstance(value, Frame):
        raise BrowserFrameError(f"Datagram.frame: {value!r} is not a browser frame")


def _msg_type(inst: object, attr: attrs.Attribute, value: object) -> None:
    if value not in (DIRECT_UNIQUE, DIRECT_GROUP, BROADCAST_DATAGRAM) or type(value) is bool:
        raise BrowserFrameError(f"Datagram.MSG_TYPE: {value!r} is not 0x10, 0x11 or 0x12")


def _flags(inst: object, attr: attrs.Attribute, value: object) -> None:
    _uint(8)(inst, attr, value)
    assert isinstance(value, int)
    if value & 0x01:
        raise BrowserFrameError(f"Datagram.FLAGS: 0x{value:02X} sets M (fragments unsupported)")


@attrs.frozen(kw_only=True)
class Datagram:
    """A browser frame as it travels: NetBIOS datagram, SMB mailslot write, frame."""

    msg_type: int = _field("MSG_TYPE", _msg_type)
    source: str = _netbios_name("SOURCE_NAME")
    source_suffix: int = _u8("SOURCE_NAME suffix")
    destination: str = _netbios_name("DESTINATION_NAME")
    dest_suffix: int = _u8("DESTINATION_NAME suffix")
    mailslot: str = _field("MailslotName", _mailslot_name)
    frame: Frame = attrs.field(validator=_frame_check)
    flags: int = _field("FLAGS", _flags, WINDOWS_DATAGRAM_FLAGS)
    datagram_id: int = _u16("DGM_ID", 0)
    source_ip: str = _field("SOURCE_IP", None, "0.0.0.0", converter=_ipv4)
    source_port: int = _u16("SOURCE_PORT", DATAGRAM_PORT)
    priority: int = _u16("Priority", 0)
    mailslot_class: int = _u16("Class", MAILSLOT_CLASS_UNRELIABLE)

    @property
    def group(self) -> bool:
        """True when sent to a group name (DIRECT_GROUP or BROADCAST)."""
        return self.msg_type != DIRECT_UNIQUE


def _encode_nbt_name(name: str, suffix: int) -> bytes:
    """RFC 1001 14.1 first-level encoding: 16 bytes, each nibble + 'A', as a 32-byte label."""
    raw = name.encode("latin-1").ljust(_NAME_MAX, b" ") + bytes([suffix])
    body = bytes(0x41 + (b >> 4 if i % 2 == 0 else b & 0x0F) for b in raw for i in range(2))
    return b"\x20" + body + b"\x00"


def _decode_nbt_name(r: _Reader, field: str) -> tuple[str, int]:
    at = r.pos
    raw = r.take(field, _NBT_NAME)
    if raw[0] != 0x20:
        raise r.fail(field, f"label length 0x{raw[0]:02X} is not 0x20", at)
    if raw[33] != 0:
        raise r.fail(field, "scope labels are not supported", at + 33)
    out = bytearray()
    for i in range(1, 33, 2):
        hi, lo = raw[i] - 0x41, raw[i + 1] - 0x41
        if not (0 <= hi <= 15 and 0 <= lo <= 15):
            bad = i if not 0 <= hi <= 15 else i + 1
            raise r.fail(field, f"0x{raw[bad]:02X} is not a first-level encoded 'A'-'P'", at + bad)
        out.append(hi << 4 | lo)
    return out[:_NAME_MAX].rstrip(b" ").decode("latin-1"), out[_NAME_MAX]


_DGM_HEAD = struct.Struct(">BBH4sHHH")
_TRANS_WORDS = struct.Struct("<BHHHHBBHIHHHHHBBHHHH")  # WordCount .. Setup[2], ByteCount


def _encode(dg: Datagram) -> bytes:
    frame = encode_frame(dg.frame)
    name = _cstr(dg.mailslot)
    data_offset = _TRANS_FIXED + len(name)
    if data_offset + len(frame) > 0xFFFF - 2 * _NBT_NAME:
        raise BrowserFrameError(f"Datagram.DGM_LENGTH: {len(frame)}-byte frame does not fit")
    words = (
        17, 0, len(frame), 0, 0, 0, 0,  # WordCount, Total*, Max*, MaxSetupCount, Reserved
        0, 1000, 0,  # Flags, Timeout (1000 ms as in MS-BRWS 4.1), Reserved2
        0, 0, len(frame), data_offset,  # ParameterCount/Offset, DataCount/Offset
        3, 0, MAILSLOT_WRITE, dg.priority, dg.mailslot_class,  # SetupCount, Reserved3, Setup
        len(name) + len(frame),  # ByteCount
    )  # fmt: skip
    trans = _TRANS_WORDS.pack(*words)
    smb = b"\xffSMB" + bytes([SMB_COM_TRANSACTION]) + bytes(27) + trans + name + frame
    names = _encode_nbt_name(dg.source, dg.source_suffix) + _encode_nbt_name(
        dg.destination, dg.dest_suffix
    )
    head = _DGM_HEAD.pack(
        dg.msg_type,
        dg.flags,
        dg.datagram_id,
        ipaddress.IPv4Address(dg.source_ip).packed,
        dg.source_port,
        len(names) + len(smb),
        0,
    )
    return head + names + smb


def encode_datagram(
    frame: Frame,
    *,
    source: str,
    destination: str,
    dest_suffix: int,
    group: bool,
    source_ip: str = "0.0.0.0",
    datagram_id: int = 0,
    mailslot: str = MAILSLOT_BROWSE,
    source_suffix: int = SUFFIX_WORKSTATION,
    flags: int = WINDOWS_DATAGRAM_FLAGS,
    priority: int = 0,
) -> bytes:
    """The UDP payload (port 138) that carries ``frame``: NetBIOS datagram, SMB mailslot write.

    Args:
        frame: The browser frame.
        source: Sender's NetBIOS name (at most 15 characters; padded with spaces on the wire).
        destination: Target NetBIOS name, e.g. the group, or ``MSBROWSE`` with suffix 0x01.
        dest_suffix: 16th byte of the target name (``SUFFIX_MASTER_BROWSER`` = 0x1D, ...).
        group: DIRECT_GROUP (0x11) if the target is a group name, else DIRECT_UNIQUE (0x10).
        source_ip: SOURCE_IP of the datagram header.
        datagram_id: DGM_ID.
        mailslot: ``MAILSLOT_BROWSE`` or ``MAILSLOT_LANMAN``.
        source_suffix: 16th byte of the sender's name (0x00, the workstation name).
        flags: Datagram FLAGS; Windows sends 0x0E (first fragment, h-node).
        priority: Mailslot priority 0-9 (receivers ignore it).

    Raises:
        BrowserFrameError: a field cannot be represented (names the field).
    """
    dg = Datagram(
        msg_type=DIRECT_GROUP if group else DIRECT_UNIQUE,
        source=source,
        source_suffix=source_suffix,
        destination=destination,
        dest_suffix=dest_suffix,
        mailslot=mailslot,
        frame=frame,
        flags=flags,
        datagram_id=datagram_id,
        source_ip=source_ip,
        priority=priority,
    )
    return _encode(dg)


def datagram_length(frame: Frame, *, mailslot: str = MAILSLOT_BROWSE) -> int:
    """``len(encode_datagram(frame, ...))`` without building it: 151 + mailslot + NUL + frame."""
    return _DGM_HEADER + 2 * _NBT_NAME + _TRANS_FIXED + len(mailslot) + 1 + len(encode_frame(frame))


def decode_datagram(data: bytes, *, strict: bool = True) -> Datagram:
    """A browser datagram (UDP payload) back into its parts.

    Args:
        data: NetBIOS datagram bytes.
        strict: Reject bytes beyond DGM_LENGTH, beyond the mailslot data, a ByteCount or
            TotalDataCount that disagrees, and trailing bytes after the frame (else ignore them).

    Raises:
        BrowserFrameError: malformed header, name, SMB or frame; the message names the field and
            its offset from the start of ``data``.
    """
    data = bytes(data)
    r = _Reader(data, "Datagram")
    msg_type = r.uint("MSG_TYPE", 1)
    if msg_type not in (DIRECT_UNIQUE, DIRECT_GROUP, BROADCAST_DATAGRAM):
        raise r.fail("MSG_TYPE", f"0x{msg_type:02X} is not 0x10, 0x11 or 0x12", 0)
    flags = r.uint("FLAGS", 1)
    if flags & 0x01:
        raise r.fail("FLAGS", f"0x{flags:02X} sets M (fragments are not supported)", 1)
    dgm_id = r.uint("DGM_ID", 2, big=True)
    source_ip = str(ipaddress.IPv4Address(r.take("SOURCE_IP", 4)))
    source_port = r.uint("SOURCE_PORT", 2, big=True)
    length = r.uint("DGM_LENGTH", 2, big=True)
    offset = r.uint("PACKET_OFFSET", 2, big=True)
    if offset:
        raise r.fail("PACKET_OFFSET", f"{offset} (fragments are not supported)", 12)
    have = len(data) - _DGM_HEADER
    if length > have:
        raise r.fail("DGM_LENGTH", f"says {length} bytes follow the header, have {have}", 10)
    if strict and length < have:
        raise BrowserFrameError(
            f"Datagram: {have - length} trailing bytes after DGM_LENGTH at offset "
            f"{_DGM_HEADER + length}"
        )
    r.end = _DGM_HEADER + length
    source, source_suffix = _decode_nbt_name(r, "SOURCE_NAME")
    destination, dest_suffix = _decode_nbt_name(r, "DESTINATION_NAME")

    smb = r.pos
    r.what = "SMB"
    at = r.pos
    if r.take("Protocol", 4) != b"\xffSMB":
        raise r.fail("Protocol", "not FF 53 4D 42", at)
    command = r.uint("Command", 1)
    if command != SMB_COM_TRANSACTION:
        raise r.fail("Command", f"0x{command:02X} is not SMB_COM_TRANSACTION (0x25)", at + 4)
    r.take("Header", _SMB_HEADER - 5)
    r.what = "SMB_COM_TRANSACTION"
    word_count = r.uint("WordCount", 1)
    if word_count != 17:
        raise r.fail("WordCount", f"{word_count} is not 17 (a mailslot write)", r.pos - 1)
    r.uint("TotalParameterCount", 2)
    total_data = r.uint("TotalDataCount", 2)
    r.take("MaxParameterCount..Reserved2", 2 + 2 + 1 + 1 + 2 + 4 + 2)
    r.uint("ParameterCount", 2)
    r.uint("ParameterOffset", 2)
    data_count = r.uint("DataCount", 2)
    data_offset = r.uint("DataOffset", 2)
    setup_count = r.uint("SetupCount", 1)
    if setup_count != 3:
        raise r.fail("SetupCount", f"{setup_count} is not 3", r.pos - 1)
    r.uint("Reserved3", 1)
    opcode = r.uint("MailSlotOpcode", 2)
    if opcode != MAILSLOT_WRITE:
        raise r.fail("MailSlotOpcode", f"0x{opcode:04X} is not 0x0001 (write)", r.pos - 2)
    priority, mailslot_class = r.uint("Priority", 2), r.uint("Class", 2)
    byte_count = r.uint("ByteCount", 2)
    bytes_at = r.pos
    mailslot = r.cstring("MailslotName", 255)
    if not mailslot.upper().startswith("\\MAILSLOT\\") or len(mailslot) <= 10:
        raise r.fail("MailslotName", f"{mailslot!r} is not \\MAILSLOT\\<name>", bytes_at)
    start = smb + data_offset
    if not r.pos <= start <= r.pos + 3:
        raise r.fail("DataOffset", f"{data_offset} does not follow the mailslot name", smb + 57)
    if start + data_count > r.end:
        raise BrowserFrameError(
            f"SMB_COM_TRANSACTION.DataCount: need {data_count} bytes at offset {start}, "
            f"have {r.end - start}"
        )
    if strict:
        if total_data != data_count:
            detail = f"{total_data} differs from DataCount {data_count}"
            raise r.fail("TotalDataCount", detail, smb + 35)
        if byte_count != start + data_count - bytes_at:
            raise r.fail("ByteCount", f"{byte_count} does not match the data", smb + 67)
        if start + data_count != r.end:
            raise BrowserFrameError(
                f"SMB_COM_TRANSACTION: {r.end - start - data_count} trailing bytes at offset "
                f"{start + data_count}"
            )
    frame = _decode_frame(data, pos=start, end=start + data_count, strict=strict)
    return Datagram(
        msg_type=msg_type,
        source=source,
        source_suffix=source_suffix,
        destination=destination,
        dest_suffix=dest_suffix,
        mailslot=mailslot,
        frame=frame,
        flags=flags,
        datagram_id=dgm_id,
        source_ip=source_ip,
        source_port=source_port,
        priority=priority,
        mailslot_class=mailslot_class,
    )
