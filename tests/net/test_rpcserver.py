"""The DCE/RPC front end on real sockets, in process: malformed PDUs end their own connection
(with a fault, a bind_nak or a close) and never the server; per-connection limits on request
size and idle time; one task per call, so a long poll does not hold up the calls behind it;
handles are run down when their connection ends."""

from __future__ import annotations

import struct
import uuid

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from impacket.dcerpc.v5 import par
from impacket.dcerpc.v5.dtypes import NULL

from spoolsim.model.constants import Access
from spoolsim.net.rpcserver import RpcFrontEnd, RpcLimits
from spoolsim.net.settings import RpcSettings, WebUser
from spoolsim.rpc.ndrcall import Interface, collection_to_wire, decode_response, encode_request
from spoolsim.rpc.notify import notify_filter
from spoolsim.rpc.notifyfields import Change
from spoolsim.wire import dcerpccodes as c
from spoolsim.wire.dcerpc import (
    Bind,
    BindAck,
    BindNak,
    ContextElem,
    Fault,
    Request,
    Response,
    SyntaxId,
)
from spoolsim.wire.dcerpcstream import NEED_DATA, PduReader, Reassembler, fragment
from tests.rpc.estate import Estate

NDR = SyntaxId(*c.NDR)
PAR = SyntaxId(*c.MS_PAR)
WINSPOOL = uuid.UUID("9940ca8e-512f-4c58-88a9-61098d6896bd")
BIND = Bind(call_id=1, contexts=(ContextElem(0, PAR, (NDR,)),)).encode()


def enum_printers_stub(level: int = 2, size: int = 0) -> bytes:
    req = par.RpcAsyncEnumPrinters()
    req["Flags"], req["Name"], req["Level"] = 2, NULL, level
    req["pPrinterEnum"], req["cbBuf"] = (list(bytes(size)) if size else NULL), size
    return req.getData()


