"""Tests for the endpoint mapper stubs (spoolsim.wire.epm): requests built by impacket's
``epm`` module the way ``hept_map`` / ``hept_lookup`` build them, our responses parsed back by
impacket (and compared with impacket's own encoding of the same response), the request
rpcclient 4.17 sends (captured) and its ``epmlookup`` loop, tower round trips, and arbitrary or
mutated stubs that must raise EpmError and nothing else."""

from __future__ import annotations

import socket
import struct
import uuid
from struct import unpack

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire import dcerpccodes as c
from spoolsim.wire import epm as E
from spoolsim.wire.epm import EpmError, EpmUnknownOpnum, Tower, answer

HOST, RPRN_PORT, PAR_PORT = "10.1.2.3", 49667, 49668
ENDPOINTS = {(c.MS_RPRN[0], 1): (HOST, RPRN_PORT), (c.MS_PAR[0], 1): (HOST, PAR_PORT)}
NDR_STR = ("8a885d04-1ceb-11c9-9fe8-08002b104860", "2.0")
RPRN_STR = ("12345678-1234-ABCD-EF00-0123456789AB", "1.0")
PAR_STR = ("76F03F96-CDFD-44FC-A22C-64950A001209", "1.0")


@pytest.fixture(scope="module")
def imp():
    """impacket's epm module (the independent implementation)."""
    return pytest.importorskip("impacket.dcerpc.v5.epm")


def impacket_tower(imp, remote_if: tuple[str, str], protocol: str, ip: str = "0.0.0.0") -> bytes:
    """The tower octets exactly as impacket's ``hept_map`` builds them."""
    from impacket.uuid import uuidtup_to_bin

    remote, rep = uuidtup_to_bin(remote_if), uuidtup_to_bin(NDR_STR)
    interface = imp.EPMRPCInterface()
    interface["InterfaceUUID"] = remote[:16]
    interface["MajorVersion"] = unpack("<H", remote[16:18])[0]
    interface["MinorVersion"] = unpack("<H", remote[18:])[0]
    data_rep = imp.EPMRPCDataRepresentation()
    data_rep["DataRepUuid"] = rep[:16]
    data_rep["MajorVersion"] = unpack("<H", rep[16:18])[0]
    data_rep["MinorVersion"] = unpack("<H", rep[18:])[0]
    prot_id = imp.EPMProtocolIdentifier()
    prot_id["ProtIdentifier"] = imp.FLOOR_RPCV5_IDENTIFIER
    if protocol == "ncacn_np":
        pipe, name = imp.EPMPipeName(), imp.EPMHostName()
        pipe["PipeName"] = b"\x00"
        name["HostName"] = b"SERVER\x00"
        transport = pipe.getData() + name.getData()
    else:
        port, addr = imp.EPMPortAddr(), imp.EPMHostAddr()
        if protocol == "ncacn_http":
            port["PortIdentifier"] = imp.FLOOR_HTTP_IDENTIFIER
        port["IpPort"] = 0
        addr["Ip4addr"] = socket.inet_aton(ip)
        transport = port.getData() + addr.getData()
    tower = imp.EPMTower()
    tower["NumberOfFloors"] = 5
    tower["Floors"] = interface.getData() + data_rep.getData() + prot_id.getData() + transport
    return tower.getData()


def impacket_map_request(imp, tower: bytes, *, max_towers: int = 4, obj: bytes | None = None):
    """``ept_map`` as ``hept_map`` fills it (referent ids 1 and 2); ``obj`` set gives Samba's
    shape (the interface UUID in the object pointer)."""
    request = imp.ept_map()
    request["max_towers"] = max_towers
    request["map_tower"]["tower_length"] = len(tower)
    request["map_tower"]["tower_octet_string"] = tower
    if obj is not None:
        request["obj"] = obj
    request.fields["obj"].fields["ReferentID"] = 1
    request.fields["map_tower"].fields["ReferentID"] = 2
    return request.getData()


