"""The print server's web site on one port: ``/printers/`` pages and JSON, IPP, ``/metrics``.

The HTTP stack is hypercorn's Trio worker running a Starlette application: both are maintained,
hypercorn runs natively on Trio (so handlers call the synchronous model in the estate's own Trio
run, with nothing else running in between), handles ``Expect: 100-continue`` (ipptool and CUPS
send it before a document) and keep-alive, and gives a server lifetime that fits
``serve_*(…, task_status)``.

Routes:

* ``GET /printers/`` the shared printers; ``GET /printers/<name>/`` one printer with its jobs
  and the actions; ``?format=json`` (or ``Accept: application/json``) gives the same data as JSON.
* ``POST /printers/<name>/`` a form with ``action`` (pause, resume, purge, pause-job, resume-job,
  restart-job, cancel-job with ``job``, or connect with ``client``): done through the method
  surface as the logged-in user; a refusal is shown as a readable message (HTTP 403).
* ``POST /printers/<name>/.printer`` with ``Content-Type: application/ipp``: IPP/1.1; the same
  URL as ``ipp://host:port/printers/<name>/.printer``.
* ``GET /metrics``: the Prometheus exposition, when the site is given one.

Users: HTTP basic credentials checked against the configured users; with anonymous access on, a
request without credentials acts as IIS's anonymous account (``IUSR``, Everyone only) on the
pages, and as its ``requesting-user-name`` over IPP. Timeouts are real seconds: under
``MockClock(rate=R)`` pass ``time_scale=R``.

Limits: a request head (request line and headers) still incomplete past
:data:`MAX_REQUEST_HEAD` octets is refused by hypercorn's h11 (431, then the connection closes; a
head that arrives whole in one read of at most 64 KiB is taken); the head must be whole within
:data:`KEEP_ALIVE` seconds of the connection opening or of the previous response (hypercorn's
idle timer runs until a whole head arrives, so octets trickled in do not push it back); a body
must be whole within :data:`BODY_TIMEOUT` (408 otherwise) and hold at most :data:`MAX_BODY`
octets for IPP, :data:`MAX_FORM` for a form (413 / 400); one peer address holds at most
:data:`MAX_PEER_CONNECTIONS` connections at once (one more gets 503 and is closed), each with at
most :data:`H2_MAX_STREAMS` requests at once over HTTP/2; a response the client does not take
within :data:`SEND_TIMEOUT` ends its connection. So one connection holds at most
``H2_MAX_STREAMS * (MAX_BODY + MAX_REQUEST_HEAD)`` octets of request (one body over HTTP/1.1).
"""

from __future__ import annotations

import base64
import collections
import contextlib
import functools
import logging
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Protocol

import trio
from hypercorn.app_wrappers import ASGIWrapper
from hypercorn.config import Config
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.trio.worker_context import WorkerContext
from hypercorn.typing import ConnectionState
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from spoolsim.model.constants import Win32
from spoolsim.model.security import EVERYONE, Principal, admin, user
from spoolsim.model.server import PrintServer
from spoolsim.net import pages
from spoolsim.net.ippservice import Caller, IppService, printer_of_path
from spoolsim.net.settings import WebSettings
from spoolsim.rpc.client import Client
from spoolsim.rpc.core import Surface

IPP_TYPE = "application/ipp"
MAX_BODY = 64 * 1024 * 1024
"""Octets of the largest IPP request (document included) accepted; more gets 413."""
MAX_FORM = 64 * 1024
"""Octets of the largest form (a printer page's action) accepted; more gets 400."""
KEEP_ALIVE = 5.0
"""Real seconds an idle connection is kept, and the deadline for a request head: from the
connection opening, or the previous response, to the head's last header line."""
BODY_TIMEOUT = 120.0
"""Real seconds within which a request body must be whole once its head is in; a slower
client gets 408 and the connection closes."""
MAX_REQUEST_HEAD = 16 * 1024
"""Octets of an incomplete request head h11 buffers (HTTP/1.1), or of a header list (HTTP/2)."""
MAX_PEER_CONNECTIONS = 16
"""Connections one peer address may hold open at once; one more gets 503 and is closed."""
SEND_TIMEOUT = 30.0
"""Real seconds a client may take to accept a response's octets (its socket not draining)
before the connection is dropped: a client that never reads cannot hold one."""
H2_MAX_STREAMS = 4
"""Requests one HTTP/2 connection may have open at once (hypercorn's default is 100)."""
ANONYMOUS = Principal("IUSR", "WEB", frozenset({EVERYONE}))

