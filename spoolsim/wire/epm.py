"""The DCE/RPC endpoint mapper (C706 appendices I, L and O; MS-RPCE 2.2.1.2.x), NDR stubs only.

Theory of operation
===================

A client that knows an interface but not its TCP port connects to port 135, binds the endpoint
mapper interface (:data:`EPM`, e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0) and calls ``ept_map``
(opnum 3) with a *tower* describing what it wants: the interface, the transfer syntax and the
protocol stack with the endpoint left blank (port 0, host 0.0.0.0).  The answer is the same tower
with the endpoint filled in.  ``ept_lookup`` (opnum 2) lists every registered tower (``rpcdump``),
``ept_lookup_handle_free`` (opnum 4) drops a lookup's continuation handle.  The PDUs carrying these
stubs are ``spoolsim.wire.dcerpc``'s; :func:`answer` turns one request stub into its response
stub and knows nothing of sockets.

A tower (``twr_t``'s octets, :class:`Tower`) is a little-endian ``uint16`` floor count, then each
floor as ``uint16`` LHS length, LHS octets, ``uint16`` RHS length, RHS octets, no alignment.  An
``ncacn_ip_tcp`` tower has five floors (C706 appendix L, protocol ids from appendix I)::

    1  0x0d + interface UUID (DCE little-endian) + major version (u16 LE) | minor version (u16 LE)
    2  0x0d + transfer syntax UUID + major version                          | minor version
    3  0x0b (connection-oriented RPC; 0x0a connectionless)                  | minor version 0
    4  0x07 (TCP; 0x08 UDP for connectionless)                              | port, big-endian
    5  0x09 (IP)                                                            | IPv4 address, 4 octets

In NDR (little-endian only, as ``dcerpc`` accepts nothing else) a ``twr_t`` is a conformant
struct: the array's max count hoisted to the front, then ``tower_length``, then the octets, both
counts equal (Samba's IDL writes it as ``tower_length`` plus a 4-octet subcontext length: the same
bytes).  The ``towers`` / ``entries`` out-arrays are conformant varying: max count (the request's
``max_towers`` / ``max_ents``, which Samba's client checks), offset 0, actual count, the elements
(for towers, unique-pointer referent ids), then the deferred ``twr_t`` referents, each 4-aligned.

What we register is a mapping ``(interface UUID, major version) -> (host, port)``.  ``ept_map``
answers when the request's tower is ``ncacn_ip_tcp`` and its interface is in the mapping: one tower
echoing the request's interface and transfer syntax floors, with the mapped host (whatever host the
request named: the caller passes the address the client reached; the floor holds IPv4 only, so
an IPv6 address other than v4-mapped is sent as 0.0.0.0) and port.  Anything else
(unknown interface or major version, another protocol stack, ``max_towers`` 0) gets zero towers and
:data:`EPT_S_NOT_REGISTERED`, as Windows and Samba answer.  The object UUID is read and ignored:
nothing here registers objects (rpcclient 4.17 sends a null pointer, Samba 3.6 the interface
UUID, impacket a nil UUID).
Octets after the last parameter are ignored, as Samba's server does.

``ept_lookup`` returns the registered towers in mapping order, minor version 0, nil object, empty
annotation, filtered by ``inquiry_type`` / ``vers_option`` (C706 appendix O).  A full page
(``max_ents`` entries) carries a continuation handle that encodes the next index (so no server
state); a short page carries the null handle; a call past the end gets zero entries,
:data:`EPT_S_NOT_REGISTERED` and the null handle.  Both clients' loops end: impacket's
``hept_lookup`` asks for 500 and stops at the null handle, Samba's ``rpcclient epmlookup`` asks
for one at a time and stops at the status.

Errors: a stub that is not a valid request raises :class:`EpmError`, whose ``status`` is the fault
the server sends (``nca_s_fault_ndr``, or ``nca_s_fault_context_mismatch`` for a lookup handle
we did not issue); :class:`EpmUnknownOpnum` (``nca_s_op_rng_error``) for an opnum other than 2,
3 or 4.  Nothing else escapes :func:`answer`, whatever the stub.
"""