def binding_from_map_response(imp, stub: bytes, dest_host: str) -> tuple[str, str]:
    """What ``hept_map`` returns for ncacn_ip_tcp, and the full binding of the tower."""
    resp = imp.ept_mapResponse(stub)
    tower = imp.EPMTower(b"".join(resp["ITowers"][0]["Data"]["tower_octet_string"]))
    port = imp.EPMPortAddr(tower["Floors"][3].getData())["IpPort"]
    return f"ncacn_ip_tcp:{dest_host}[{port}]", imp.PrintStringBinding(tower["Floors"])


# --- golden bytes ------------------------------------------------------------------------------

# impacket 0.13.1 hept_map(host, MSRPC_UUID_RPRN v1.0, protocol="ncacn_ip_tcp") request stub:
# obj pointer 1 + nil UUID, map_tower pointer 2, max count 75, tower_length 75, the 5 floors,
# 1 pad octet, null entry_handle, max_towers 4.
RPRN_TOWER = bytes.fromhex(
    "0500"  # floor count
    "1300" "0d" "785634123412cdabef000123456789ab" "0100" "0200" "0000"  # MS-RPRN v1.0
    "1300" "0d" "045d888aeb1cc9119fe808002b104860" "0200" "0200" "0000"  # NDR v2.0
    "0100" "0b" "0200" "0000"  # connection-oriented RPC
    "0100" "07" "0200" "0000"  # TCP port 0
    "0100" "09" "0400" "00000000"  # IP 0.0.0.0
)  # fmt: skip
HEPT_MAP_RPRN = (
    bytes.fromhex("01000000") + bytes(16)
    + bytes.fromhex("02000000" "4b000000" "4b000000") + RPRN_TOWER + b"\xab"
    + bytes(20) + bytes.fromhex("04000000")
)  # fmt: skip


def test_golden_request_is_what_impacket_builds(imp) -> None:
    tower = impacket_tower(imp, RPRN_STR, "ncacn_ip_tcp")
    assert tower == RPRN_TOWER
    built = impacket_map_request(imp, tower)
    assert built[:107] + built[108:] == HEPT_MAP_RPRN[:107] + HEPT_MAP_RPRN[108:]  # pad aside


def test_golden_request_answered_from_the_spec_layout() -> None:
    resp = answer(E.EPT_MAP, HEPT_MAP_RPRN, ENDPOINTS)
    tower = Tower(c.MS_RPRN, c.NDR, E.PROT_NCACN, RPRN_PORT, HOST).encode()
    assert tower == RPRN_TOWER[:-16] + bytes.fromhex("0100070200c20301000904000a010203")
    assert resp == (
        bytes(20)  # entry_handle
        + struct.pack("<I", 1)  # num_towers
        + struct.pack("<III", 4, 0, 1)  # max count = max_towers, offset, actual count
        + struct.pack("<I", 0x00020000)  # referent id
        + struct.pack("<II", 75, 75) + tower + b"\x00"  # twr_t, padded to 4
        + struct.pack("<I", 0)  # status
    )  # fmt: skip


# --- ept_map checked by impacket ---------------------------------------------------------------


@pytest.mark.parametrize(("remote_if", "port"), [(RPRN_STR, RPRN_PORT), (PAR_STR, PAR_PORT)])
def test_hept_map_finds_our_endpoints(imp, remote_if, port) -> None:
    stub = answer(
        E.EPT_MAP,
        impacket_map_request(imp, impacket_tower(imp, remote_if, "ncacn_ip_tcp")),
        ENDPOINTS,
    )
    resp = imp.ept_mapResponse(stub)
    assert resp["status"] == 0 and resp["num_towers"] == 1
    assert resp["entry_handle"].isNull()
    assert binding_from_map_response(imp, stub, "printsrv") == (
        f"ncacn_ip_tcp:printsrv[{port}]",
        f"ncacn_ip_tcp:{HOST}[{port}]",
    )
    tower = imp.EPMTower(b"".join(resp["ITowers"][0]["Data"]["tower_octet_string"]))
    assert str(tower["Floors"][0]) == f"{remote_if[0]} v1.0"
    assert str(tower["Floors"][1]).lower() == "8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0"


