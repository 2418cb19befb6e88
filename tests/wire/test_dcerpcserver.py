"""Tests for the server side of a DCE/RPC association (spoolsim.wire.dcerpcserver): context
negotiation, binds that must be refused, reassembly of a large request in any chunking, response
fragmentation within the client's limit, and NTLM at the integrity and privacy levels with
impacket's NTLM client functions as the other end."""

from __future__ import annotations

import uuid

import pytest
from Cryptodome.Cipher import ARC4
from hypothesis import given, settings
from hypothesis import strategies as st
from impacket import ntlm as impacket_ntlm

from spoolsim.wire import dcerpccodes as c
from spoolsim.wire.dcerpc import (
    AlterContext,
    AlterContextResp,
    Auth3,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    ContextElem,
    DceRpcError,
    Fault,
    Orphaned,
    Request,
    Response,
    SyntaxId,
    decode,
)
from spoolsim.wire.dcerpcserver import Call, Cancel, ServerConnection
from spoolsim.wire.dcerpcstream import NEED_DATA, ConnectionClosed, PduReader, Reassembler, fragment
from spoolsim.wire.ntlm import NtlmServer

NDR = SyntaxId(*c.NDR)
NDR64 = SyntaxId(*c.NDR64)
PAR = SyntaxId(*c.MS_PAR)
RPRN = SyntaxId(*c.MS_RPRN)
WINSPOOL_OBJECT = uuid.UUID("9940ca8e-512f-4c58-88a9-61098d6896bd")


def server(**kw) -> ServerConnection:
    return ServerConnection([c.MS_PAR, c.MS_RPRN], secondary_address="49667", **kw)


def feed(conn: ServerConnection, *pdus) -> list:
    """Give ``conn`` the PDUs; the events it hands out until it needs more."""
    for p in pdus:
        conn.receive_data(p if isinstance(p, bytes) else p.encode())
    events = []
    while (event := conn.next_event()) is not NEED_DATA:
        events.append(event)
        if isinstance(event, ConnectionClosed):
            break
    return events


def replies(conn: ServerConnection) -> list:
    reader = PduReader()
    reader.receive_data(conn.data_to_send())
    out = []
    while (pdu := reader.next_event()) is not NEED_DATA:
        out.append(pdu)
    return out


def bind(*contexts, xmit: int = 4280, recv: int = 4280, auth=None, call_id: int = 1) -> Bind:
    elems = tuple(ContextElem(i, a, ts) for i, (a, ts) in enumerate(contexts))
    return Bind(call_id=call_id, max_xmit_frag=xmit, max_recv_frag=recv, contexts=elems, auth=auth)


def bound(**kw) -> ServerConnection:
    conn = server(**kw)
    feed(conn, bind((PAR, (NDR,)), (RPRN, (NDR,))))
    replies(conn)
    return conn


# --- presentation contexts ----------------------------------------------------------------------


def test_bind_accepts_both_interfaces_with_ndr_and_negotiates_fragment_sizes() -> None:
    conn = server()
    assert feed(conn, bind((PAR, (NDR64, NDR)), (RPRN, (NDR,)), xmit=4280, recv=5000)) == []
    (ack,) = replies(conn)
    assert isinstance(ack, BindAck) and ack.call_id == 1
    assert [(r.result, r.transfer_syntax) for r in ack.results] == [(0, NDR), (0, NDR)]
    assert (ack.max_xmit_frag, ack.max_recv_frag) == (5000, 4280)
    assert ack.secondary_address == "49667" and ack.assoc_group_id != 0
    assert conn.contexts == {0: c.MS_PAR, 1: c.MS_RPRN}


