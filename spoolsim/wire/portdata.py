"""The Standard TCP/IP port monitor's XcvData structures, to and from bytes (sans-I/O).

Theory of operation
-------------------
A client configures Standard TCP/IP ports by sending fixed-size C structures through
``RpcAsyncXcvData`` (MS-RPRN 2.2.2.14; ``tcpxcv.h`` in the Windows driver kit):

* ``PORT_DATA_1`` (964 bytes) and ``PORT_DATA_2`` (1068 bytes): a port's whole configuration,
  the input of ``AddPort`` and ``ConfigPort`` and the output of ``GetConfigInfo``;
* ``DELETE_PORT_DATA_1`` (236 bytes): the name of the port ``DeletePort`` removes;
* ``CONFIG_INFO_DATA_1`` (132 bytes): the input of ``GetConfigInfo``, only a version.

Each is described here by a table of fields in wire order. Text fields are fixed-width arrays of
UTF-16LE code units holding a NUL-terminated string (a field of N characters holds at most N-1);
numbers are little-endian DWORDs at multiples of 4, so the layouts carry the alignment padding a C
compiler inserts, drawn explicitly. The size constants come from ``tcpxcv.h`` (MAX_PORTNAME_LEN
64, MAX_NETWORKNAME_LEN 49, MAX_NETWORKNAME2_LEN 128, MAX_SNMP_COMMUNITY_STR_LEN 33,
MAX_QUEUENAME_LEN 33, MAX_IPADDR_STR_LEN 16).

Decoding is strict: the input must be exactly one structure long, carry the version its layout
names, and every text field must end within its array. A caller that tolerates trailing bytes
(as XcvData does: only a buffer *smaller* than the structure is an error) says so with
``allow_trailing``. Every refusal is a :class:`PortDataError` that names the field and its byte
offset; a wrong version is the subclass :class:`PortDataVersionError`, since XcvData answers it
with ERROR_INVALID_LEVEL rather than ERROR_INVALID_DATA.

Where sources disagree
    ``tcpxcv.h`` declares the 540 bytes after ``sztIPAddress`` in PORT_DATA_1, the 514 after
    ``sztQueue`` in PORT_DATA_2 and the 98 after the name in DELETE_PORT_DATA_1 as ``Reserved``
    bytes that must be zero; MS-RPRN 2.2.2.14 names some of them as strings (HardwareAddress,
    DeviceType). We follow ``tcpxcv.h``: those bytes are written as zeros and ignored when read,
    so a client that leaves them uninitialised is not refused. ``cbSize`` is written as the
    structure's size and not checked when read (neither source says the monitor checks it;
    Samba's server ignores it).
"""

from __future__ import annotations

import struct
from typing import Any

import attrs

PROTOCOL_RAWTCP_TYPE = 1
PROTOCOL_LPR_TYPE = 2

MAX_PORTNAME_LEN = 64
MAX_NETWORKNAME_LEN = 49
MAX_NETWORKNAME2_LEN = 128
MAX_SNMP_COMMUNITY_STR_LEN = 33
MAX_QUEUENAME_LEN = 33
MAX_IPADDR_STR_LEN = 16


class PortDataError(ValueError):
    """Bytes (or a value) that do not make the structure; names the field and its offset."""

    def __init__(self, structure: str, field: str, offset: int, problem: str) -> None:
        super().__init__(f"{structure}.{field} at offset {offset}: {problem}")
        self.structure, self.field, self.offset = structure, field, offset


class PortDataVersionError(PortDataError):
    """The structure's dwVersion is not the one its layout has."""


@attrs.frozen
class _Field:
    name: str  # as tcpxcv.h spells it
    kind: str  # "wstr" (chars), "dword", "bool", "version", "size", "zero" (bytes)
    width: int = 4  # characters for "wstr", bytes otherwise
    attr: str | None = None  # the value's attribute, for wstr / dword / bool

    @property
    def nbytes(self) -> int:
        return self.width * 2 if self.kind == "wstr" else self.width


@attrs.frozen
class _Layout:
    name: str
    version: int
    fields: tuple[_Field, ...]

    @property
    def offsets(self) -> list[tuple[int, _Field]]:
        out, at = [], 0
        for f in self.fields:
            if f.kind != "zero" and f.kind != "wstr":
                assert at % 4 == 0, f"{self.name}.{f.name} is not aligned"
            out.append((at, f))
            at += f.nbytes
        return out

    @property
    def size(self) -> int:
        return sum(f.nbytes for f in self.fields)


def _w(name: str, width: int, attr: str) -> _Field:
    return _Field(name, "wstr", width, attr)


def _d(name: str, attr: str, kind: str = "dword") -> _Field:
    return _Field(name, kind, 4, attr)