def test_response_bytes_equal_impacket_encoding(imp) -> None:
    """impacket encodes the same response (max_towers 1, as Samba asks) to the same octets,
    referent id and pad octet aside."""
    request = impacket_map_request(imp, impacket_tower(imp, PAR_STR, "ncacn_ip_tcp"), max_towers=1)
    ours = answer(E.EPT_MAP, request, ENDPOINTS)
    theirs = imp.ept_mapResponse()
    theirs["entry_handle"] = imp.ept_lookup_handle_t()
    theirs["num_towers"] = 1
    item = imp.twr_p_t()
    octets = Tower(c.MS_PAR, c.NDR, E.PROT_NCACN, PAR_PORT, HOST).encode()
    item["tower_length"] = len(octets)
    item["tower_octet_string"] = octets
    item.fields["ReferentID"] = 0x00020000
    theirs["ITowers"].append(item)
    theirs["status"] = 0
    expected = bytearray(theirs.getData())
    pad_at = 20 + 4 + 12 + 4 + 8 + len(octets)
    expected[pad_at] = 0
    assert ours == bytes(expected)


def test_samba_request_shape(imp) -> None:
    """Older rpcclient (3.6 / 4.0 rpc_pipe_get_tcp_port): the interface UUID in the object
    pointer, a host address in floor 5, max_towers 1 (pidl checks the array's max count
    against it)."""
    tower = impacket_tower(imp, RPRN_STR, "ncacn_ip_tcp", ip="192.168.7.9")
    request = impacket_map_request(imp, tower, max_towers=1, obj=c.MS_RPRN[0].bytes_le)
    assert request[:4] == b"\x01\x00\x00\x00" and request[4:20] == c.MS_RPRN[0].bytes_le
    stub = answer(E.EPT_MAP, request, ENDPOINTS)
    assert struct.unpack_from("<IIII", stub, 20) == (1, 1, 0, 1)
    assert binding_from_map_response(imp, stub, HOST)[1] == f"ncacn_ip_tcp:{HOST}[{RPRN_PORT}]"


# rpcclient 4.17.12 (rpc_pipe_get_tcp_port, ``rpcclient ncacn_ip_tcp:HOST -c enumprinters``),
# captured: null object pointer, map_tower referent 1, the same 75-octet tower, max_towers 1.
SAMBA_4_17_MAP = (
    bytes.fromhex("00000000" "01000000" "4b000000" "4b000000") + RPRN_TOWER + b"\x00"
    + bytes(20) + bytes.fromhex("01000000")
)  # fmt: skip


def test_samba_4_17_request(imp) -> None:
    stub = answer(E.EPT_MAP, SAMBA_4_17_MAP, {(c.MS_RPRN[0], 1): ("127.0.0.77", RPRN_PORT)})
    assert stub == (
        bytes(20) + struct.pack("<IIIII", 1, 1, 0, 1, 0x00020000) + struct.pack("<II", 75, 75)
        + Tower(c.MS_RPRN, port=RPRN_PORT, host="127.0.0.77").encode() + b"\x00" + bytes(4)
    )  # fmt: skip
    assert binding_from_map_response(imp, stub, "x")[1] == f"ncacn_ip_tcp:127.0.0.77[{RPRN_PORT}]"


def test_host_is_the_one_we_listen_on_whatever_was_asked() -> None:
    asked = Tower(c.MS_PAR, c.NDR, E.PROT_NCACN, 0, "172.16.0.1").encode()
    request = map_request(asked)
    got = map_tower_of(answer(E.EPT_MAP, request, {(c.MS_PAR[0], 1): ("10.0.0.5", 1234)}))
    assert got == Tower(c.MS_PAR, c.NDR, E.PROT_NCACN, 1234, "10.0.0.5")
    assert got.binding == "ncacn_ip_tcp:10.0.0.5[1234]"