log = logging.getLogger(__name__)


class Connector(Protocol):
    """Runs the Connect (web printer connection) flow for the printer page's Connect button."""

    def clients(self) -> Sequence[tuple[str, str]]:
        """The simulated client machines a user may connect from: (id, label) pairs."""
        ...

    async def connect(self, client: str, printer: str, principal: Principal) -> pages.ConnectShown:
        """Connect ``client`` to ``printer`` as ``principal``; what to show when it ends."""
        ...


class _Unauthorized(Exception):
    pass


class WebSite:
    """The routes over one print server.

    Args:
        server: the print server whose printers the site shows.
        surface: its method surface; every read and action goes through it.
        settings: users and anonymous access.
        metrics: returns the Prometheus exposition and its content type, if ``/metrics`` is served.
        ipp: the server's IPP service, when the scenario's clients already use one.
        connector: runs the Connect flow, if the printer page offers it.
        clock: simulated now.
    """

    def __init__(
        self,
        server: PrintServer,
        surface: Surface,
        settings: WebSettings | None = None,
        *,
        metrics: Callable[[], tuple[bytes, str]] | None = None,
        ipp: IppService | None = None,
        connector: Connector | None = None,
        clock: Callable[[], float] = trio.current_time,
    ) -> None:
        self.server = server
        self.surface = surface
        self.settings = settings = settings if settings is not None else WebSettings()
        self.metrics = metrics
        self.connector = connector
        self.clock = clock
        self.ipp = ipp if ipp is not None else IppService(server, surface)
        self.time_scale = 1.0  # the clock's rate; serve_web sets it, so body timeouts are real
        self._users = {u.name.lower(): u for u in settings.users}
        self.app = Starlette(
            routes=[
                Route("/", self._root),
                Route("/metrics", self._metrics, methods=["GET", "HEAD"]),
                Route("/printers", self._root),
                Route("/printers/", self._printers, methods=["GET", "HEAD"]),
                Route("/printers/{rest:path}", self._printer, methods=["GET", "HEAD", "POST"]),
            ],
            exception_handlers={404: _not_found, 405: _not_allowed},
        )

    # -- authentication ----------------------------------------------------------------------

    def _principal(self, request: Request) -> Principal | None:
        """The authenticated principal, None when anonymous (and allowed)."""
        header = request.headers.get("authorization")
        if header is None:
            if self.settings.anonymous:
                return None
            raise _Unauthorized("this site needs a user name and password")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            raise _Unauthorized(f"authentication scheme {scheme!r}: only Basic")
        try:
            name, sep, password = base64.b64decode(token, validate=True).decode().partition(":")
        except ValueError:  # binascii.Error, UnicodeDecodeError, or a token that is not ASCII
            raise _Unauthorized("malformed Basic credentials") from None
        account = self._users.get(name.lower())
        if not sep or account is None or account.password != password:
            raise _Unauthorized(f"unknown user or wrong password for {name!r}")
        make = admin if account.admin else user
        return make(account.name, machine="WEB")

    def _challenge(self, why: str) -> StarletteResponse:
        return PlainTextResponse(
            f"401 Unauthorized: {why}\n",
            401,
            headers={"WWW-Authenticate": f'Basic realm="{self.settings.realm}"'},
        )

    # -- routes ------------------------------------------------------------------------------

    async def _root(self, request: Request) -> StarletteResponse:
        return RedirectResponse("/printers/", 301)

    async def _metrics(self, request: Request) -> StarletteResponse:
        if self.metrics is None:
            return await _not_found(request, None)
        body, content_type = self.metrics()
        return StarletteResponse(body, headers={"Content-Type": content_type})

    async def _printers(self, request: Request) -> StarletteResponse:
        try:
            principal = self._principal(request)
        except _Unauthorized as why:
            return self._challenge(str(why))
        view = pages.printers_view(Client(self.surface, principal or ANONYMOUS))
        if _wants_json(request):
            return JSONResponse(pages.to_json(view), _http_status(view.status))
        html = pages.render_printers(
            view, user=_shown(principal), server=self.server.name, message=view.message
        )
        return HTMLResponse(html, _http_status(view.status))

    async def _printer(self, request: Request) -> StarletteResponse:
        path = "/printers/" + request.path_params["rest"]
        name = printer_of_path(path)
        if name is None:
            return await _not_found(request, None)
        try:
            principal = self._principal(request)
        except _Unauthorized as why:
            return self._challenge(str(why))
        if request.method == "POST" and (
            path.endswith("/.printer") or _media_type(request) == IPP_TYPE
        ):
            return await self._ipp(request, principal)
        if not path.endswith("/"):
            return RedirectResponse(f"/printers/{urllib.parse.quote(name)}/", 301)
        client = Client(self.surface, principal or ANONYMOUS)
        message, status, shown, refused = "", 0, None, 0
        if request.method == "POST":
            try:
                form = await _form(request, BODY_TIMEOUT * self.time_scale)
            except _TooSlow:
                return _too_slow()
            if form is None:
                return PlainTextResponse(
                    "400 Bad Request: actions are POSTed as application/x-www-form-urlencoded"
                    f" forms of at most {MAX_FORM} bytes\n",
                    400,
                )
            action = form.get("action", "")
            if action == "connect" and self.connector is not None:
                shown = await self.connector.connect(
                    form.get("client", ""), name, principal or ANONYMOUS
                )
                # The connection's failure is the client's, shown on a page that worked.
                status, message = shown.status or (0 if shown.ok else 1), shown.message
            else:
                outcome = pages.act(client, name, action, form.get("job"))
                status, message = outcome.status, outcome.message
                refused = status
        view = pages.printer_view(client, name)
        if _wants_json(request):
            data = pages.to_json(view)
            if message:
                data = {**data, "action": {"status": status, "message": message}}
            return JSONResponse(data, _http_status(view.status or refused))
        html = pages.render_printer(
            view,
            user=_shown(principal),
            message=message or view.message,
            status=status or view.status,
            connect_clients=self.connector.clients() if self.connector is not None else (),
            connect_result=shown,
        )
        return HTMLResponse(html, _http_status(view.status or refused))

    async def _ipp(self, request: Request, principal: Principal | None) -> StarletteResponse:
        if _media_type(request) != IPP_TYPE:
            return PlainTextResponse(
                f"415 Unsupported Media Type: IPP requests are POSTed as {IPP_TYPE}\n", 415
            )
        try:
            body = await _body(request, MAX_BODY, BODY_TIMEOUT * self.time_scale)
        except _TooSlow:
            return _too_slow()
        if body is None:
            return PlainTextResponse(
                f"413 Content Too Large: an IPP request may hold at most {MAX_BODY} bytes\n", 413
            )
        host = request.headers.get("host") or f"{self.server.name}:631"
        reply = self.ipp.handle(body, Caller(principal, host), self.clock())
        return StarletteResponse(reply, headers={"Content-Type": IPP_TYPE})


