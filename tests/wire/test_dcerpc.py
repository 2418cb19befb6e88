"""Tests for the connection-oriented DCE/RPC codec (spoolsim.wire.dcerpc): golden bytes built
from the C706 chapter 12 layout, round trips of every PDU type, any chunking, fragmenting and
reassembly, and malformed input that must raise DceRpcError and nothing else."""

from __future__ import annotations

import struct
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire import dcerpccodes as c
from spoolsim.wire.dcerpc import (
    AlterContext,
    AlterContextResp,
    Auth3,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    CoCancel,
    ContextElem,
    ContextResult,
    DceRpcError,
    Fault,
    Orphaned,
    Request,
    Response,
    Shutdown,
    SyntaxId,
    decode,
    parse_header,
)
from spoolsim.wire.dcerpcstream import NEED_DATA, ConnectionClosed, PduReader, Reassembler, fragment

NDR = SyntaxId(*c.NDR)
PAR = SyntaxId(*c.MS_PAR)
DREP = b"\x10\x00\x00\x00"


def header(ptype: int, flags: int, frag: int, call_id: int, auth_len: int = 0) -> bytes:
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, DREP, frag, auth_len, call_id)


def syntax(u: str, major: int, minor: int) -> bytes:
    return uuid.UUID(u).bytes_le + struct.pack("<HH", major, minor)


# --- golden bytes, built by hand from the spec layout ------------------------------------------

PAR_UUID = "76f03f96-cdfd-44fc-a22c-64950a001209"
NDR_UUID = "8a885d04-1ceb-11c9-9fe8-08002b104860"

BIND_BODY = (
    struct.pack("<HHI", 5840, 5840, 0)  # max_xmit_frag, max_recv_frag, assoc_group_id
    + struct.pack("<B3x", 1)  # n_context_elem, reserved
    + struct.pack("<HBx", 0, 1)  # p_cont_id, n_transfer_syn, reserved
    + syntax(PAR_UUID, 1, 0)
    + syntax(NDR_UUID, 2, 0)
)
BIND_BYTES = header(c.BIND, 0x03, 16 + len(BIND_BODY), 2) + BIND_BODY
BIND_PDU = Bind(
    call_id=2, max_xmit_frag=5840, max_recv_frag=5840, contexts=(ContextElem(0, PAR, (NDR,)),)
)

# "49667\0" is 6 octets: 16 + 10 + 6 = 32, already 4-aligned.  "135\0" needs 2 pad octets.
ACK_RESULTS = struct.pack("<B3x", 1) + struct.pack("<HH", 0, 0) + syntax(NDR_UUID, 2, 0)
ACK_BODY = struct.pack("<HHIH", 5840, 5840, 0x1234, 4) + b"135\0" + b"\0\0" + ACK_RESULTS
BIND_ACK_BYTES = header(c.BIND_ACK, 0x03, 16 + len(ACK_BODY), 2) + ACK_BODY
BIND_ACK_PDU = BindAck(
    call_id=2, assoc_group_id=0x1234, secondary_address="135",
    results=(ContextResult(c.ACCEPTANCE, 0, NDR),),
)  # fmt: skip

REQ_BODY = struct.pack("<IHH", 4, 0, 1) + b"\x01\x02\x03\x04"  # alloc_hint, p_cont_id, opnum
REQUEST_BYTES = header(c.REQUEST, 0x03, 16 + len(REQ_BODY), 3) + REQ_BODY
REQUEST_PDU = Request(call_id=3, alloc_hint=4, opnum=1, stub=b"\x01\x02\x03\x04")

OBJ = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")
OBJ_BODY = struct.pack("<IHH", 0, 1, 65) + OBJ.bytes_le + b"stub"
REQUEST_OBJ_BYTES = header(c.REQUEST, 0x83, 16 + len(OBJ_BODY), 4) + OBJ_BODY
REQUEST_OBJ_PDU = Request(call_id=4, context_id=1, opnum=65, object=OBJ, stub=b"stub")

FAULT_BODY = struct.pack("<IHBBI4x", 0, 0, 0, 0, c.NCA_S_OP_RNG_ERROR)
FAULT_BYTES = header(c.FAULT, 0x23, 32, 5) + FAULT_BODY
FAULT_PDU = Fault(call_id=5, flags=0x23, status=c.NCA_S_OP_RNG_ERROR)

GOLDEN = [
    (BIND_BYTES, BIND_PDU),
    (BIND_ACK_BYTES, BIND_ACK_PDU),
    (REQUEST_BYTES, REQUEST_PDU),
    (REQUEST_OBJ_BYTES, REQUEST_OBJ_PDU),
    (FAULT_BYTES, FAULT_PDU),
]