_HEAD = (
    _w("sztPortName", MAX_PORTNAME_LEN, "port_name"),
    _Field("dwVersion", "version"),
    _d("dwProtocol", "protocol"),
    _Field("cbSize", "size"),
    _Field("dwReserved", "zero"),
)

PORT_DATA_1 = _Layout(
    "PORT_DATA_1",
    1,
    (
        *_HEAD,
        _w("sztHostAddress", MAX_NETWORKNAME_LEN, "host_address"),
        _w("sztSNMPCommunity", MAX_SNMP_COMMUNITY_STR_LEN, "snmp_community"),
        _d("dwDoubleSpool", "double_spool", "bool"),
        _w("sztQueue", MAX_QUEUENAME_LEN, "queue"),
        _w("sztIPAddress", MAX_IPADDR_STR_LEN, "ip_address"),
        _Field("Reserved", "zero", 540),
        _Field("(padding)", "zero", 2),
        _d("dwPortNumber", "port_number"),
        _d("dwSNMPEnabled", "snmp_enabled", "bool"),
        _d("dwSNMPDevIndex", "snmp_dev_index"),
    ),
)
PORT_DATA_2 = _Layout(
    "PORT_DATA_2",
    2,
    (
        *_HEAD,
        _w("sztHostAddress", MAX_NETWORKNAME2_LEN, "host_address"),
        _w("sztSNMPCommunity", MAX_SNMP_COMMUNITY_STR_LEN, "snmp_community"),
        _Field("(padding)", "zero", 2),  # MS-RPRN draws it as PaddingForAlignment
        _d("dwDoubleSpool", "double_spool", "bool"),
        _w("sztQueue", MAX_QUEUENAME_LEN, "queue"),
        _Field("Reserved", "zero", 514),
        _d("dwPortNumber", "port_number"),
        _d("dwSNMPEnabled", "snmp_enabled", "bool"),
        _d("dwSNMPDevIndex", "snmp_dev_index"),
        _d("dwPortMonitorMibIndex", "port_monitor_mib_index"),
    ),
)
DELETE_PORT_DATA_1 = _Layout(
    "DELETE_PORT_DATA_1",
    1,
    (
        _w("psztPortName", MAX_PORTNAME_LEN, "port_name"),
        _Field("Reserved", "zero", 98),
        _Field("(padding)", "zero", 2),
        _Field("dwVersion", "version"),
        _Field("dwReserved", "zero"),
    ),
)
CONFIG_INFO_DATA_1 = _Layout(
    "CONFIG_INFO_DATA_1", 1, (_Field("Reserved", "zero", 128), _Field("dwVersion", "version"))
)
# The version DWORD sits at byte 128 in every structure here; PORT_DATA_n is chosen by it.
VERSION_OFFSET = 128


@attrs.frozen
class PortData1:
    """PORT_DATA_1: a Standard TCP/IP port's configuration (host name up to 48 characters)."""

    port_name: str
    protocol: int
    host_address: str
    snmp_community: str = "public"
    double_spool: bool = False
    queue: str = ""
    ip_address: str = ""
    port_number: int = 9100
    snmp_enabled: bool = False
    snmp_dev_index: int = 1


@attrs.frozen
class PortData2:
    """PORT_DATA_2: as PORT_DATA_1 with a 127-character host name, no IP address field, and the
    port monitor MIB index."""

    port_name: str
    protocol: int
    host_address: str
    snmp_community: str = "public"
    double_spool: bool = False
    queue: str = ""
    port_number: int = 9100
    snmp_enabled: bool = False
    snmp_dev_index: int = 1
    port_monitor_mib_index: int = 0


@attrs.frozen
class DeletePortData1:
    """DELETE_PORT_DATA_1: the port to delete."""

    port_name: str


@attrs.frozen
class ConfigInfoData1:
    """CONFIG_INFO_DATA_1: carries only its version."""


_LAYOUT_OF: dict[type, _Layout] = {
    PortData1: PORT_DATA_1,
    PortData2: PORT_DATA_2,
    DeletePortData1: DELETE_PORT_DATA_1,
    ConfigInfoData1: CONFIG_INFO_DATA_1,
}
PortData = PortData1 | PortData2


def encode(value: PortData1 | PortData2 | DeletePortData1 | ConfigInfoData1) -> bytes:
    """The structure's bytes; a :class:`PortDataError` if a field does not fit."""
    layout = _LAYOUT_OF[type(value)]
    out = bytearray()
    for at, f in layout.offsets:
        if f.kind == "wstr":
            out += _encode_wstr(layout, f, at, getattr(value, f.attr or ""))
        elif f.kind in ("dword", "bool"):
            number = getattr(value, f.attr or "")
            if f.kind == "bool":
                number = 1 if number else 0
            if not isinstance(number, int) or not 0 <= number <= 0xFFFFFFFF:
                raise PortDataError(layout.name, f.name, at, f"{number!r} is not a DWORD")
            out += struct.pack("<I", number)
        elif f.kind == "version":
            out += struct.pack("<I", layout.version)
        elif f.kind == "size":
            out += struct.pack("<I", layout.size)
        else:
            out += bytes(f.width)
    assert len(out) == layout.size
    return bytes(out)