async def serve_web(
    site: WebSite,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    time_scale: float = 1.0,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``site`` on ``host:port`` until cancelled; report the bound port.

    Each accepted connection runs hypercorn's Trio connection handler (HTTP/1.1, and HTTP/2 with
    prior knowledge) after the per-peer connection count is checked (see the module docstring).

    Args:
        site: the web site (its ``time_scale`` is set to ``time_scale``).
        host: the address to bind.
        port: the port; 0 picks a free one.
        time_scale: the clock's rate R under ``MockClock(rate=R)`` (1 under the real clock), so
            keep-alive, head and body timeouts last the real seconds they say.
        task_status: receives the bound port.

    Raises:
        OSError: the address cannot be bound.
    """
    site.time_scale = time_scale
    config = Config()
    config.keep_alive_timeout = KEEP_ALIVE * time_scale
    config.h11_max_incomplete_size = MAX_REQUEST_HEAD
    config.h2_max_header_list_size = MAX_REQUEST_HEAD
    config.h2_max_concurrent_streams = H2_MAX_STREAMS
    config.errorlog = log
    config.accesslog = None
    app = ASGIWrapper(site.app)
    context = WorkerContext(None)
    open_from: collections.Counter[str] = collections.Counter()  # connections open, by peer

    async def connection(stream: trio.SocketStream) -> None:
        peer = _peer(stream)
        if open_from[peer] >= MAX_PEER_CONNECTIONS:
            log.info("http %s: %d connections open already, refused", peer, open_from[peer])
            await _refuse(stream)
            return
        open_from[peer] += 1

        def gone() -> None:
            open_from[peer] -= 1
            if not open_from[peer]:
                del open_from[peer]

        guarded = _Connection(stream, SEND_TIMEOUT * time_scale, gone)
        try:
            await TCPServer(app, config, context, ConnectionState({}), guarded)
        finally:
            guarded.release()

    listeners = await trio.open_tcp_listeners(port, host=host)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(functools.partial(trio.serve_listeners, connection, listeners))
        task_status.started(listeners[0].socket.getsockname()[1])


class _Connection(trio.abc.HalfCloseableStream):
    """A client connection as hypercorn's connection handler sees it, with three repairs.

    * A response sent while hypercorn half-closes the connection from another task fails as
      a broken connection (which hypercorn handles), not with Trio's BusyResourceError (which
      it does not expect there and logs as an application error).
    * A send that the client does not drain within ``send_timeout`` seconds ends the
      connection (hypercorn shields its sends, so a client that never reads would hold it).
    * ``released`` (the per-peer count) runs as soon as the client has gone (end of stream,
      reset or close): hypercorn keeps a closed connection's task for up to its keep-alive
      timeout, which must not count against the client's next connections.
    """

    def __init__(
        self, stream: trio.SocketStream, send_timeout: float, released: Callable[[], None]
    ) -> None:
        self.stream, self.socket = stream, stream.socket
        self._send_timeout = send_timeout
        self._released: Callable[[], None] | None = released

    def release(self) -> None:
        """Stop counting this connection against its peer (once)."""
        released, self._released = self._released, None
        if released is not None:
            released()

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        with trio.move_on_after(self._send_timeout):
            try:
                await self.stream.send_all(data)
            except trio.BusyResourceError:  # hypercorn is half-closing: the end, not a bug
                raise trio.BrokenResourceError("the connection is being closed") from None
            return
        self.release()
        await trio.aclose_forcefully(self.stream)
        raise trio.BrokenResourceError(f"the client took nothing for {SEND_TIMEOUT:g} s")

    async def send_eof(self) -> None:
        await self.stream.send_eof()

    async def wait_send_all_might_not_block(self) -> None:
        await self.stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        try:
            data = await self.stream.receive_some(max_bytes)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self.release()
            raise
        if not data:
            self.release()
        return data

    async def aclose(self) -> None:
        self.release()
        await self.stream.aclose()


_BUSY = (
    f"503 Service Unavailable: {MAX_PEER_CONNECTIONS} connections from this address are open"
    " already\n"
).encode()


async def _refuse(stream: trio.SocketStream) -> None:
    """503 to a connection over the per-peer limit, before reading anything, then close."""
    head = (
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(_BUSY)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    )
    with trio.move_on_after(1.0):
        with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
            await stream.send_all(head.encode() + _BUSY)
    await trio.aclose_forcefully(stream)


def _peer(stream: trio.SocketStream) -> str:
    try:
        return str(stream.socket.getpeername()[0])
    except (OSError, IndexError):
        return "unknown"


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _shown(principal: Principal | None) -> str | None:
    return principal.user if principal is not None else None


def _http_status(status: int) -> int:
    if status == Win32.ERROR_ACCESS_DENIED:
        return 403
    if status == Win32.ERROR_INVALID_PRINTER_NAME:
        return 404
    if status == Win32.ERROR_INVALID_PARAMETER:
        return 400
    return 200 if status == 0 else 409


class _TooSlow(Exception):
    """The body was not whole within its deadline."""


def _too_slow() -> StarletteResponse:
    text = f"408 Request Timeout: the body was not whole within {BODY_TIMEOUT:g} seconds\n"
    return PlainTextResponse(text, 408, headers={"Connection": "close"})


async def _body(request: Request, limit: int, timeout: float) -> bytes | None:
    """The request body, or None when it is larger than ``limit``.

    Raises:
        _TooSlow: it was not whole within ``timeout`` seconds.
    """
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        return None
    chunks, size = [], 0
    with trio.move_on_after(timeout) as waited:
        try:
            async with contextlib.aclosing(request.stream()) as stream:
                async for chunk in stream:
                    size += len(chunk)
                    if size > limit:
                        return None
                    chunks.append(chunk)
        except ClientDisconnect:
            return None  # nobody is left to answer
    if waited.cancelled_caught:
        raise _TooSlow
    return b"".join(chunks)


async def _form(request: Request, timeout: float) -> dict[str, str] | None:
    if _media_type(request) not in ("application/x-www-form-urlencoded", ""):
        return None
    body = await _body(request, MAX_FORM, timeout)
    if body is None:
        return None
    try:
        pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return None
    return dict(pairs)


async def _not_found(request: Request, exc: object) -> StarletteResponse:
    text = f"404 Not Found: {request.url.path}; the printers are at /printers/\n"
    return PlainTextResponse(text, 404)


async def _not_allowed(request: Request, exc: object) -> StarletteResponse:
    return PlainTextResponse(f"405 Method Not Allowed: {request.method} {request.url.path}\n", 405)