from __future__ import annotations

import ipaddress
import struct
import uuid
from collections.abc import Mapping

import attrs

from spoolsim.wire import dcerpccodes as c

EPM = (uuid.UUID("e1af8308-5d1f-11c9-91a4-08002b14a0fa"), 3, 0)
EPM_PORT = 135

# Opnums (C706 appendix O); 0, 1 and 5-7 (insert, delete, inq_object, mgmt_delete, map_auth)
# are not served remotely here.
EPT_LOOKUP = 2
EPT_MAP = 3
EPT_LOOKUP_HANDLE_FREE = 4

EPT_S_NOT_REGISTERED = 0x16C9A0D6  # Samba: EPMAPPER_STATUS_NO_MORE_ENTRIES

# Tower floor protocol identifiers (C706 appendix I).
PROT_TCP = 0x07
PROT_UDP = 0x08
PROT_IP = 0x09
PROT_NCADG = 0x0A  # connectionless RPC
PROT_NCACN = 0x0B  # connection-oriented RPC
PROT_UUID = 0x0D
_TRANSPORT = {PROT_NCACN: PROT_TCP, PROT_NCADG: PROT_UDP}
_NAMES = {PROT_NCACN: "ncacn_ip_tcp", PROT_NCADG: "ncadg_ip_udp"}

# ept_lookup inquiry_type and vers_option (C706 appendix O).
RPC_C_EP_ALL_ELTS = 0
RPC_C_EP_MATCH_BY_IF = 1
RPC_C_EP_MATCH_BY_OBJ = 2
RPC_C_EP_MATCH_BY_BOTH = 3
RPC_C_VERS_ALL = 1
RPC_C_VERS_COMPATIBLE = 2
RPC_C_VERS_EXACT = 3
RPC_C_VERS_MAJOR_ONLY = 4
RPC_C_VERS_UPTO = 5
_NIL = uuid.UUID(int=0)
_NULL_HANDLE = bytes(20)
_HANDLE_TAG = b"spoolsim-ep"  # continuation handle: u32 attributes 0, tag, 0x01, u32 next index

SyntaxTuple = tuple[uuid.UUID, int, int]


class EpmError(Exception):
    """A request stub that cannot be answered: ``detail`` names the call and field, ``status``
    is the fault status the server replies with."""

    def __init__(self, detail: str, status: int = c.NCA_S_FAULT_NDR) -> None:
        super().__init__(detail)
        self.detail, self.status = detail, status


class EpmUnknownOpnum(EpmError):
    """An opnum the endpoint mapper does not serve (fault ``nca_s_op_rng_error``)."""

    def __init__(self, opnum: int) -> None:
        super().__init__(f"endpoint mapper: opnum {opnum} not served", c.NCA_S_OP_RNG_ERROR)
        self.opnum = opnum


def _check_syntax(_inst: object, attr: attrs.Attribute, value: SyntaxTuple) -> None:
    u, major, minor = value
    if not isinstance(u, uuid.UUID) or not (0 <= major <= 0xFFFF and 0 <= minor <= 0xFFFF):
        raise ValueError(f"Tower.{attr.name}: {value!r} is not (UUID, u16, u16)")


def _check_host(_inst: object, _attr: attrs.Attribute, value: str) -> None:
    ipaddress.IPv4Address(value)  # raises ValueError naming the value