@pytest.mark.parametrize(
    ("listening", "sent"),
    [("::ffff:10.0.0.7", "10.0.0.7"), ("fe80::1%eth0", "0.0.0.0"), ("::1", "0.0.0.0")],
)
def test_ipv6_listeners_give_an_ipv4_floor(listening: str, sent: str) -> None:
    endpoints = {(c.MS_PAR[0], 1): (listening, 1234)}
    assert (
        map_tower_of(answer(E.EPT_MAP, map_request(Tower(c.MS_PAR).encode()), endpoints)).host
        == sent
    )
    stub = answer(E.EPT_LOOKUP, lookup_stub(), endpoints)
    assert Tower.decode(stub[-5 - 75 : -5]).host == sent  # 75 octets, 1 pad, status


def test_transfer_syntax_and_minor_version_are_echoed() -> None:
    asked = Tower((c.MS_PAR[0], 1, 3), c.NDR64, E.PROT_NCACN)
    got = map_tower_of(answer(E.EPT_MAP, map_request(asked.encode()), ENDPOINTS))
    assert (got.interface, got.transfer, got.port) == ((c.MS_PAR[0], 1, 3), c.NDR64, PAR_PORT)


def map_request(tower: bytes | None, max_towers: int = 4, obj: uuid.UUID | None = None) -> bytes:
    out = struct.pack("<I", 1) + obj.bytes_le if obj else struct.pack("<I", 0)
    if tower is not None:
        out += struct.pack("<III", 2, len(tower), len(tower)) + tower
        out += bytes(-len(out) % 4)
    else:
        out += struct.pack("<I", 0)
    return out + bytes(20) + struct.pack("<I", max_towers)


def map_tower_of(stub: bytes) -> Tower:
    num, _max, offset, actual = struct.unpack_from("<IIII", stub, 20)
    assert (num, offset, actual) == (1, 0, 1)
    length, length2 = struct.unpack_from("<II", stub, 40)
    assert length == length2
    return Tower.decode(stub[48 : 48 + length])


def assert_not_registered(imp, stub: bytes, max_towers: int) -> None:
    resp = imp.ept_mapResponse(stub)
    assert resp["status"] == E.EPT_S_NOT_REGISTERED == 0x16C9A0D6
    assert resp["num_towers"] == 0 and len(resp["ITowers"]) == 0
    assert resp["entry_handle"].isNull()
    assert struct.unpack_from("<III", stub, 24) == (max_towers, 0, 0)


def test_unknown_interface_is_not_registered(imp) -> None:
    tower = impacket_tower(imp, ("6BFFD098-A112-3610-9833-46C3F87E345A", "1.0"), "ncacn_ip_tcp")
    assert_not_registered(imp, answer(E.EPT_MAP, impacket_map_request(imp, tower), ENDPOINTS), 4)


def test_other_major_version_is_not_registered(imp) -> None:
    tower = impacket_tower(imp, ("76F03F96-CDFD-44FC-A22C-64950A001209", "2.0"), "ncacn_ip_tcp")
    assert_not_registered(imp, answer(E.EPT_MAP, impacket_map_request(imp, tower), ENDPOINTS), 4)


@pytest.mark.parametrize("protocol", ["ncacn_np", "ncacn_http"])
def test_other_protocols_are_not_registered(imp, protocol) -> None:
    tower = impacket_tower(imp, RPRN_STR, protocol)
    assert_not_registered(imp, answer(E.EPT_MAP, impacket_map_request(imp, tower), ENDPOINTS), 4)


def test_connectionless_tower_is_not_registered(imp) -> None:
    tower = Tower(c.MS_RPRN, protocol=E.PROT_NCADG).encode()
    assert_not_registered(imp, answer(E.EPT_MAP, map_request(tower), ENDPOINTS), 4)