# Public vectors.  The IOXIDResolver (99fcfec4-5260-101b-bbcb-00aa0021347a v0.0) bind and the
# ServerAlive2 (opnum 5) request that fscan-derived scanners hard-code for their "findnet" probe
# of port 135 (seen e.g. in the dddd scanner's gopocs/findnet.go); they are sent as-is to real
# Windows hosts, which answer them.
FINDNET_BIND = bytes.fromhex(
    "05000b03100000004800000001000000b810b810000000000100000000000100"
    "c4fefc9960521b10bbcb00aa0021347a00000000045d888aeb1cc9119fe80800"
    "2b10486002000000"
)
FINDNET_REQUEST = bytes.fromhex("050000031000000018000000010000000000000000000500")
IOXID = uuid.UUID("99fcfec4-5260-101b-bbcb-00aa0021347a")


@pytest.mark.parametrize(("raw", "pdu"), GOLDEN, ids=[type(p).__name__ for _, p in GOLDEN])
def test_golden(raw: bytes, pdu: object) -> None:
    assert pdu.encode() == raw
    assert decode(raw) == pdu


def test_public_findnet_vectors() -> None:
    bind = decode(FINDNET_BIND)
    assert bind == Bind(
        call_id=1, max_xmit_frag=4280, max_recv_frag=4280,
        contexts=(ContextElem(0, SyntaxId(IOXID, 0), (NDR,)),),
    )  # fmt: skip
    assert bind.encode() == FINDNET_BIND
    request = decode(FINDNET_REQUEST)
    assert request == Request(call_id=1, opnum=5)
    assert request.encode() == FINDNET_REQUEST


@pytest.mark.parametrize("address", ["", "1", "12", "123", "1234", "\\PIPE\\lsarpc"])
def test_secondary_address_padding(address: str) -> None:
    raw = BindAck(secondary_address=address).encode()
    (length,) = struct.unpack_from("<H", raw, 24)
    assert length == (len(address) + 1 if address else 0)
    assert (26 + length + (-(26 + length) % 4)) + 4 == len(raw)  # padding, then n_results
    assert decode(raw).secondary_address == address


def test_auth_trailer() -> None:
    auth = AuthVerifier(c.AUTHN_WINNT, c.AUTHN_LEVEL_PKT_PRIVACY, 7, b"\xaa" * 16, pad_length=4)
    pdu = Request(call_id=9, opnum=2, stub=b"abcdefghijkl", auth=auth)
    raw = pdu.encode()
    assert struct.unpack_from("<H", raw, 10)[0] == 16  # auth_length: credentials only
    assert raw[-24:-16] == struct.pack("<BBBBI", 10, 6, 4, 0, 7)  # sec_trailer
    assert raw[-28:-24] == bytes(4)  # auth padding, not part of the stub
    assert decode(raw) == pdu


def test_btfn_syntax() -> None:
    u, major, _ = c.btfn_syntax(3)
    assert str(u) == "6cb71c2c-9812-4540-0300-000000000000" and major == 1
    assert c.btfn_features(u) == 3
    assert c.btfn_features(NDR.uuid) is None


# --- round trips -------------------------------------------------------------------------------

u8, u16, u32 = (st.integers(0, 2**n - 1) for n in (8, 16, 32))
syntaxes = st.builds(SyntaxId, st.uuids(), u16, u16)
auths = st.none() | st.builds(
    AuthVerifier, u8, u8, u32, st.binary(min_size=1, max_size=40), st.integers(0, 15), u8
)
common = {"call_id": u32, "flags": u8, "rpc_vers_minor": st.sampled_from([0, 1]), "auth": auths}
contexts = st.lists(
    st.builds(ContextElem, u16, syntaxes, st.lists(syntaxes, max_size=3).map(tuple)), max_size=3
).map(tuple)
results = st.lists(st.builds(ContextResult, u16, u16, syntaxes), max_size=3).map(tuple)
address = st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=20)
stubs = st.binary(max_size=300)

PDUS = st.one_of(
    st.builds(Request, **{**common, "flags": u8.map(lambda f: f & 0x7F)}, opnum=u16,
              context_id=u16, alloc_hint=u32, object=st.none() | st.uuids(), stub=stubs),
    st.builds(Response, **common, context_id=u16, alloc_hint=u32, cancel_count=u8, stub=stubs),
    st.builds(Fault, **common, status=u32, context_id=u16, alloc_hint=u32, cancel_count=u8,
              fault_flags=u8),
    *(st.builds(cls, **common, max_xmit_frag=u16, max_recv_frag=u16, assoc_group_id=u32,
                contexts=contexts) for cls in (Bind, AlterContext)),
    *(st.builds(cls, **common, max_xmit_frag=u16, max_recv_frag=u16, assoc_group_id=u32,
                secondary_address=address, results=results)
      for cls in (BindAck, AlterContextResp)),
    st.builds(BindNak, **common, reason=u16, versions=st.lists(st.tuples(u8, u8), max_size=3)
              .map(tuple)),
    *(st.builds(cls, **common) for cls in (Auth3, Shutdown, CoCancel, Orphaned)),
)  # fmt: skip


