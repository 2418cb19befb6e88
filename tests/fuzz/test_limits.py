"""Every front end's limits, on real sockets (the real clock; the limits are made small):

* slowloris: a client that keeps sending, one octet at a time, but never finishes its first
  message is dropped at the message (header) deadline, long before the idle timeout, on every
  TCP front end: AppSocket, LPD, HTTP (head and body), DCE/RPC and the endpoint mapper;
* connections per client: one peer address holds at most the cap at once; one more is turned
  away at once, while another address, and the same one after it closes, still get in;
* oversized messages are refused with the protocol's own error;
* memory per connection is bounded: replies a host does not read, jobs a device holds, the
  error log, a response a client does not take, an IPP attribute section.
"""

from __future__ import annotations

import functools
import math
import socket
import struct

import attrs
import pytest
import trio
import trio.testing

from devices.printer import DeviceLimits, ErrorLog, VirtualPrinter
from devices.profile import load_profile
from devices.serve import serve_lpd, serve_raw9100
from spoolsim.net import web
from spoolsim.net.rpcserver import RpcFrontEnd, RpcLimits, serve_epm
from spoolsim.net.web import WebSite, serve_web
from spoolsim.wire import dcerpccodes as c
from spoolsim.wire import ipp, pjl
from spoolsim.wire.dcerpc import Bind, ContextElem, SyntaxId
from spoolsim.wire.ippcodes import Op, Status, Tag
from tests.net.test_web import serving
from tests.rpc.estate import Estate

UEL = pjl.UEL
QUICK = 0.5  # the small deadline under test, in seconds
SLOW = 30.0  # an idle timeout that must not be what drops the client
BIND = Bind(call_id=1, contexts=(ContextElem(0, SyntaxId(*c.MS_PAR), (SyntaxId(*c.NDR),)),))


async def trickle(stream: trio.SocketStream, data: bytes, every: float = 0.05) -> float:
    """Send ``data`` an octet at a time until the server closes; the seconds that took."""
    start = trio.current_time()
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:

            async def feed() -> None:
                for octet in data:
                    try:
                        await stream.send_all(bytes([octet]))
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        return
                    await trio.sleep(every)
                await trio.sleep_forever()

            nursery.start_soon(feed)
            try:
                while await stream.receive_some(65536):
                    pass
            except trio.BrokenResourceError:
                pass
            nursery.cancel_scope.cancel()
    return trio.current_time() - start


async def connect(port: int, source: str = "127.0.0.1") -> trio.SocketStream:
    return await trio.open_tcp_stream("127.0.0.1", port, local_address=source)


async def closed_at_once(stream: trio.SocketStream) -> bytes | None:
    """What the server sends before closing, if it closes within a second (else None)."""
    got = b""
    with trio.move_on_after(1):
        try:
            while chunk := await stream.receive_some(65536):
                got += chunk
        except trio.BrokenResourceError:
            pass
        return got
    return None


@pytest.fixture
def printer() -> VirtualPrinter:
    return VirtualPrinter(load_profile("hp-lj-pro-m404"))


async def device(nursery: trio.Nursery, printer: VirtualPrinter, serve, **limits) -> int:
    await nursery.start(printer.run)
    chosen = DeviceLimits(**{"idle_timeout": SLOW, "message_timeout": QUICK, **limits})
    return await nursery.start(functools.partial(serve, printer, port=0, limits=chosen))


# --- slowloris -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serve", "message"),
    [(serve_raw9100, UEL + b"@PJL INFO STATUS\r\n"), (serve_lpd, b"\x03" + b"q" * 200)],
    ids=["appsocket", "lpd"],
)
async def test_a_device_drops_a_slowloris_at_the_message_deadline(printer, serve, message):
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve)
        async with await connect(port) as stream:
            took = await trickle(stream, message * 10)
        nursery.cancel_scope.cancel()
    assert QUICK <= took < QUICK + 1.5  # not the idle timeout: octets kept coming
    assert any("not whole within 0.5" in e or "message not whole" in e for e in printer.errors)


async def test_appsocket_drops_a_host_that_sends_nothing_at_the_first_message_deadline(printer):
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve_raw9100)
        async with await connect(port) as stream:
            with trio.fail_after(3):
                assert await stream.receive_some(10) == b""
        nursery.cancel_scope.cancel()