async def exchange(port: int, data: bytes, *, half_close: bool = True) -> list:
    """Send ``data``; every PDU the server answers with until it closes the connection."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    reader, pdus = PduReader(max_frag=0xFFFF), []
    async with stream:
        try:
            await stream.send_all(data)
            if half_close:
                await stream.send_eof()
        except trio.BrokenResourceError:
            pass
        while True:
            try:
                chunk = await stream.receive_some(65536)
            except trio.BrokenResourceError:
                chunk = b""
            reader.receive_data(chunk)
            while (pdu := reader.next_event()) is not NEED_DATA:
                if not isinstance(pdu, Response | Fault | BindAck | BindNak):
                    return pdus
                pdus.append(pdu)
            if not chunk:
                return pdus


async def alive(port: int) -> int:
    """A whole bind and EnumPrinters level 2 on a fresh connection; its status."""
    request = Request(call_id=2, opnum=38, object=WINSPOOL, stub=enum_printers_stub())
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(BIND + request.encode())
        reader, pdus = PduReader(), []
        while len(pdus) < 2:
            reader.receive_data(await stream.receive_some(65536))
            while (pdu := reader.next_event()) is not NEED_DATA:
                pdus.append(pdu)
    ack, response = pdus
    assert isinstance(ack, BindAck) and isinstance(response, Response)
    return struct.unpack("<I", response.stub[-4:])[0]  # ERROR_INSUFFICIENT_BUFFER: 122


async def serving(
    nursery: trio.Nursery, settings: RpcSettings | None = None, **limits
) -> tuple[RpcFrontEnd, Estate, int]:
    estate = Estate()
    front = RpcFrontEnd(estate.surface, settings, limits=RpcLimits(**limits))
    port = await nursery.start(front.serve, "127.0.0.1", 0)
    return front, estate, port


# --- malformed input ----------------------------------------------------------------------------

_header = struct.Struct("<BBBB4sHHI")


def _pdu(ptype: int, frag: int, body: bytes = b"", flags: int = 3, auth: int = 0) -> bytes:
    return _header.pack(5, 0, ptype, flags, b"\x10\0\0\0", frag, auth, 1) + body


malformed = st.one_of(
    # a truncated header
    st.integers(1, 15).map(lambda n: BIND[:n]),
    # a frag_length that claims more than the stream brings, or less than a header
    st.integers(len(BIND) + 1, 5000).map(lambda n: BIND[:8] + struct.pack("<H", n) + BIND[10:]),
    st.integers(0, 15).map(lambda n: _pdu(c.BIND, n)),
    # packet types that do not exist, or that only a server sends
    st.integers(20, 255).map(lambda t: _pdu(t, 16)),
    st.sampled_from([c.RESPONSE, c.BIND_ACK, c.SHUTDOWN]).map(lambda t: _pdu(t, 24, bytes(8))),
    # an oversized fragment
    st.integers(5841, 0xFFFF).map(lambda n: _pdu(c.REQUEST, n, bytes(n - 16))),
    # a bind for an interface nobody serves, then a request on it
    st.uuids().map(
        lambda u: (
            Bind(call_id=1, contexts=(ContextElem(0, SyntaxId(u, 1), (NDR,)),)).encode()
            + Request(call_id=2, opnum=0, stub=bytes(8)).encode()
        )
    ),
    # auth_length and auth_pad_length that do not fit
    st.integers(1, 200).map(lambda n: _pdu(c.REQUEST, 24, bytes(8), auth=n)),
    # a good bind followed by garbage, or a request whose stub is garbage
    st.binary(min_size=1, max_size=300).map(lambda junk: BIND + junk),
    st.binary(max_size=200).map(
        lambda junk: BIND + Request(call_id=2, opnum=38, object=WINSPOOL, stub=junk).encode()
    ),
    # fragments of one call that lie about their sequence
    st.just(BIND + Request(call_id=2, opnum=12, flags=c.PFC_LAST_FRAG, stub=bytes(8)).encode()),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.lists(malformed, min_size=1, max_size=6))
def test_malformed_pdus_end_their_connection_never_the_server(inputs: list[bytes]) -> None:
    async def main() -> None:
        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                front, _, port = await serving(nursery, idle_timeout=5)
                for data in inputs:
                    pdus = await exchange(port, data)
                    for pdu in pdus:  # a refusal, or the answers a good prefix earned
                        if isinstance(pdu, Fault):
                            assert pdu.status in FAULTS, hex(pdu.status)
                assert await alive(port) == 122
                assert front.connections <= 1
                nursery.cancel_scope.cancel()

    trio.run(main)


FAULTS = {
    c.NCA_S_PROTO_ERROR,
    c.NCA_S_UNK_IF,
    c.NCA_S_FAULT_NDR,
    c.NCA_S_OP_RNG_ERROR,
    c.NCA_S_FAULT_ACCESS_DENIED,
    c.NCA_S_FAULT_CONTEXT_MISMATCH,
}


async def test_each_malformed_kind_is_answered_as_the_protocol_says() -> None:
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            _, _, port = await serving(nursery)
            old = _header.pack(4, 0, c.BIND, 3, b"\x10\0\0\0", 24, 0, 1) + bytes(8)
            (nak,) = await exchange(port, old)  # DCE/RPC 4.0
            assert isinstance(nak, BindNak) and nak.reason == c.NAK_PROTOCOL_VERSION_NOT_SUPPORTED
            (fault,) = await exchange(port, _pdu(99, 16))
            assert fault.status == c.NCA_S_PROTO_ERROR
            ack, fault = await exchange(
                port,
                Bind(
                    call_id=1, contexts=(ContextElem(0, SyntaxId(uuid.uuid4(), 1), (NDR,)),)
                ).encode()
                + Request(call_id=2, opnum=0, stub=bytes(8)).encode(),
            )
            assert ack.results[0].result == c.PROVIDER_REJECTION
            assert fault.status == c.NCA_S_UNK_IF
            # An unknown opnum and a bad stub are faults that keep the connection.
            pdus = await exchange(
                port,
                BIND
                + Request(call_id=2, opnum=75, object=WINSPOOL).encode()
                + Request(call_id=3, opnum=38, object=WINSPOOL, stub=b"\1").encode()
                + Request(call_id=4, opnum=38, object=WINSPOOL, stub=enum_printers_stub()).encode(),
            )
            answers = {p.call_id: getattr(p, "status", type(p).__name__) for p in pdus}
            assert answers == {  # each call in its own task: any order
                1: "BindAck", 2: c.NCA_S_OP_RNG_ERROR, 3: c.NCA_S_FAULT_NDR, 4: "Response"
            }  # fmt: skip
            nursery.cancel_scope.cancel()


async def test_without_anonymous_access_an_unauthenticated_call_is_refused() -> None:
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            settings = RpcSettings(users=(WebUser("alice", "pw"),), anonymous=False)
            _, estate, port = await serving(nursery, settings)
            request = Request(call_id=2, opnum=38, object=WINSPOOL, stub=enum_printers_stub())
            ack, fault = await exchange(port, BIND + request.encode())
            assert isinstance(ack, BindAck) and fault.status == c.NCA_S_FAULT_ACCESS_DENIED
            calls = estate.server.log.of_kind("rpc.call")
            assert [e for e in calls if e.subject == "RpcAsyncEnumPrinters"] == []  # never ran
            nursery.cancel_scope.cancel()


# --- limits -------------------------------------------------------------------------------------


async def test_a_request_beyond_the_reassembly_limit_is_refused() -> None:
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            _, _, port = await serving(nursery, max_request=64 * 1024)
            big = Request(call_id=2, opnum=12, object=WINSPOOL, stub=bytes(100 * 1024))
            wire = b"".join(f.encode() for f in fragment(big, 5840))
            ack, fault = await exchange(port, BIND + wire, half_close=False)
            assert isinstance(ack, BindAck) and fault.status == c.NCA_S_FAULT_ACCESS_DENIED
            assert await alive(port) == 122
            nursery.cancel_scope.cancel()


async def test_an_idle_connection_is_closed_and_its_handles_run_down() -> None:
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            front, estate, port = await serving(nursery, idle_timeout=0.5)
            before = estate.surface.open_handles()
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            open_printer = par.RpcAsyncOpenPrinter()
            open_printer["pPrinterName"] = "P1\0"
            open_printer["pDatatype"] = NULL
            open_printer["pDevModeContainer"]["pDevMode"] = NULL
            open_printer["AccessRequired"] = Access.PRINTER_ACCESS_USE
            open_printer["pClientInfo"]["Level"] = 1
            open_printer["pClientInfo"]["ClientInfo"]["tag"] = 1
            open_printer["pClientInfo"]["ClientInfo"]["pClientInfo1"]["pMachineName"] = "WS\0"
            open_printer["pClientInfo"]["ClientInfo"]["pClientInfo1"]["pUserName"] = "u\0"
            request = Request(call_id=2, opnum=0, object=WINSPOOL, stub=open_printer.getData())
            async with stream:
                await stream.send_all(BIND + request.encode())
                got = b""
                with trio.fail_after(5):
                    while chunk := await stream.receive_some(65536):
                        got += chunk  # the server closes after 0.5 s of quiet
            reader = PduReader()
            reader.receive_data(got)
            assert isinstance(reader.next_event(), BindAck)
            response = reader.next_event()
            assert response.stub[-4:] == bytes(4)  # opened
            assert estate.surface.open_handles() == before  # run down when the connection ended
            assert front.connections == 0
            nursery.cancel_scope.cancel()


class Wire:
    """A bound connection that sends MS-PAR requests and reads whole responses, in order."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream, self.reader, self.joined, self.call_id = stream, PduReader(), Reassembler(), 1
        self.pending: list = []

    async def send(self, opnum: int, **params) -> int:
        self.call_id += 1
        stub = encode_request(Interface.PAR, opnum, **params)
        request = Request(call_id=self.call_id, opnum=opnum, object=WINSPOOL, stub=stub)
        await self.stream.send_all(request.encode())
        return self.call_id

    async def next(self):
        """The next whole response or other PDU."""
        while not self.pending:
            self.reader.receive_data(await self.stream.receive_some(65536))
            while (pdu := self.reader.next_event()) is not NEED_DATA:
                whole = self.joined.add(pdu) if isinstance(pdu, Response) else pdu
                if whole is not None:
                    self.pending.append(whole)
        return self.pending.pop(0)

    async def call(self, opnum: int, **params) -> dict:
        call_id = await self.send(opnum, **params)
        response = await self.next()
        assert response.call_id == call_id, response
        return decode_response(Interface.PAR, opnum, response.stub)