@attrs.frozen
class Tower:
    """An ``ncacn_ip_tcp`` (``protocol`` 0x0b) or ``ncadg_ip_udp`` (0x0a) protocol tower."""

    interface: SyntaxTuple = attrs.field(validator=_check_syntax)
    transfer: SyntaxTuple = attrs.field(default=c.NDR, validator=_check_syntax)
    protocol: int = attrs.field(default=PROT_NCACN, validator=attrs.validators.in_(_TRANSPORT))
    port: int = attrs.field(
        default=0, validator=[attrs.validators.ge(0), attrs.validators.le(0xFFFF)]
    )
    host: str = attrs.field(default="0.0.0.0", validator=_check_host)

    @property
    def binding(self) -> str:
        """The string binding, e.g. ``ncacn_ip_tcp:10.0.0.5[49152]``."""
        return f"{_NAMES[self.protocol]}:{self.host}[{self.port}]"

    def encode(self) -> bytes:
        """The tower octets (``twr_t.tower_octet_string``): floor count, then five floors."""
        floors = [
            _uuid_floor(self.interface),
            _uuid_floor(self.transfer),
            _floor(bytes([self.protocol]), b"\x00\x00"),
            _floor(bytes([_TRANSPORT[self.protocol]]), struct.pack(">H", self.port)),
            _floor(bytes([PROT_IP]), ipaddress.IPv4Address(self.host).packed),
        ]
        return struct.pack("<H", len(floors)) + b"".join(floors)

    @classmethod
    def decode(cls, data: bytes) -> Tower:
        """Parse tower octets; raises :class:`EpmError` naming the floor and field."""
        return cls._from_floors(_split_floors(data))

    @classmethod
    def _from_floors(cls, floors: list[tuple[bytes, bytes]]) -> Tower:
        if len(floors) != 5:
            raise EpmError(f"tower: {len(floors)} floors, an IP tower has 5")
        interface = _parse_uuid_floor(floors[0], 1)
        transfer = _parse_uuid_floor(floors[1], 2)
        protocol = _floor_id(floors[2], 3, tuple(_TRANSPORT))
        _floor_rhs(floors[2], 3, 2, "minor version")
        _floor_id(floors[3], 4, (_TRANSPORT[protocol],))
        (port,) = struct.unpack(">H", _floor_rhs(floors[3], 4, 2, "port"))
        _floor_id(floors[4], 5, (PROT_IP,))
        host = str(ipaddress.IPv4Address(_floor_rhs(floors[4], 5, 4, "IPv4 address")))
        return cls(interface, transfer, protocol, port, host)


def _floor(lhs: bytes, rhs: bytes) -> bytes:
    return struct.pack("<H", len(lhs)) + lhs + struct.pack("<H", len(rhs)) + rhs


def _uuid_floor(syntax: SyntaxTuple) -> bytes:
    u, major, minor = syntax
    return _floor(
        bytes([PROT_UUID]) + u.bytes_le + struct.pack("<H", major), struct.pack("<H", minor)
    )


def _split_floors(data: bytes) -> list[tuple[bytes, bytes]]:
    if len(data) < 2:
        raise EpmError(f"tower: floor count needs 2 octets, the tower has {len(data)}")
    (count,) = struct.unpack_from("<H", data)
    pos, floors = 2, []
    for n in range(1, count + 1):
        sides = []
        for side in ("LHS", "RHS"):
            if pos + 2 > len(data):
                raise EpmError(f"tower: floor {n}: {side} length runs past the tower's end")
            (length,) = struct.unpack_from("<H", data, pos)
            if pos + 2 + length > len(data):
                raise EpmError(f"tower: floor {n}: {side} of {length} octets runs past the end")
            sides.append(data[pos + 2 : pos + 2 + length])
            pos += 2 + length
        floors.append((sides[0], sides[1]))
    if pos != len(data):
        raise EpmError(f"tower: {len(data) - pos} octets after floor {count}")
    return floors


def _floor_id(floor: tuple[bytes, bytes], n: int, allowed: tuple[int, ...]) -> int:
    lhs = floor[0]
    if len(lhs) != 1 or lhs[0] not in allowed:
        want = " or ".join(f"0x{a:02x}" for a in allowed)
        raise EpmError(f"tower: floor {n}: protocol id {lhs.hex() or 'missing'}, expected {want}")
    return lhs[0]


def _floor_rhs(floor: tuple[bytes, bytes], n: int, size: int, field: str) -> bytes:
    if len(floor[1]) != size:
        raise EpmError(f"tower: floor {n}: {field} has {len(floor[1])} octets, expected {size}")
    return floor[1]