async def test_appsocket_keeps_a_host_whose_messages_are_whole(printer):
    """The deadline is per message: a host sending whole lines slower than it stays."""
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve_raw9100)
        async with await connect(port) as stream:
            for n in range(4):
                await stream.send_all(UEL + b"@PJL ECHO %d\r\n" % n)
                await trio.sleep(QUICK * 0.8)
            got = b""
            with trio.fail_after(3):
                while b"ECHO 3" not in got:
                    got += await stream.receive_some(65536)
        nursery.cancel_scope.cancel()


async def test_http_drops_a_slowloris_at_the_head_deadline():
    async with serving() as site:
        site_scale = QUICK / web.KEEP_ALIVE
        # serving() runs serve_web at scale 1; run a second server on the same site, scaled.
        async with trio.open_nursery() as nursery:
            port = await nursery.start(
                functools.partial(serve_web, _site(site), "127.0.0.1", 0, time_scale=site_scale)
            )
            async with await connect(port) as stream:
                took = await trickle(stream, b"GET /printers/ HTTP/1.1\r\nX-Slow: " + b"a" * 200)
            nursery.cancel_scope.cancel()
    assert QUICK <= took < QUICK + 1.5


async def test_http_answers_a_slow_body_408_at_the_body_deadline():
    async with serving() as site:
        async with trio.open_nursery() as nursery:
            scale = QUICK / web.BODY_TIMEOUT
            port = await nursery.start(
                functools.partial(serve_web, _site(site), "127.0.0.1", 0, time_scale=scale)
            )
            head = (
                b"POST /printers/Laser1/.printer HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/ipp\r\nContent-Length: 500\r\n\r\n"
            )
            async with await connect(port) as stream:
                await stream.send_all(head)
                answer = b""
                with trio.fail_after(5):
                    for _ in range(100):
                        await stream.send_all(b"\x01")
                        with trio.move_on_after(0.05):
                            answer += await stream.receive_some(65536)
                        if answer:
                            break
            nursery.cancel_scope.cancel()
    assert answer.startswith(b"HTTP/1.1 408 "), answer


async def test_dcerpc_drops_a_slow_bind_at_the_first_pdu_deadline():
    estate = Estate()
    front = RpcFrontEnd(estate.surface, limits=RpcLimits(first_pdu_timeout=QUICK))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(front.serve, "127.0.0.1", 0)
        epm_port = await nursery.start(serve_epm, front, "127.0.0.1", 0)
        for target in (port, epm_port):
            async with await connect(target) as stream:
                took = await trickle(stream, BIND.encode())
            assert QUICK <= took < QUICK + 1.5
        nursery.cancel_scope.cancel()


async def test_dcerpc_keeps_a_bound_association_past_the_first_pdu_deadline():
    estate = Estate()
    front = RpcFrontEnd(estate.surface, limits=RpcLimits(first_pdu_timeout=QUICK))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(front.serve, "127.0.0.1", 0)
        async with await connect(port) as stream:
            await stream.send_all(BIND.encode())
            assert (await stream.receive_some(65536))[2] == c.BIND_ACK
            with trio.move_on_after(QUICK * 3):
                assert await stream.receive_some(10) != b"", "closed while bound"
        nursery.cancel_scope.cancel()


def _site(site) -> WebSite:
    return WebSite(site.server, site.surface)


# --- connections per client ------------------------------------------------------------------


@pytest.mark.parametrize("serve", [serve_raw9100, serve_lpd], ids=["appsocket", "lpd"])
async def test_a_device_caps_connections_per_peer(printer, serve):
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve, max_peer_connections=2, message_timeout=SLOW)
        first, second = await connect(port), await connect(port)
        third = await connect(port)
        assert await closed_at_once(third) == b""  # turned away at once
        other = await connect(port, "127.0.0.2")  # another peer address gets in
        assert await closed_at_once(other) is None
        await first.aclose()
        await trio.sleep(0.1)
        again = await connect(port)  # a slot is free again
        assert await closed_at_once(again) is None
        for stream in (second, third, other, again):
            await stream.aclose()
        nursery.cancel_scope.cancel()
    assert any("refused: it has 2 open already" in e for e in printer.errors)