def test_bind_refuses_unknown_interfaces_ndr64_alone_and_acks_feature_negotiation() -> None:
    unknown = SyntaxId(uuid.UUID("e1af8308-5d1f-11c9-91a4-08002b14a0fa"), 3)
    btfn = SyntaxId(uuid.UUID(bytes_le=c.BTFN_PREFIX + bytes(8)), 1)
    conn = server()
    feed(conn, bind((unknown, (NDR,)), (PAR, (NDR64,)), (PAR, (btfn,)), (PAR, (NDR,))))
    (ack,) = replies(conn)
    assert [(r.result, r.reason) for r in ack.results] == [
        (c.PROVIDER_REJECTION, c.ABSTRACT_SYNTAX_NOT_SUPPORTED),
        (c.PROVIDER_REJECTION, c.PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED),
        (c.NEGOTIATE_ACK, 0),
        (c.ACCEPTANCE, 0),
    ]
    assert conn.contexts == {3: c.MS_PAR}
    # A request on a rejected context is a fault that ends the connection.
    conn.receive_data(Request(call_id=2, context_id=0, opnum=0, stub=b"x").encode())
    with pytest.raises(DceRpcError, match="p_cont_id: 0") as err:
        conn.next_event()
    assert decode(err.value.reply).status == c.NCA_S_UNK_IF


@pytest.mark.parametrize(
    ("pdu", "why"),
    [
        (bind(), "no presentation context"),
        (bind((PAR, (NDR,)), xmit=1000), "below the 1432"),
    ],
)
def test_binds_that_are_refused_with_bind_nak(pdu: Bind, why: str) -> None:
    conn = server()
    conn.receive_data(pdu.encode())
    with pytest.raises(DceRpcError, match=why) as err:
        conn.next_event()
    assert isinstance(decode(err.value.reply), BindNak)


def test_a_second_bind_and_a_request_before_any_bind_are_protocol_errors() -> None:
    conn = bound()
    conn.receive_data(bind((PAR, (NDR,)), call_id=9).encode())
    with pytest.raises(DceRpcError, match="already bound") as err:
        conn.next_event()
    assert isinstance(decode(err.value.reply), BindNak)
    fresh = server()
    fresh.receive_data(Request(call_id=1, opnum=0).encode())
    with pytest.raises(DceRpcError, match="before any bind") as err:
        fresh.next_event()
    assert decode(err.value.reply).status == c.NCA_S_PROTO_ERROR


def test_alter_context_adds_a_context_on_a_bound_association() -> None:
    conn = server()
    feed(conn, bind((PAR, (NDR,))))
    replies(conn)
    feed(conn, AlterContext(call_id=2, contexts=(ContextElem(5, RPRN, (NDR,)),)))
    (resp,) = replies(conn)
    assert isinstance(resp, AlterContextResp) and resp.results[0].result == c.ACCEPTANCE
    assert conn.contexts[5] == c.MS_RPRN


def test_auth_types_other_than_ntlm_and_ntlm_when_none_is_offered_are_refused() -> None:
    spnego = AuthVerifier(c.AUTHN_GSS_NEGOTIATE, c.AUTHN_LEVEL_PKT_PRIVACY, 0, b"\x60\x00")
    conn = server(ntlm=NtlmServer({}))
    conn.receive_data(bind((PAR, (NDR,)), auth=spnego).encode())
    with pytest.raises(DceRpcError, match="auth_type: 9") as err:
        conn.next_event()
    assert decode(err.value.reply).reason == c.NAK_INVALID_AUTH_TYPE
    ntlm = AuthVerifier(c.AUTHN_WINNT, c.AUTHN_LEVEL_PKT_PRIVACY, 0, b"NTLMSSP\0")
    conn = server()  # no NTLM acceptor
    conn.receive_data(bind((PAR, (NDR,)), auth=ntlm).encode())
    with pytest.raises(DceRpcError, match="no authentication") as err:
        conn.next_event()
    assert decode(err.value.reply).reason == c.NAK_INVALID_AUTH_TYPE