def _parse_uuid_floor(floor: tuple[bytes, bytes], n: int) -> SyntaxTuple:
    lhs = floor[0]
    if len(lhs) != 19 or lhs[0] != PROT_UUID:
        raise EpmError(f"tower: floor {n}: LHS is not 0x0d + UUID + major version (19 octets)")
    (minor,) = struct.unpack("<H", _floor_rhs(floor, n, 2, "minor version"))
    return uuid.UUID(bytes_le=lhs[1:17]), struct.unpack("<H", lhs[17:])[0], minor


# --- NDR ---------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, call: str, data: bytes) -> None:
        self.call, self.data, self.pos = call, data, 0

    def take(self, n: int, field: str) -> bytes:
        if self.pos + n > len(self.data):
            left = len(self.data) - self.pos
            raise EpmError(f"{self.call}: {field}: needs {n} octets, {left} left in the stub")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def u32(self, field: str) -> int:
        self.pos += -self.pos % 4
        return struct.unpack("<I", self.take(4, field))[0]

    def uuid_ptr(self, field: str) -> uuid.UUID | None:
        if not self.u32(f"{field} pointer"):
            return None
        return uuid.UUID(bytes_le=self.take(16, field))

    def handle(self) -> bytes:
        self.pos += -self.pos % 4
        return self.take(20, "entry_handle")


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray()

    def align(self) -> None:
        self.out += bytes(-len(self.out) % 4)

    def u32(self, *values: int) -> None:
        self.align()
        self.out += struct.pack(f"<{len(values)}I", *values)

    def raw(self, data: bytes) -> None:
        self.out += data

    def twr(self, octets: bytes) -> None:  # twr_t: max count, tower_length, octets
        self.u32(len(octets), len(octets))
        self.out += octets


def answer(
    opnum: int, stub: bytes, endpoints: Mapping[tuple[uuid.UUID, int], tuple[str, int]]
) -> bytes:
    """The response stub to one endpoint mapper request stub.

    Args:
        opnum: the request's opnum.
        stub: the request's NDR stub (little-endian).
        endpoints: (interface UUID, major version) -> (host, TCP port) of what we serve; the
            host is the address the client reached (IPv4; a v4-mapped IPv6 address is
            unwrapped, any other becomes 0.0.0.0, as the IP floor holds IPv4 only).

    Returns:
        The response stub; "not found" is a status inside it, not an exception.

    Raises:
        EpmUnknownOpnum: opnum is not 2, 3 or 4.
        EpmError: the stub is not a valid request (``status`` is the fault to send).
    """
    if opnum == EPT_MAP:
        return _ept_map(_Reader("ept_map", stub), endpoints)
    if opnum == EPT_LOOKUP:
        return _ept_lookup(_Reader("ept_lookup", stub), endpoints)
    if opnum == EPT_LOOKUP_HANDLE_FREE:
        _Reader("ept_lookup_handle_free", stub).handle()
        return _NULL_HANDLE + struct.pack("<I", 0)
    raise EpmUnknownOpnum(opnum)


def _read_twr(r: _Reader, field: str) -> bytes:
    max_count = r.u32(f"{field} max count")
    length = r.u32(f"{field}.tower_length")
    if max_count != length:
        raise EpmError(f"{r.call}: {field}: max count {max_count} != tower_length {length}")
    return r.take(length, f"{field}.tower_octet_string")


def _ept_map(r: _Reader, endpoints: Mapping[tuple[uuid.UUID, int], tuple[str, int]]) -> bytes:
    r.uuid_ptr("object")
    octets = _read_twr(r, "map_tower") if r.u32("map_tower pointer") else None
    r.handle()
    max_towers = r.u32("max_towers")
    found = None
    if octets is not None:
        floors = _split_floors(octets)
        ids = [lhs[:1] for lhs, _ in floors[2:]]
        if len(floors) == 5 and ids == [b"\x0b", b"\x07", b"\x09"]:  # ncacn_ip_tcp
            asked = Tower._from_floors(floors)
            where = endpoints.get(asked.interface[:2])
            if where is not None and max_towers > 0:
                found = attrs.evolve(asked, host=_ipv4(where[0]), port=where[1])
    w = _Writer()
    w.raw(_NULL_HANDLE)
    w.u32(1 if found else 0, max_towers, 0, 1 if found else 0)
    if found:
        w.u32(0x00020000)  # referent id of the one tower
        w.twr(found.encode())
    w.u32(0 if found else EPT_S_NOT_REGISTERED)
    return bytes(w.out)


