"""A keep-alive HTTP/1.1 client for the fuzzers, on h11 (the server's own parser family), and a
local h11 server that says what the real one will make of a request's octets."""

from __future__ import annotations

import attrs
import h11
import trio

from benchmarks.fuzz import common
from spoolsim.net.web import MAX_REQUEST_HEAD


@attrs.frozen
class Answer:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    informational: tuple[int, ...] = ()


class Broken(Exception):
    """The server closed, reset, sent what h11 cannot read, or stayed silent too long."""


class Client:
    """Requests and their responses, one at a time, on one connection."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=1 << 20)

    @property
    def reusable(self) -> bool:
        """The connection can carry another request."""
        return self.conn.our_state is h11.IDLE and self.conn.their_state is h11.IDLE

    async def request(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> Answer:
        """Send a well-formed request; its response."""
        conn = self.conn
        head = [(k, v) for k, v in headers if k.lower() != "content-length"]
        if method not in ("GET", "HEAD") or body:
            head.append(("Content-Length", str(len(body))))
        data = conn.send(h11.Request(method=method, target=target, headers=head))
        data += conn.send(h11.Data(data=body)) if body else b""
        data += conn.send(h11.EndOfMessage())
        if not await common.send(self.stream, data):
            raise Broken("closed before the request was sent")
        return await self.response()

    def expect(self, request: h11.Request) -> None:
        """Put the client in the state of having sent ``request`` (and its body), whose octets
        went out raw."""
        self.conn.send(request)
        # h11 checks the body length against Content-Length; the octets are not sent again.
        length = dict(request.headers).get(b"content-length")
        if length is not None and int(length):
            self.conn.send(h11.Data(data=bytes(int(length))))
        self.conn.send(h11.EndOfMessage())

    async def response(self) -> Answer:
        """The next response (after any 1xx)."""
        conn, informational, body = self.conn, [], bytearray()
        status, headers = 0, {}
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise Broken(f"unreadable response: {exc}") from None
            if event is h11.NEED_DATA:
                chunk = await common.receive(self.stream)
                if chunk is None:
                    raise Broken(f"no response within {common.ANSWER_TIMEOUT:g} s")
                conn.receive_data(chunk)
            elif isinstance(event, h11.InformationalResponse):
                informational.append(event.status_code)
            elif isinstance(event, h11.Response):
                status, headers = event.status_code, dict(event.headers)
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                    conn.start_next_cycle()
                return Answer(status, headers, bytes(body), tuple(informational))
            elif isinstance(event, h11.ConnectionClosed):
                raise Broken("closed before a response")


@attrs.frozen
class Reading:
    """What the server's parser makes of some request octets: one whole request (``request``,
    and whether the connection may carry another), a protocol error, or an incomplete one."""

    request: h11.Request | None
    error: bool
    keep_alive: bool = False


def read_request(data: bytes) -> Reading:
    """Read ``data`` as hypercorn's h11 server would (same head limit)."""
    server = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_REQUEST_HEAD)
    server.receive_data(data)
    request = None
    try:
        while True:
            event = server.next_event()
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.EndOfMessage):
                # Octets after the request would be the next one: not what the fuzzer meant.
                leftover = server.trailing_data[0]
                if leftover:
                    return Reading(None, False)
                return Reading(request, False, server.their_state is h11.DONE and _keeps(request))
            elif event is h11.NEED_DATA or event is h11.PAUSED:
                return Reading(None, False)
    except h11.RemoteProtocolError:
        return Reading(None, True)


def _keeps(request: h11.Request | None) -> bool:
    if request is None or request.http_version != b"1.1":
        return False
    return all(
        value.lower() != b"close" for name, value in request.headers if name == b"connection"
    )