def test_max_towers_zero_and_null_tower_are_not_registered(imp) -> None:
    assert_not_registered(imp, answer(E.EPT_MAP, map_request(RPRN_TOWER, 0), ENDPOINTS), 0)
    assert_not_registered(imp, answer(E.EPT_MAP, map_request(None, 3), ENDPOINTS), 3)


def test_short_tower_is_not_registered(imp) -> None:
    short = RPRN_TOWER[2:].split(b"\x01\x00\x0b")[0]  # the two UUID floors only
    assert_not_registered(imp, answer(E.EPT_MAP, map_request(b"\x02\x00" + short), ENDPOINTS), 4)


def test_trailing_octets_are_ignored() -> None:
    request = map_request(RPRN_TOWER) + bytes(8)
    assert map_tower_of(answer(E.EPT_MAP, request, ENDPOINTS)).port == RPRN_PORT


# --- ept_lookup (rpcdump, rpcclient epmlookup) ------------------------------------------------


def lookup_stub(handle: bytes = bytes(20), max_ents: int = 500) -> bytes:
    """``ept_lookup`` as rpcclient's ``epmlookup`` sends it: all elements, no object, no
    interface, vers_option 0 (sic), the handle, max_ents."""
    return struct.pack("<IIII", 0, 0, 0, 0) + handle + struct.pack("<I", max_ents)


def lookup_request(imp, handle, *, max_ents=500, inquiry=0, if_id=None, vers=1) -> bytes:
    """``ept_lookup`` as ``hept_lookup`` fills it."""
    from impacket.uuid import uuidtup_to_bin

    request = imp.ept_lookup()
    request["inquiry_type"] = inquiry
    request["object"] = imp.NULL
    if if_id is None:
        request["Ifid"] = imp.NULL
    else:
        raw = uuidtup_to_bin(if_id)
        request["Ifid"]["Uuid"] = raw[:16]
        # hept_lookup assigns raw[16:18] / raw[18:] here, which impacket packs as 0: ints.
        request["Ifid"]["VersMajor"], request["Ifid"]["VersMinor"] = unpack("<HH", raw[16:])
    request["vers_option"] = vers
    request["entry_handle"] = handle
    request["max_ents"] = max_ents
    return request.getData()


def hept_lookup(imp, endpoints, **kwargs) -> tuple[list[str], int]:
    """impacket's ``hept_lookup`` loop, then rpcdump's binding strings; also the call count."""
    handle, bindings, calls = imp.ept_lookup_handle_t(), [], 0
    while True:
        calls += 1
        resp = imp.ept_lookupResponse(
            answer(E.EPT_LOOKUP, lookup_request(imp, handle, **kwargs), endpoints)
        )
        assert resp["status"] == 0
        for i in range(resp["num_ents"]):
            entry = resp["entries"][i]
            tower = imp.EPMTower(b"".join(entry["tower"]["tower_octet_string"]))
            assert entry["object"] == bytes(16) and b"".join(entry["annotation"]) == b"\x00"
            bindings.append(f"{tower['Floors'][0]} {imp.PrintStringBinding(tower['Floors'])}")
        handle = resp["entry_handle"]
        if handle.isNull():
            return bindings, calls


ALL = [
    f"12345678-1234-ABCD-EF00-0123456789AB v1.0 ncacn_ip_tcp:{HOST}[{RPRN_PORT}]",
    f"76F03F96-CDFD-44FC-A22C-64950A001209 v1.0 ncacn_ip_tcp:{HOST}[{PAR_PORT}]",
]


def test_rpcdump_lists_everything(imp) -> None:
    assert hept_lookup(imp, ENDPOINTS) == (ALL, 1)


def test_lookup_short_page_ends_with_the_null_handle(imp) -> None:
    assert hept_lookup(imp, ENDPOINTS, max_ents=3) == (ALL, 1)