def _ipv4(host: str) -> str:
    """The IP floor carries IPv4 only: a v4-mapped IPv6 address is unwrapped, any other host
    (IPv6, a name) becomes 0.0.0.0; Samba's and impacket's clients read only the port."""
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return "0.0.0.0"
    if isinstance(address, ipaddress.IPv6Address):
        return str(address.ipv4_mapped or "0.0.0.0")
    return str(address)


def _version_matches(option: int, asked: tuple[int, int], have: tuple[int, int]) -> bool:
    if option == RPC_C_VERS_ALL:
        return True
    if option == RPC_C_VERS_COMPATIBLE:
        return have[0] == asked[0] and have[1] >= asked[1]
    if option == RPC_C_VERS_EXACT:
        return have == asked
    if option == RPC_C_VERS_MAJOR_ONLY:
        return have[0] == asked[0]
    if option == RPC_C_VERS_UPTO:
        return have <= asked
    return False


def _ept_lookup(r: _Reader, endpoints: Mapping[tuple[uuid.UUID, int], tuple[str, int]]) -> bytes:
    inquiry = r.u32("inquiry_type")
    obj = r.uuid_ptr("object")
    if_id = None
    if r.u32("Ifid pointer"):
        raw = r.take(20, "Ifid")
        if_id = (uuid.UUID(bytes_le=raw[:16]), *struct.unpack("<HH", raw[16:]))
    vers_option = r.u32("vers_option")
    handle = r.handle()
    max_ents = r.u32("max_ents")
    start = 0
    if handle != _NULL_HANDLE:
        if handle[:4] != bytes(4) or handle[4:16] != _HANDLE_TAG + b"\x01":
            raise EpmError(
                "ept_lookup: entry_handle was not issued here", c.NCA_S_FAULT_CONTEXT_MISMATCH
            )
        (start,) = struct.unpack("<I", handle[16:])

    towers = []
    if inquiry not in (RPC_C_EP_ALL_ELTS, RPC_C_EP_MATCH_BY_IF, RPC_C_EP_MATCH_BY_OBJ,
                       RPC_C_EP_MATCH_BY_BOTH):  # fmt: skip
        endpoints = {}
    for (if_uuid, major), (host, port) in endpoints.items():
        if inquiry in (RPC_C_EP_MATCH_BY_IF, RPC_C_EP_MATCH_BY_BOTH) and not (
            if_id is not None
            and if_id[0] == if_uuid
            and _version_matches(vers_option, (if_id[1], if_id[2]), (major, 0))
        ):
            continue
        if inquiry in (RPC_C_EP_MATCH_BY_OBJ, RPC_C_EP_MATCH_BY_BOTH) and obj not in (None, _NIL):
            continue
        towers.append(Tower((if_uuid, major, 0), c.NDR, PROT_NCACN, port, _ipv4(host)))

    page = towers[start : start + max_ents]
    following = start + len(page)
    w = _Writer()
    if page and len(page) == max_ents:
        w.raw(bytes(4) + _HANDLE_TAG + b"\x01" + struct.pack("<I", following))
    else:
        w.raw(_NULL_HANDLE)
    w.u32(len(page), max_ents, 0, len(page))
    for i in range(len(page)):  # ept_entry_t: object, tower pointer, annotation ("" as [string])
        w.align()
        w.raw(_NIL.bytes_le)
        w.u32(0x00020000 + 4 * i, 0, 1)
        w.raw(b"\x00")
    for tower in page:
        w.twr(tower.encode())
    w.u32(0 if page else EPT_S_NOT_REGISTERED)
    return bytes(w.out)