async def test_a_long_poll_does_not_hold_up_other_calls_on_its_connection() -> None:
    """RpcAsyncGetRemoteNotifications waits in its own task; an EnumPrinters sent after it on
    the same connection is answered first, and a change then completes the poll."""
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            _, estate, port = await serving(nursery)
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            async with stream:
                await stream.send_all(BIND)
                wire = Wire(stream)
                assert isinstance(await wire.next(), BindAck)
                opened = await wire.call(
                    0, pPrinterName="P1", pDatatype=None, pDevModeContainer={"cbBuf": 0,
                    "pDevMode": None}, AccessRequired=Access.PRINTER_ACCESS_USE,
                    pClientInfo={"Level": 1, "ClientInfo": {"pClientInfo1": None}},
                )  # fmt: skip
                assert opened["return"] == 0
                flt = collection_to_wire(notify_filter(Change.ADD_JOB))
                registered = await wire.call(58, hPrinter=opened["pHandle"], pNotifyFilter=flt)
                assert registered["return"] == 0
                poll = await wire.send(61, hRpcHandle=registered["phRpcHandle"])
                enum = await wire.send(38, Flags=2, Name=None, Level=1, pPrinterEnum=None, cbBuf=0)
                first = await wire.next()
                assert first.call_id == enum  # the poll is still waiting
                estate.print_job(estate.alice)  # ADD_JOB: the poll completes
                second = await wire.next()
                assert second.call_id == poll
                reply = decode_response(Interface.PAR, 61, second.stub)
                assert reply["return"] == 0 and reply["ppNotifyData"] is not None
            nursery.cancel_scope.cancel()