def samba_epmlookup(endpoints) -> list[Tower]:
    """rpcclient's ``epmlookup``: one entry per call, passing the handle back, until the
    status says no more entries."""
    handle, found = bytes(20), []
    for _ in range(10):
        stub = answer(E.EPT_LOOKUP, lookup_stub(handle, max_ents=1), endpoints)
        handle, status = stub[:20], struct.unpack("<I", stub[-4:])[0]
        if status == E.EPT_S_NOT_REGISTERED:
            assert handle == bytes(20) and struct.unpack_from("<IIII", stub, 20) == (0, 1, 0, 0)
            return found
        assert status == 0 and handle != bytes(20)
        assert struct.unpack_from("<IIII", stub, 20) == (1, 1, 0, 1)
        found.append(Tower.decode(stub[-5 - 75 : -5]))
    raise AssertionError("epmlookup never ended")


def test_samba_epmlookup_pages_one_by_one() -> None:
    got = samba_epmlookup(ENDPOINTS)
    assert [t.binding for t in got] == [
        f"ncacn_ip_tcp:{HOST}[{RPRN_PORT}]",
        f"ncacn_ip_tcp:{HOST}[{PAR_PORT}]",
    ]
    assert [t.interface for t in got] == [c.MS_RPRN, c.MS_PAR]
    assert samba_epmlookup({}) == []


def test_lookup_full_last_page_then_no_more_entries(imp) -> None:
    first = imp.ept_lookupResponse(answer(E.EPT_LOOKUP, lookup_stub(max_ents=2), ENDPOINTS))
    assert first["num_ents"] == 2 and first["status"] == 0
    assert not first["entry_handle"].isNull()
    again = lookup_stub(first["entry_handle"].getData(), max_ents=2)
    last = imp.ept_lookupResponse(answer(E.EPT_LOOKUP, again, ENDPOINTS))
    assert last["num_ents"] == 0 and last["status"] == E.EPT_S_NOT_REGISTERED
    assert last["entry_handle"].isNull()


@pytest.mark.parametrize(
    ("if_id", "vers", "found"),
    [
        (PAR_STR, E.RPC_C_VERS_EXACT, ALL[1:]),
        (RPRN_STR, E.RPC_C_VERS_COMPATIBLE, ALL[:1]),
        (("12345678-1234-ABCD-EF00-0123456789AB", "1.1"), E.RPC_C_VERS_COMPATIBLE, []),
        (("12345678-1234-ABCD-EF00-0123456789AB", "1.1"), E.RPC_C_VERS_UPTO, ALL[:1]),
        (("12345678-1234-ABCD-EF00-0123456789AB", "2.0"), E.RPC_C_VERS_MAJOR_ONLY, []),
        (("12345678-1234-ABCD-EF00-0123456789AB", "2.0"), E.RPC_C_VERS_ALL, ALL[:1]),
    ],
)
def test_lookup_by_interface(imp, if_id, vers, found) -> None:
    request = lookup_request(
        imp, imp.ept_lookup_handle_t(), inquiry=E.RPC_C_EP_MATCH_BY_IF, if_id=if_id, vers=vers
    )
    resp = imp.ept_lookupResponse(answer(E.EPT_LOOKUP, request, ENDPOINTS))
    if not found:
        assert resp["status"] == E.EPT_S_NOT_REGISTERED and resp["num_ents"] == 0
    else:
        assert hept_lookup(
            imp, ENDPOINTS, inquiry=E.RPC_C_EP_MATCH_BY_IF, if_id=if_id, vers=vers
        ) == (found, 1)


def test_lookup_with_nothing_registered(imp) -> None:
    request = lookup_request(imp, imp.ept_lookup_handle_t())
    resp = imp.ept_lookupResponse(answer(E.EPT_LOOKUP, request, {}))
    assert resp["status"] == E.EPT_S_NOT_REGISTERED and resp["num_ents"] == 0
    assert resp["entry_handle"].isNull()


def test_lookup_with_a_foreign_handle_is_a_context_fault(imp) -> None:
    handle = imp.ept_lookup_handle_t()
    handle["context_handle_uuid"] = uuid.uuid4().bytes
    with pytest.raises(EpmError, match="entry_handle") as info:
        answer(E.EPT_LOOKUP, lookup_request(imp, handle), ENDPOINTS)
    assert info.value.status == c.NCA_S_FAULT_CONTEXT_MISMATCH


