"""HTTP/1.1 over Trio: the sans-I/O codec of ``spoolsim.wire.http`` bound to TCP streams.

``serve_http`` binds, reports the port it got through ``task_status.started(port)`` (so tests can
ask for port 0) and runs one task per connection. ``handle_http`` is that task: it moves bytes
between a stream and an :class:`~spoolsim.wire.http.HTTPConnection` and asks a synchronous
handler for each response, in the caller's Trio task world (so a handler reads the model with
nothing else running). Every read and write is bounded by a timeout; malformed input is answered
with the codec's status (400 saying what was wrong, 431, 501, ...) and ends that connection only.
A handler that raises gets a 500 and the connection goes on.

Timeouts are in the run's clock. Under ``MockClock(rate=R)`` a Trio timeout of T lasts T / R real
seconds; timeouts here protect real clients, so pass ``time_scale=R`` and they last the real
seconds they say.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import trio

from spoolsim.wire.http import (
    MAX_BODY,
    MAX_HEAD,
    NEED_DATA,
    HTTPConnection,
    HTTPError,
    Request,
    Response,
)

Handler = Callable[[Request], Response]

IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent, mid-request or between requests
LINGER = 2.0  # seconds to read and discard what a client still sends after our last response
RECEIVE_SIZE = 65536

log = logging.getLogger(__name__)


async def serve_http(
    handler: Handler,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    idle_timeout: float = IDLE_TIMEOUT,
    time_scale: float = 1.0,
    max_head: int = MAX_HEAD,
    max_body: int = MAX_BODY,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve HTTP/1.1 on ``host:port`` with ``handler``, forever.

    Args:
        handler: called with each :class:`Request`; returns the :class:`Response`.
        host: the address to bind.
        port: the port to bind; 0 picks a free one.
        idle_timeout: seconds (real, see ``time_scale``) a connection may stay silent before it is
            closed; also the limit on each write.
        time_scale: the clock's rate R under ``MockClock(rate=R)``, 1 under the real clock.
        max_head: the most bytes of a request line and headers (431 beyond).
        max_body: the largest request body (413 beyond).
        task_status: receives the bound port.

    Raises:
        OSError: the address cannot be bound.
    """
    serve = functools.partial(
        handle_http,
        handler=handler,
        timeout=idle_timeout * time_scale,
        linger=LINGER * time_scale,
        max_head=max_head,
        max_body=max_body,
    )

    async def guarded(stream: trio.SocketStream) -> None:
        try:
            await serve(stream)
        except Exception:  # one connection's trouble never stops the server
            log.exception("HTTP connection failed")

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, guarded, port, host=host))
        task_status.started(listeners[0].socket.getsockname()[1])


async def handle_http(
    stream: trio.abc.Stream,
    *,
    handler: Handler,
    timeout: float = IDLE_TIMEOUT,
    linger: float = LINGER,
    max_head: int = MAX_HEAD,
    max_body: int = MAX_BODY,
) -> None:
    """Serve one connection until either side ends it; the stream is closed on return.

    Args:
        stream: the connection.
        handler: makes the response to each request.
        timeout: the limit, in the run's clock, on each read and each write.
        linger: after the last response, how long to read and discard the rest of the client's
            data, so that closing with unread bytes does not reset the connection before the
            client has read the response.
        max_head: see :func:`serve_http`.
        max_body: see :func:`serve_http`.
    """
    conn = HTTPConnection(max_head=max_head, max_body=max_body)
    try:
        while True:
            try:
                event = conn.next_event()
            except HTTPError as error:
                if error.remote:
                    log.info("HTTP request refused: %s", error)
                    if await _send(stream, conn.send_error(error), timeout):
                        await _linger(stream, linger)
                return
            if event is NEED_DATA:
                with trio.move_on_after(timeout):
                    conn.receive_data(await stream.receive_some(RECEIVE_SIZE))
                    continue
                if conn.mid_request:  # silent in the middle of a request
                    await _send(stream, conn.send_error(_timed_out()), timeout)
                return
            if not isinstance(event, Request):  # ConnectionClosed
                return
            data = conn.send(_respond(handler, event))
            if not await _send(stream, data, timeout):
                return
            if conn.state == "CLOSING":
                await _linger(stream, linger)
                return
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return  # the client went away
    finally:
        await trio.aclose_forcefully(stream)


def _timed_out() -> HTTPError:
    return HTTPError(408, "the request did not arrive in time")


def _respond(handler: Handler, request: Request) -> Response:
    try:
        return handler(request)
    except Exception:
        log.exception("HTTP handler failed on %s %s", request.method, request.target)
        text = b"500 Internal Server Error: the handler failed; see the server's log\n"
        return Response(500, (("Content-Type", "text/plain; charset=utf-8"),), text)


async def _send(stream: trio.abc.Stream, data: bytes, timeout: float) -> bool:
    """Write ``data``; False when the peer went away or did not read in time."""
    try:
        with trio.move_on_after(timeout):
            await stream.send_all(data)
            return True
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    return False


async def _linger(stream: trio.abc.Stream, linger: float) -> None:
    """Half-close, then drain what the client still sends, for at most ``linger``."""
    try:
        if isinstance(stream, trio.abc.HalfCloseableStream):
            await stream.send_eof()
        with trio.move_on_after(linger):
            while await stream.receive_some(RECEIVE_SIZE):
                pass
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