# --- fragments ----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=9000), min_size=1, max_size=40))
def test_a_large_fragmented_request_arrives_whole_in_any_chunking(cuts: list[int]) -> None:
    stub = bytes(range(256)) * 1100  # 281,600 octets
    whole = Request(call_id=7, context_id=0, opnum=12, object=WINSPOOL_OBJECT, stub=stub)
    wire = b"".join(f.encode() for f in fragment(whole, 4280))
    conn = bound()
    events, at = [], 0
    for cut in [*cuts, len(wire)]:
        conn.receive_data(wire[at : at + cut])
        at += cut
        while (event := conn.next_event()) is not NEED_DATA:
            events.append(event)
        if at >= len(wire):
            break
    assert events == [Call(7, 0, c.MS_PAR, 12, WINSPOOL_OBJECT, stub)]


def test_a_fragment_larger_than_negotiated_is_refused() -> None:
    conn = bound()  # the client said max_xmit_frag 4280
    big = Request(call_id=2, opnum=12, stub=bytes(5000))
    conn.receive_data(big.encode())
    with pytest.raises(DceRpcError, match="frag_length") as err:
        conn.next_event()
    assert decode(err.value.reply).status == c.NCA_S_PROTO_ERROR


def test_responses_leave_in_fragments_within_the_clients_limit_without_the_object() -> None:
    conn = server()
    feed(conn, bind((PAR, (NDR,)), recv=2048))
    replies(conn)
    (call,) = feed(conn, Request(call_id=3, opnum=38, object=WINSPOOL_OBJECT, stub=b"\0" * 8))
    stub = bytes(range(256)) * 40
    reader, joined = PduReader(), Reassembler()
    reader.receive_data(conn.respond(call, stub))
    frames, whole = [], None
    while (pdu := reader.next_event()) is not NEED_DATA:
        frames.append(reader.last_frame)
        assert isinstance(pdu, Response) and pdu.call_id == 3
        whole = joined.add(pdu) or whole
    assert len(frames) == 6 and max(map(len, frames)) <= 2048
    assert whole.stub == stub and WINSPOOL_OBJECT.bytes_le not in b"".join(frames)


def test_faults_and_cancels() -> None:
    conn = bound()
    (call,) = feed(conn, Request(call_id=4, opnum=99))
    fault = decode(conn.fault(call, c.NCA_S_OP_RNG_ERROR, executed=False))
    assert isinstance(fault, Fault) and fault.status == c.NCA_S_OP_RNG_ERROR
    assert fault.flags & c.PFC_DID_NOT_EXECUTE and fault.call_id == 4
    assert feed(conn, Orphaned(call_id=4)) == [Cancel(4)]
    conn.receive_data(b"")
    assert isinstance(conn.next_event(), ConnectionClosed)


# --- NTLM ---------------------------------------------------------------------------------------


def ntlm_bind(level: int, password: str = "S3cret!"):
    """Bind with impacket's NTLM client messages; the connection and the client's keys."""
    conn = server(ntlm=NtlmServer({"alice": "S3cret!"}, target="PRINTSRV"))
    type1 = impacket_ntlm.getNTLMSSPType1("WS1", "", signingRequired=True)
    type1["flags"] |= impacket_ntlm.NTLMSSP_NEGOTIATE_SEAL
    verifier = AuthVerifier(c.AUTHN_WINNT, level, 79231, type1.getData())
    feed(conn, bind((PAR, (NDR,)), auth=verifier))
    (ack,) = replies(conn)
    assert ack.auth is not None and ack.auth.context_id == 79231
    type3, session_key = impacket_ntlm.getNTLMSSPType3(
        type1, ack.auth.value, "alice", password, "PRINTSRV"
    )
    auth3 = Auth3(call_id=2, auth=AuthVerifier(c.AUTHN_WINNT, level, 79231, type3.getData()))
    assert feed(conn, auth3) == []
    flags = type3["flags"]
    keys = {
        "flags": flags,
        "sign": impacket_ntlm.SIGNKEY(flags, session_key),
        "seal": impacket_ntlm.SEALKEY(flags, session_key),
        "server_sign": impacket_ntlm.SIGNKEY(flags, session_key, "Server"),
        "server_seal": impacket_ntlm.SEALKEY(flags, session_key, "Server"),
    }
    keys["out"] = ARC4.new(keys["seal"]).encrypt
    keys["in"] = ARC4.new(keys["server_seal"]).encrypt
    return conn, keys