@given(PDUS)
def test_round_trip(pdu: object) -> None:
    raw = pdu.encode()
    assert len(raw) == struct.unpack_from("<H", raw, 8)[0]
    assert decode(raw) == pdu
    assert decode(raw).encode() == raw


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(x, len(data)) for x in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    return [p for p in pieces if p]  # b"" would mean end of stream


@given(st.lists(PDUS, min_size=1, max_size=5), st.lists(st.integers(0, 4000), max_size=30))
def test_reader_any_chunking(pdus: list, cuts: list[int]) -> None:
    reader, out = PduReader(), []
    for chunk in [*split(b"".join(p.encode() for p in pdus), cuts), b""]:
        reader.receive_data(chunk)
        while (event := reader.next_event()) is not NEED_DATA:
            out.append(event)
            if isinstance(event, ConnectionClosed):
                break
    assert out == [*pdus, ConnectionClosed()]


# --- fragmenting and reassembly ----------------------------------------------------------------


@given(
    st.binary(max_size=4000), st.integers(40, 1500), st.sampled_from([8, 16]),
    st.sampled_from(["request", "response"]), u32,
)  # fmt: skip
def test_fragment_then_reassemble(stub: bytes, max_xmit: int, align: int, kind: str, cid: int):
    if kind == "request":
        whole = Request(call_id=cid, opnum=7, alloc_hint=len(stub), object=OBJ, stub=stub)
        max_xmit += 16
    else:
        whole = Response(call_id=cid, alloc_hint=len(stub), stub=stub)
    frags = fragment(whole, max_xmit, align=align)
    assembler = Reassembler()
    for i, frag in enumerate(frags):
        raw = frag.encode()
        assert len(raw) <= max_xmit
        assert frag.alloc_hint == len(stub) - sum(len(f.stub) for f in frags[:i])
        assert bool(frag.flags & c.PFC_FIRST_FRAG) == (i == 0)
        assert bool(frag.flags & c.PFC_LAST_FRAG) == (i == len(frags) - 1)
        if i < len(frags) - 1:
            assert len(frag.stub) % align == 0 and frag.stub
        joined = assembler.add(decode(raw))
        assert (joined is None) == (i < len(frags) - 1)
    assert joined == whole


def test_fragment_needs_room() -> None:
    with pytest.raises(DceRpcError, match="max_xmit_frag") as info:
        fragment(Response(stub=b"x" * 100), 30)
    assert not info.value.remote


def frags(call_id: int = 1, n: int = 3, size: int = 16) -> list[Request]:
    flags = [c.PFC_FIRST_FRAG] + [0] * (n - 2) + [c.PFC_LAST_FRAG]
    return [Request(call_id=call_id, opnum=1, flags=f, stub=bytes(size)) for f in flags]


def test_reassembly_over_limit() -> None:
    assembler = Reassembler(max_size=40)
    first, middle, _ = frags()
    assert assembler.add(first) is None and assembler.add(middle) is None
    with pytest.raises(DceRpcError, match="limit of 40") as info:
        assembler.add(frags()[2])
    assert info.value.remote
    assert decode(info.value.reply) == Fault(call_id=1, status=c.NCA_S_FAULT_ACCESS_DENIED)


def test_reassembly_alloc_hint_over_limit() -> None:
    with pytest.raises(DceRpcError, match="alloc_hint"):
        Reassembler(max_size=40).add(Request(opnum=1, flags=c.PFC_FIRST_FRAG, alloc_hint=41))


@pytest.mark.parametrize(
    ("sequence", "problem"),
    [
        ([frags()[0], frags(call_id=2)[1]], "call_id: Request call_id 2"),
        ([frags()[1]], "without PFC_FIRST_FRAG"),
        ([frags()[0], frags()[0]], "PFC_FIRST_FRAG again"),
        ([frags()[0], Response(call_id=1, flags=0)], "call_id: Response"),
        ([frags()[0], Request(call_id=1, opnum=2, flags=c.PFC_LAST_FRAG)], "opnum"),
    ],
)
def test_reassembly_errors(sequence: list, problem: str) -> None:
    assembler = Reassembler()
    with pytest.raises(DceRpcError, match=problem) as info:
        for pdu in sequence:
            assembler.add(pdu)
    assert info.value.remote
    assert decode(info.value.reply).status == c.NCA_S_PROTO_ERROR


# --- malformed input ---------------------------------------------------------------------------