async def test_dcerpc_caps_connections_per_peer():
    estate = Estate()
    front = RpcFrontEnd(estate.surface, limits=RpcLimits(max_peer_connections=2))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(front.serve, "127.0.0.1", 0)
        held = [await connect(port), await connect(port)]
        extra = await connect(port)
        assert await closed_at_once(extra) == b""
        other = await connect(port, "127.0.0.2")
        await other.send_all(BIND.encode())
        assert (await other.receive_some(65536))[2] == c.BIND_ACK
        for stream in (*held, extra, other):
            await stream.aclose()
        nursery.cancel_scope.cancel()


async def test_http_caps_connections_per_peer_with_503(monkeypatch):
    monkeypatch.setattr(web, "MAX_PEER_CONNECTIONS", 2)
    async with serving() as site:
        held = [await connect(site.port), await connect(site.port)]
        extra = await connect(site.port)
        answer = await closed_at_once(extra)
        assert answer is not None and answer.startswith(b"HTTP/1.1 503 "), answer
        for stream in (*held, extra):
            await stream.aclose()
        # Closed connections stop counting at once, though hypercorn keeps their tasks for a
        # while: a client that opens and closes connections one after another is never refused.
        for _ in range(6):
            async with await connect(site.port) as stream:
                await stream.send_all(
                    b"GET /printers/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                answer = await closed_at_once(stream)
            assert answer is not None and answer.startswith(b"HTTP/1.1 200 "), answer[:80]


# --- oversized messages ----------------------------------------------------------------------


async def test_appsocket_ends_a_connection_on_an_overlong_pjl_line(printer):
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve_raw9100, message_timeout=SLOW)
        async with await connect(port) as stream:
            await stream.send_all(UEL + b"@PJL COMMENT " + b"x" * 5000)
            assert await closed_at_once(stream) == b""
        nursery.cancel_scope.cancel()
    assert any("line over 4096 bytes" in e for e in printer.errors)


@pytest.mark.parametrize(
    "conversation",
    [
        b"\x02lp" + b"q" * 2000 + b"\n",  # a command line over 1024 octets
        b"\x02lp\n\x02" + b"%d cfA001host\n" % (64 * 1024 + 1),  # a control file over 64 KiB
    ],
    ids=["long-line", "huge-control-file"],
)
async def test_lpd_refuses_oversized_input_with_a_nak(printer, conversation):
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve_lpd, message_timeout=SLOW)
        async with await connect(port) as stream:
            await stream.send_all(conversation)
            answer = await closed_at_once(stream)
        nursery.cancel_scope.cancel()
    assert answer is not None and answer.endswith(b"\x01"), answer  # NAK, then the close


async def test_http_refuses_an_oversized_request_head():
    async with serving() as site:
        async with await connect(site.port) as stream:
            big = b"x" * (web.MAX_REQUEST_HEAD + 100)
            # Not yet whole: the head h11 must buffer grows past the limit.
            await stream.send_all(b"GET /printers/ HTTP/1.1\r\nHost: x\r\nX-Big: " + big)
            answer = await closed_at_once(stream)
    assert answer is not None and answer[:12] in (b"HTTP/1.1 431", b"HTTP/1.1 400"), answer[:80]