def client_request(keys, level: int, seq: int, stub: bytes, call_id: int) -> bytes:
    """One request fragment signed (or sealed) the way impacket's DCE/RPC client does it."""
    pad = -len(stub) % 16
    verifier = AuthVerifier(c.AUTHN_WINNT, level, 79231, bytes(16), pad)
    pdu = Request(call_id=call_id, opnum=38, object=WINSPOOL_OBJECT, stub=stub, auth=verifier)
    whole = pdu.encode()
    to_sign = whole[:-16]
    start, end = 40, 40 + len(stub) + pad
    if level == c.AUTHN_LEVEL_PKT_PRIVACY:
        sealed, sig = impacket_ntlm.SEAL(
            keys["flags"], keys["sign"], keys["seal"], to_sign, whole[start:end], seq, keys["out"]
        )
        return whole[:start] + sealed + whole[end:-16] + sig.getData()
    sig = impacket_ntlm.SIGN(keys["flags"], keys["sign"], to_sign, seq, keys["out"])
    return to_sign + sig.getData()


@pytest.mark.parametrize("level", [c.AUTHN_LEVEL_PKT_INTEGRITY, c.AUTHN_LEVEL_PKT_PRIVACY])
def test_ntlm_requests_verify_and_responses_verify_at_the_client(level: int) -> None:
    conn, keys = ntlm_bind(level)
    assert conn.level == level and conn.security.user.lower() == "alice"
    for seq, stub in enumerate([b"first call stub!", bytes(range(200)), b"x" * 33]):
        (call,) = feed(conn, client_request(keys, level, seq, stub, call_id=10 + seq))
        assert call.stub == stub
        answer = stub[::-1] + b"\0\0\0\0"
        reader = PduReader()
        reader.receive_data(conn.respond(call, answer))
        pdu, frame = reader.next_event(), reader.last_frame
        v = pdu.auth
        body = frame[24 : len(frame) - 16 - 8]
        plain = keys["in"](body) if level == c.AUTHN_LEVEL_PKT_PRIVACY else body
        to_sign = frame[:24] + plain + frame[len(frame) - 24 : -16]
        expected = impacket_ntlm.SIGN(keys["flags"], keys["server_sign"], to_sign, seq, keys["in"])
        assert v.value == expected.getData()
        assert plain[: len(answer)] == answer
        assert (level == c.AUTHN_LEVEL_PKT_PRIVACY) == (answer not in frame)


def test_a_tampered_request_is_a_sec_pkg_fault_and_a_wrong_password_is_refused() -> None:
    level = c.AUTHN_LEVEL_PKT_INTEGRITY
    conn, keys = ntlm_bind(level)
    frame = bytearray(client_request(keys, level, 0, b"pay 100 to alice", call_id=5))
    frame[44] ^= 1
    conn.receive_data(bytes(frame))
    with pytest.raises(DceRpcError, match="auth_verifier") as err:
        conn.next_event()
    assert decode(err.value.reply).status == c.NCA_S_FAULT_SEC_PKG_ERROR
    conn, keys = ntlm_bind(level, password="wrong")
    conn.receive_data(client_request(keys, level, 0, b"anything at all!", call_id=5))
    with pytest.raises(DceRpcError, match="wrong password") as err:
        conn.next_event()
    assert decode(err.value.reply).status == c.NCA_S_FAULT_ACCESS_DENIED


def test_a_request_without_its_verifier_on_a_signed_association_is_refused() -> None:
    conn, _ = ntlm_bind(c.AUTHN_LEVEL_PKT_PRIVACY)
    conn.receive_data(Request(call_id=5, opnum=38, stub=b"plain").encode())
    with pytest.raises(DceRpcError, match="auth_verifier: none") as err:
        conn.next_event()
    assert decode(err.value.reply).status == c.NCA_S_FAULT_ACCESS_DENIED