def patch(raw: bytes, offset: int, fmt: str, value: int | bytes) -> bytes:
    out = bytearray(raw)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def read_all(data: bytes, max_frag: int = 0xFFFF) -> list:
    reader, out = PduReader(max_frag=max_frag), []
    reader.receive_data(data)
    reader.receive_data(b"")
    while not isinstance(event := reader.next_event(), ConnectionClosed):
        out.append(event)
    return out


MALFORMED = [
    ("truncated header", BIND_BYTES[:10], "header: stream ended after 10"),
    ("frag_length short", patch(BIND_BYTES, 8, "<H", 20), "Bind: bind header: needs"),
    ("frag_length below header", patch(BIND_BYTES, 8, "<H", 10), "frag_length: 10 is smaller"),
    ("frag_length long", patch(BIND_BYTES, 8, "<H", 200), "frag_length: 200 but the stream"),
    ("unknown ptype", patch(REQUEST_BYTES, 2, "<B", 1), "PTYPE: 1 is not"),
    ("rts ptype", patch(REQUEST_BYTES, 2, "<B", 20), "PTYPE: 20 is not"),
    ("wrong version", patch(BIND_BYTES, 0, "<B", 4), "rpc_vers: 4.0"),
    ("wrong minor", patch(REQUEST_BYTES, 1, "<B", 2), "rpc_vers: 5.2"),
    ("big-endian", patch(REQUEST_BYTES, 4, "4s", b"\x00\x00\x00\x00"), "big-endian"),
    ("ebcdic", patch(REQUEST_BYTES, 4, "4s", b"\x11\x00\x00\x00"), "not ASCII"),
    ("auth_length too big", patch(REQUEST_BYTES, 10, "<H", 100), "auth_length: 100"),
    ("sec_addr unterminated", patch(BIND_ACK_BYTES, 29, "<B", 0x41), "sec_addr: b'135A'"),
    ("extra octets", header(c.SHUTDOWN, 3, 17, 1) + b"\0", "1 unexpected octets"),
    ("object uuid cut", patch(REQUEST_BYTES, 3, "<B", 0x83), "object: needs 16 octets"),
]


@pytest.mark.parametrize(
    ("raw", "problem"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed(raw: bytes, problem: str) -> None:
    with pytest.raises(DceRpcError, match=problem) as info:
        read_all(raw)
    assert info.value.remote


def test_oversized_fragment() -> None:
    with pytest.raises(DceRpcError, match="frag_length: 72 exceeds the maximum of 64"):
        read_all(BIND_BYTES, max_frag=64)


def test_error_replies() -> None:
    with pytest.raises(DceRpcError) as info:
        parse_header(patch(BIND_BYTES, 0, "<B", 4))
    nak = BindNak(call_id=2, reason=c.NAK_PROTOCOL_VERSION_NOT_SUPPORTED)
    assert decode(info.value.reply) == nak
    with pytest.raises(DceRpcError) as info:
        parse_header(patch(REQUEST_BYTES, 4, "4s", bytes(4)))
    fault = decode(info.value.reply)
    assert fault.status == c.NCA_S_PROTO_ERROR and fault.call_id == 3
    assert fault.flags & c.PFC_DID_NOT_EXECUTE


def test_reader_dead_after_error() -> None:
    reader = PduReader()
    reader.receive_data(patch(REQUEST_BYTES, 2, "<B", 1))
    with pytest.raises(DceRpcError, match="PTYPE"):
        reader.next_event()
    with pytest.raises(DceRpcError, match="dead") as info:
        reader.next_event()
    assert not info.value.remote


def test_encode_out_of_range_is_local_error() -> None:
    with pytest.raises(DceRpcError, match="Request: cannot encode") as info:
        Request(opnum=70000).encode()
    assert not info.value.remote
    with pytest.raises(DceRpcError, match=r"auth\.value is empty"):
        Request(opnum=1, auth=AuthVerifier(10, 2)).encode()
    with pytest.raises(DceRpcError, match="cannot encode"):
        Response(stub=bytes(70000)).encode()


mutations = st.lists(
    st.tuples(st.sampled_from(["set", "cut", "insert"]), st.integers(0, 400), u8),
    min_size=1, max_size=6,
)  # fmt: skip


@given(st.lists(PDUS, min_size=1, max_size=3), mutations)
def test_mutated_input_raises_only_dcerpc_error(pdus: list, edits: list) -> None:
    data = bytearray(b"".join(p.encode() for p in pdus))
    for op, at, value in edits:
        at %= len(data) + 1
        if op == "set" and at < len(data):
            data[at] = value
        elif op == "cut":
            del data[at:]
        elif op == "insert":
            data[at:at] = bytes([value])
        if not data:
            break
    try:
        for event in read_all(bytes(data)):
            assert type(event).__module__ == "spoolsim.wire.dcerpc"
    except DceRpcError as exc:
        assert exc.remote and exc.detail
    try:
        decode(bytes(data))
    except DceRpcError as exc:
        assert exc.remote