def test_lookup_handle_free() -> None:
    assert answer(E.EPT_LOOKUP_HANDLE_FREE, bytes(20), ENDPOINTS) == bytes(24)
    with pytest.raises(EpmError, match="ept_lookup_handle_free: entry_handle"):
        answer(E.EPT_LOOKUP_HANDLE_FREE, bytes(19), ENDPOINTS)


@pytest.mark.parametrize("opnum", [0, 1, 5, 6, 7, 8, 0xFFFF])
def test_unknown_opnum(opnum: int) -> None:
    with pytest.raises(EpmUnknownOpnum) as info:
        answer(opnum, b"", ENDPOINTS)
    assert isinstance(info.value, EpmError)
    assert info.value.status == c.NCA_S_OP_RNG_ERROR and info.value.opnum == opnum


# --- towers ------------------------------------------------------------------------------------

syntaxes = st.tuples(st.uuids(), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
towers = st.builds(
    Tower,
    syntaxes,
    syntaxes,
    st.sampled_from([E.PROT_NCACN, E.PROT_NCADG]),
    st.integers(0, 0xFFFF),
    st.ip_addresses(v=4).map(str),
)


@given(towers)
def test_tower_round_trip(tower: Tower) -> None:
    octets = tower.encode()
    assert len(octets) == 75
    assert Tower.decode(octets) == tower


@given(towers)
def test_tower_encoding_parsed_by_impacket(imp, tower: Tower) -> None:
    floors = imp.EPMTower(tower.encode())["Floors"]
    for floor, (u, major, minor) in zip(floors[:2], (tower.interface, tower.transfer), strict=True):
        assert str(floor) == f"{str(u).upper()} v{major}.{minor}"
    assert floors[2]["ProtocolData"] == bytes([tower.protocol])
    assert imp.PrintStringBinding(floors) == tower.binding


def test_impacket_tower_decodes() -> None:
    assert Tower.decode(RPRN_TOWER) == Tower(c.MS_RPRN)
    assert Tower(c.MS_RPRN).binding == "ncacn_ip_tcp:0.0.0.0[0]"
    assert Tower(c.MS_RPRN, protocol=E.PROT_NCADG, port=135).binding == "ncadg_ip_udp:0.0.0.0[135]"


@pytest.mark.parametrize(
    ("octets", "message"),
    [
        (b"", "floor count needs 2 octets"),
        (b"\x04" + RPRN_TOWER[1:-9], "tower: 4 floors, an IP tower has 5"),
        (RPRN_TOWER[:-1], "floor 5: RHS of 4 octets runs past the end"),
        (RPRN_TOWER[:-6], "floor 5: RHS length runs past"),
        (RPRN_TOWER[:-8], "floor 5: LHS length runs past"),
        (RPRN_TOWER + b"\x00", "1 octets after floor 5"),
        (
            RPRN_TOWER.replace(b"\x01\x00\x07", b"\x01\x00\x08"),
            r"floor 4: protocol id 08, expected 0x07",
        ),
        (RPRN_TOWER.replace(b"\x01\x00\x0b", b"\x01\x00\x0c"), "floor 3: protocol id 0c"),
        (RPRN_TOWER.replace(b"\x01\x00\x09", b"\x01\x00\x11"), "floor 5: protocol id 11"),
        (RPRN_TOWER[:4] + b"\x0e" + RPRN_TOWER[5:], "floor 1: LHS is not 0x0d"),
        (
            RPRN_TOWER[:23] + b"\x03\x00\x00\x00\x00" + RPRN_TOWER[27:],
            "floor 1: minor version has 3 octets",
        ),
    ],
)
def test_bad_towers_name_the_floor(octets: bytes, message: str) -> None:
    with pytest.raises(EpmError, match=message) as info:
        Tower.decode(octets)
    assert info.value.status == c.NCA_S_FAULT_NDR


def test_tower_fields_are_validated() -> None:
    with pytest.raises(ValueError):
        Tower(c.MS_RPRN, port=70000)
    with pytest.raises(ValueError):
        Tower(c.MS_RPRN, host="printsrv")
    with pytest.raises(ValueError):
        Tower(c.MS_RPRN, protocol=E.PROT_TCP)
    with pytest.raises(ValueError, match=r"Tower\.transfer"):
        Tower(c.MS_RPRN, (c.NDR[0], 2, 0x10000))


# --- malformed stubs ---------------------------------------------------------------------------


def test_broken_map_request_names_the_field() -> None:
    with pytest.raises(EpmError, match="ept_map: object pointer: needs 4 octets, 0 left"):
        answer(E.EPT_MAP, b"", ENDPOINTS)
    bad = bytearray(HEPT_MAP_RPRN)
    bad[24] = 0x4C  # max count 76, tower_length 75
    with pytest.raises(EpmError, match="map_tower: max count 76 != tower_length 75"):
        answer(E.EPT_MAP, bytes(bad), ENDPOINTS)
    with pytest.raises(EpmError, match="ept_map: max_towers"):
        answer(E.EPT_MAP, HEPT_MAP_RPRN[:-4], ENDPOINTS)
    broken = map_request(RPRN_TOWER[:-6] + b"\x05\x00" + bytes(5))
    with pytest.raises(EpmError, match="tower: floor 5: IPv4 address has 5 octets"):
        answer(E.EPT_MAP, broken, ENDPOINTS)


VALID = [
    (E.EPT_MAP, HEPT_MAP_RPRN),
    (E.EPT_MAP, map_request(RPRN_TOWER, 1, c.MS_RPRN[0])),
    (E.EPT_LOOKUP, lookup_stub()),
    (E.EPT_LOOKUP, lookup_stub(max_ents=1)),
    (E.EPT_LOOKUP, lookup_stub(bytes(4) + b"spoolsim-ep\x01" + struct.pack("<I", 1))),
    (E.EPT_LOOKUP_HANDLE_FREE, bytes(20)),
]


@pytest.mark.parametrize(("opnum", "stub"), VALID)
def test_valid_stubs_answer(opnum: int, stub: bytes) -> None:
    assert answer(opnum, stub, ENDPOINTS).endswith(bytes(4))


@given(st.sampled_from([2, 3, 4]), st.binary(max_size=200))
def test_arbitrary_stubs_raise_only_epm_error(opnum: int, stub: bytes) -> None:
    try:
        answer(opnum, stub, ENDPOINTS)
    except EpmError as exc:
        assert exc.detail and exc.status in (c.NCA_S_FAULT_NDR, c.NCA_S_FAULT_CONTEXT_MISMATCH)


mutations = st.lists(
    st.tuples(st.sampled_from(["set", "cut", "insert"]), st.integers(0, 200), st.integers(0, 255)),
    min_size=1, max_size=6,
)  # fmt: skip


@given(st.sampled_from(VALID), mutations)
def test_mutated_stubs_raise_only_epm_error(valid: tuple[int, bytes], edits: list) -> None:
    opnum, stub = valid
    data = bytearray(stub)
    for op, at, value in edits:
        at %= len(data) + 1
        if op == "set" and at < len(data):
            data[at] = value
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = bytes([value])
    try:
        out = answer(opnum, bytes(data), ENDPOINTS)
    except EpmError as exc:
        assert exc.detail
    else:
        assert len(out) % 4 == 0 and struct.unpack("<I", out[-4:])[0] in (0, E.EPT_S_NOT_REGISTERED)


@given(st.binary(max_size=120))
def test_arbitrary_tower_octets_raise_only_epm_error(octets: bytes) -> None:
    try:
        Tower.decode(octets)
    except EpmError as exc:
        assert exc.detail.startswith("tower: ")