def _encode_wstr(layout: _Layout, f: _Field, at: int, text: object) -> bytes:
    if not isinstance(text, str):
        raise PortDataError(layout.name, f.name, at, f"{text!r} is not a string")
    if "\0" in text:
        raise PortDataError(layout.name, f.name, at, "contains a NUL character")
    raw = text.encode("utf-16-le", "surrogatepass")
    if len(raw) > f.nbytes - 2:
        raise PortDataError(
            layout.name,
            f.name,
            at,
            f"{len(raw) // 2} UTF-16 units; at most {f.width - 1} fit with the NUL",
        )
    return raw + bytes(f.nbytes - len(raw))


def _decode(layout: _Layout, data: bytes, allow_trailing: bool) -> dict[str, Any]:
    data = bytes(data)
    values: dict[str, Any] = {}
    for at, f in layout.offsets:
        end = at + f.nbytes
        if end > len(data):
            raise PortDataError(
                layout.name,
                f.name,
                at,
                f"truncated: {len(data)} bytes given, {layout.name} is {layout.size}",
            )
        chunk = data[at:end]
        if f.kind == "wstr":
            values[f.attr or ""] = _decode_wstr(layout, f, at, chunk)
        elif f.kind in ("dword", "bool", "version"):
            (number,) = struct.unpack("<I", chunk)
            if f.kind == "version" and number != layout.version:
                raise PortDataVersionError(
                    layout.name, f.name, at, f"version {number}, expected {layout.version}"
                )
            if f.kind != "version":
                values[f.attr or ""] = bool(number) if f.kind == "bool" else number
    if len(data) > layout.size and not allow_trailing:
        last = layout.fields[-1]
        raise PortDataError(
            layout.name,
            last.name,
            layout.size - last.nbytes,
            f"{len(data) - layout.size} bytes follow the end of the structure",
        )
    return values


def _decode_wstr(layout: _Layout, f: _Field, at: int, chunk: bytes) -> str:
    for i in range(0, len(chunk), 2):
        if chunk[i : i + 2] == b"\0\0":
            return chunk[:i].decode("utf-16-le", "surrogatepass")
    raise PortDataError(layout.name, f.name, at, f"no terminating NUL within {f.width} characters")


def decode_port_data(data: bytes, *, allow_trailing: bool = False) -> PortData1 | PortData2:
    """PORT_DATA_1 or PORT_DATA_2, chosen by the dwVersion at byte 128."""
    data = bytes(data)
    if len(data) < VERSION_OFFSET + 4:
        raise PortDataError(
            "PORT_DATA", "dwVersion", VERSION_OFFSET, f"truncated: only {len(data)} bytes given"
        )
    (version,) = struct.unpack_from("<I", data, VERSION_OFFSET)
    if version == 2:
        return PortData2(**_decode(PORT_DATA_2, data, allow_trailing))
    if version != 1:
        raise PortDataVersionError(
            "PORT_DATA", "dwVersion", VERSION_OFFSET, f"version {version}, expected 1 or 2"
        )
    return PortData1(**_decode(PORT_DATA_1, data, allow_trailing))


def decode_delete_port_data(data: bytes, *, allow_trailing: bool = False) -> DeletePortData1:
    return DeletePortData1(**_decode(DELETE_PORT_DATA_1, data, allow_trailing))


def decode_config_info_data(data: bytes, *, allow_trailing: bool = False) -> ConfigInfoData1:
    _decode(CONFIG_INFO_DATA_1, data, allow_trailing)
    return ConfigInfoData1()


def encode_wstr(text: str) -> bytes:
    """A NUL-terminated UTF-16LE string, as the Xcv string commands exchange them."""
    if "\0" in text:
        raise ValueError("an Xcv string may not contain NUL")
    return (text + "\0").encode("utf-16-le", "surrogatepass")


def decode_wstr(data: bytes) -> str:
    """The string at the start of an Xcv input buffer: up to its first NUL, or the whole buffer
    when it has none (the sender's buffer may be larger than the string, and the Local Port
    monitor reads up to the NUL whatever cbInputData says). A trailing odd byte is ignored."""
    data = bytes(data)
    for i in range(0, len(data) - 1, 2):
        if data[i : i + 2] == b"\0\0":
            data = data[:i]
            break
    return data[: len(data) & ~1].decode("utf-16-le", "surrogatepass")


assert (PORT_DATA_1.size, PORT_DATA_2.size) == (964, 1068)
assert (DELETE_PORT_DATA_1.size, CONFIG_INFO_DATA_1.size) == (236, 132)