def _ipp_head(size: int) -> bytes:
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
        ipp.uri("printer-uri", "ipp://127.0.0.1/printers/Laser1/.printer"),
        ipp.keyword("requested-attributes", *(["all"] * (size // 5))),
    ]
    return ipp.encode(
        ipp.Message((1, 1), Op.GET_PRINTER_ATTRIBUTES, 9, [ipp.Group(Tag.OPERATION, operation)])
    )


def test_ipp_decode_refuses_an_oversized_attribute_section_before_parsing_it():
    body = _ipp_head(ipp.MAX_HEAD + 10)
    with pytest.raises(ipp.IPPError) as refused:
        ipp.decode(body)
    assert refused.value.status is Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
    assert refused.value.request_id == 9
    assert ipp.decode(_ipp_head(1000)).request_id == 9


async def test_the_ipp_endpoint_answers_an_oversized_head_request_entity_too_large():
    async with serving() as site:
        _, reply = await site.ipp(_ipp_head(ipp.MAX_HEAD + 10))
    assert Status(reply.code) is Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE


async def test_dcerpc_refuses_an_oversized_fragment_and_closes():
    estate = Estate()
    front = RpcFrontEnd(estate.surface)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(front.serve, "127.0.0.1", 0)
        async with await connect(port) as stream:
            await stream.send_all(BIND.encode())
            await stream.receive_some(65536)
            size = 6000  # over the 5840 bind_ack granted
            header = struct.pack("<BBBB4sHHI", 5, 0, c.REQUEST, 3, b"\x10\0\0\0", size, 0, 2)
            await stream.send_all(header + bytes(size - 16))
            answer = await closed_at_once(stream)
        nursery.cancel_scope.cancel()
    assert answer is not None and answer[2] == c.FAULT, answer  # a fault, then the close


# --- memory per connection -------------------------------------------------------------------


async def test_appsocket_ends_a_connection_whose_host_does_not_read_its_replies(printer):
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve_raw9100, max_outbox=64 * 1024)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # reads nothing, holds little
        stream = trio.SocketStream(trio.socket.from_stdlib_socket(sock))
        await stream.socket.connect(("127.0.0.1", port))
        line = UEL + b"@PJL ECHO " + b"e" * 4000 + b"\r\n"
        with trio.fail_after(10):
            try:
                while True:  # the server stops reading, then closes
                    await stream.send_all(line * 16)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
        await stream.aclose()
        nursery.cancel_scope.cancel()
    assert any("does not read its replies" in e for e in printer.errors)


async def test_a_device_holds_a_bounded_number_of_jobs(printer):
    job = UEL + b'@PJL JOB NAME="j"\r\n@PJL ENTER LANGUAGE=PCL\r\npage\x0c' + UEL + b"@PJL EOJ\r\n"
    async with trio.open_nursery() as nursery:
        port = await device(nursery, printer, serve_raw9100, max_jobs_held=2)
        lpd = await nursery.start(
            functools.partial(serve_lpd, printer, port=0, limits=DeviceLimits(max_jobs_held=2))
        )
        async with await connect(port) as stream:
            await stream.send_all(job * 3 + UEL + b"@PJL ECHO done\r\n")
            got = b""
            with trio.fail_after(5):
                while b"ECHO done" not in got:
                    got += await stream.receive_some(65536)
        assert printer.jobs_held == 2 and printer.jobs_received == 2
        async with await connect(lpd) as stream:  # LPD refuses the next job's files: NAK
            await stream.send_all(b"\x02lp\n\x03" + b"5 dfA001host\n" + b"page\x0c\x00")
            answer = await closed_at_once(stream)
        nursery.cancel_scope.cancel()
    assert answer == b"\x00\x01"  # the command accepted, the data file refused
    assert any("job memory full" in e for e in printer.errors)


def test_the_error_log_keeps_only_the_last_entries():
    log = ErrorLog(limit=3)
    for n in range(10):
        log.append(f"e{n}")
    assert log == ["e7", "e8", "e9"]


async def test_http_drops_a_client_that_does_not_take_its_response():
    theirs, ours = trio.testing.lockstep_stream_pair()  # send_all waits for a reader
    released = []
    fake = attrs.make_class("Fake", {"socket": attrs.field(default=None)})()
    guarded = web._Connection(fake, 0.2, lambda: released.append(True))  # type: ignore[arg-type]
    guarded.stream = ours  # type: ignore[assignment]
    with trio.fail_after(3), pytest.raises(trio.BrokenResourceError):
        await guarded.send_all(b"response")
    assert released == [True]
    await theirs.aclose()


def test_device_limits_scale_with_the_clock_rate():
    scaled = DeviceLimits().scaled(60)
    assert scaled.idle_timeout == DeviceLimits().idle_timeout * 60
    assert scaled.message_timeout == DeviceLimits().message_timeout * 60
    assert scaled.max_outbox == DeviceLimits().max_outbox
    assert not math.isinf(scaled.message_timeout)
