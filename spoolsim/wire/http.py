"""HTTP/1.1, server side, as a sans-I/O codec: bytes in, requests out; responses in, bytes out.

Theory of operation
===================

An :class:`HTTPConnection` is one TCP conversation seen by the server. The caller feeds what the
socket delivered to :meth:`~HTTPConnection.receive_data` (``b""`` for the peer's close), pulls
events from :meth:`~HTTPConnection.next_event` and turns each :class:`Response` into bytes with
:meth:`~HTTPConnection.send`. The codec never touches a socket or a clock.

States (``_TABLE``; an event a state has no row for is refused):

``IDLE``: waiting for a request. A complete head (and its ``Content-Length`` body) yields a
:class:`Request` and moves to ``RESPONSE``; a clean close before any byte of a new request
yields :class:`ConnectionClosed` and ``CLOSED``; malformed input raises :class:`HTTPError` and
moves to ``ERROR``.

``RESPONSE``: a response is owed. ``next_event`` says :data:`PAUSED` (pipelined requests wait
in the buffer, so responses go out in request order, RFC 9112 9.3.2). ``send`` moves back to
``IDLE`` when both ends keep the connection alive, else to ``CLOSING``.

``ERROR``: the peer sent something we cannot parse, or the server gave up on the exchange
(:meth:`~HTTPConnection.send_error`, e.g. a request that stopped arriving: 408); one response
(normally :func:`error_response` of the error) may still be sent, then ``CLOSING``.

``CLOSING``/``CLOSED``: the conversation is over; ``next_event`` says :class:`ConnectionClosed`.

Persistence (RFC 9112 9.3): HTTP/1.1 keeps the connection unless either side says
``Connection: close``; HTTP/1.0 closes unless the client asked for ``keep-alive`` (and the
response then says ``keep-alive`` back). A peer that closed its sending side still gets the
response it is owed, and then the connection ends.

Message syntax (RFC 9112): a request line of three fields split by single spaces, header fields
``name: value`` with a token name and no space before the colon, obsolete line folding refused,
lines ending in CRLF or a bare LF (2.2 allows the latter), empty lines before a request line
ignored. Bodies are framed by ``Content-Length`` only: any ``Transfer-Encoding`` is answered 501
(the server implements no transfer coding for requests, RFC 9112 6.1 says 501 for one it does
not understand). Limits: the head (request line and fields) ``max_head`` bytes (431, or 414 when
the request line alone is too long), the body ``max_body`` bytes (413). HTTP/1.1 requests must
carry exactly one ``Host`` (RFC 9112 3.2). Responses get ``Content-Length`` from their body (a
HEAD response keeps the length and drops the body; 204 and 304 carry neither) and no ``Date``:
a server without a clock must not send one (RFC 9110 6.6.1).

:class:`HTTPError` says whose fault a failure was (``remote``) and the status to answer with.
Buffering: one ``bytearray`` read from ``_pos``; the search for a line end resumes where the last
one stopped, so every received byte is looked at once however the input is split
(:meth:`~HTTPConnection.statistics` counts them), and the consumed prefix is dropped only when it
is at least half the buffer, so dropping costs linear time too.
"""

from __future__ import annotations

import http
import re

import attrs

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VERSION = re.compile(rb"HTTP/(\d)\.(\d)")
_BAD_TARGET = re.compile(rb"[^\x21-\x7e]")
_BAD_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_NO_BODY_STATUS = frozenset({204, 304})


class HTTPError(Exception):
    """A failed exchange.

    Attributes:
        status: the status to answer with (400 for a malformed request, 431 for a head too large).
        message: what was wrong, naming the line or field.
        remote: True when the peer's bytes were at fault, False for a misuse of this API.
    """

    def __init__(self, status: int, message: str, *, remote: bool = True) -> None:
        super().__init__(f"{status} {message}")
        self.status, self.message, self.remote = status, message, remote


class _Sentinel:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA = _Sentinel("NEED_DATA")  # feed more bytes before the next event
PAUSED = _Sentinel("PAUSED")  # send the response owed before asking for the next request


@attrs.frozen
class Request:
    """One request.

    Attributes:
        method: as sent (methods are case-sensitive), e.g. ``GET``.
        target: the request-target as sent, e.g. ``/metrics?x=1``.
        version: ``"1.0"`` or ``"1.1"``.
        headers: ``(name, value)`` pairs in arrival order, names lower-cased, values Latin-1.
        body: the ``Content-Length`` bytes (empty without one).
    """

    method: str
    target: str
    version: str = "1.1"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    @property
    def path(self) -> str:
        """The target's path: without the query, and without scheme and authority when the
        target is in absolute form (``http://host/metrics``)."""
        target = self.target
        if "://" in target and not target.startswith("/"):
            rest = target.split("://", 1)[1]
            target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
        return target.split("?", 1)[0].split("#", 1)[0]

    @property
    def query(self) -> str:
        """What follows ``?`` in the target (empty without one)."""
        return self.target.partition("?")[2]


@attrs.frozen
class Response:
    """One response. ``Content-Length`` and ``Connection`` are the codec's to write.

    Attributes:
        status: 200-599 (interim 1xx responses are not supported).
        headers: ``(name, value)`` pairs, written in this order.
        body: the content (for a HEAD request, only its length goes out).
        reason: the reason phrase; None takes the standard one.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    reason: str | None = None


@attrs.frozen
class ConnectionClosed:
    """No more requests on this connection: the peer closed it, or the last response was sent."""


@attrs.frozen
class HTTPStatistics:
    """A snapshot of one connection's counters.

    Attributes:
        requests: requests parsed.
        responses: responses sent.
        bytes_received: bytes fed in.
        bytes_scanned: bytes the parser looked at while looking for line ends.
    """

    requests: int
    responses: int
    bytes_received: int
    bytes_scanned: int


def reason_phrase(status: int) -> str:
    """The standard reason phrase for ``status`` (empty when there is none)."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def error_response(error: HTTPError) -> Response:
    """The plain-text response that reports ``error`` to the peer."""
    text = f"{error.status} {reason_phrase(error.status)}: {error.message}\n"
    return Response(
        error.status, (("Content-Type", "text/plain; charset=utf-8"),), text.encode("utf-8")
    )


# The automaton. Event kinds: "Request", "EndOfStream" (clean close between requests),
# "RemoteError" (malformed input), "GiveUp" (the server abandons the exchange, send_error),
# "Response" (the connection stays), "LastResponse" (then it closes).
_TABLE: dict[str, dict[str, str]] = {
    "IDLE": {"Request": "RESPONSE", "EndOfStream": "CLOSED", "RemoteError": "ERROR",
             "GiveUp": "ERROR"},
    "RESPONSE": {"Response": "IDLE", "LastResponse": "CLOSING", "GiveUp": "ERROR"},
    "ERROR": {"LastResponse": "CLOSING"},
    "CLOSING": {},
    "CLOSED": {},
}  # fmt: skip


class HTTPConnection:
    """The server side of one HTTP/1.1 connection.

    Args:
        max_head: the most bytes a request line and its header fields may take.
        max_body: the largest ``Content-Length`` accepted.
    """

    def __init__(self, *, max_head: int = MAX_HEAD, max_body: int = MAX_BODY) -> None:
        self.max_head, self.max_body = max_head, max_body
        self.state = "IDLE"
        self._buf = bytearray()
        self._pos = 0  # first byte not yet consumed
        self._scan = 0  # where the search for the next line end resumes
        self._lines: list[bytes] = []  # the current head's lines, without their ends
        self._head_size = 0
        self._head: tuple[str, str, str, tuple[tuple[str, str], ...]] | None = None
        self._body_size = 0
        self._eof = False
        self._error: HTTPError | None = None
        self._keep_alive = False
        self._version = "1.1"
        self._head_request = False
        self._requests = self._responses = self._received = self._scanned = 0

    # -- bytes in --------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Feed bytes the peer sent; ``b""`` means the peer closed its sending side.

        Raises:
            HTTPError: (``remote=False``) data after the close was already fed.
        """
        if self.state in ("CLOSING", "CLOSED"):
            return
        if not data:
            self._eof = True
            return
        if self._eof:
            raise HTTPError(500, "data fed after the end of the stream", remote=False)
        self._buf += data
        self._received += len(data)

    @property
    def they_closed(self) -> bool:
        """Whether the peer has closed its sending side."""
        return self._eof

    @property
    def mid_request(self) -> bool:
        """Whether part of a request has arrived but not all of it."""
        return self.state == "IDLE" and (bool(self._lines) or self._pos < len(self._buf))

    def next_event(self) -> Request | ConnectionClosed | _Sentinel:
        """The next thing the peer did.

        Returns:
            a :class:`Request`; :data:`NEED_DATA`; :data:`PAUSED` while a response is owed;
            :class:`ConnectionClosed` once the conversation is over.

        Raises:
            HTTPError: (``remote=True``) the peer's bytes are not a valid request; the error's
                status is the one to answer with, and it is raised again on every later call.
        """
        if self.state == "IDLE":
            try:
                return self._parse()
            except HTTPError as error:
                self._error = error
                self._move("RemoteError")
                raise
        if self.state == "RESPONSE":
            return PAUSED
        if self.state == "ERROR":
            assert self._error is not None
            raise self._error
        return ConnectionClosed()

    def _move(self, kind: str) -> None:
        new = _TABLE[self.state].get(kind)
        if new is None:
            raise HTTPError(500, f"{kind} is not allowed in state {self.state}", remote=False)
        self.state = new

    def _parse(self) -> Request | ConnectionClosed | _Sentinel:
        if self._head is None and not self._read_head():
            if not self._eof:
                return NEED_DATA
            if self.mid_request:
                raise HTTPError(400, "the connection closed in the middle of a request head")
            self._move("EndOfStream")
            return ConnectionClosed()
        assert self._head is not None
        end = self._pos + self._body_size
        if len(self._buf) < end:
            if self._eof:
                raise HTTPError(
                    400,
                    f"the connection closed after {len(self._buf) - self._pos} of "
                    f"{self._body_size} body bytes",
                )
            return NEED_DATA
        body = bytes(self._buf[self._pos : end])
        self._pos = self._scan = end
        self._compact()
        method, target, version, headers = self._head
        self._head, self._lines, self._head_size = None, [], 0
        self._requests += 1
        self._move("Request")
        self._head_request = method == "HEAD"
        self._version = version
        self._keep_alive = _keeps_alive(version, headers)
        return Request(method, target, version, headers, body)

    def _read_head(self) -> bool:
        """Consume complete lines; True once the empty line ending a head has been read."""
        buf = self._buf
        while True:
            start = self._scan
            end = buf.find(b"\n", start)
            if end < 0:
                self._scanned += len(buf) - start
                self._scan = len(buf)
                self._check_size(len(buf) - self._pos)
                return False
            self._scanned += end + 1 - start
            line = bytes(buf[self._pos : end])
            self._pos = self._scan = end + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            self._check_size(len(line) + 2)
            self._head_size += len(line) + 2
            if line:
                self._lines.append(line)
            elif self._lines:
                self._head = self._interpret(self._lines)
                return True
            # else: an empty line before the request line, which RFC 9112 2.2 lets us skip

    def _check_size(self, pending: int) -> None:
        if self._head_size + pending <= self.max_head:
            return
        if not self._lines:
            raise HTTPError(414, f"the request line is longer than {self.max_head} bytes")
        raise HTTPError(431, f"the request head is longer than {self.max_head} bytes")

    def _interpret(self, lines: list[bytes]) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
        method, target, version = _request_line(lines[0])
        headers = tuple(_header(line) for line in lines[1:])
        if version == "1.1" and sum(1 for k, _ in headers if k == "host") != 1:
            raise HTTPError(400, "an HTTP/1.1 request needs exactly one Host header")
        if any(k == "transfer-encoding" for k, _ in headers):
            raise HTTPError(
                501, "Transfer-Encoding in requests is not supported; send a Content-Length"
            )
        self._body_size = self._content_length(headers)
        return method, target, version, headers

    def _content_length(self, headers: tuple[tuple[str, str], ...]) -> int:
        given = [value for k, value in headers if k == "content-length"]
        values = {v.strip(" \t") for value in given for v in value.split(",")}
        if not values:
            return 0
        if len(values) > 1:
            raise HTTPError(400, f"conflicting Content-Length values: {', '.join(sorted(values))}")
        (value,) = values
        if not value.isascii() or not value.isdigit():
            raise HTTPError(400, f"Content-Length {value!r} is not a number")
        size = int(value)
        if size > self.max_body:
            raise HTTPError(413, f"a body of {size} bytes is over the limit of {self.max_body}")
        return size

    def _compact(self) -> None:
        if self._pos and self._pos * 2 >= len(self._buf):
            del self._buf[: self._pos]
            self._scan -= self._pos
            self._pos = 0

    # -- bytes out -------------------------------------------------------------------------------

    def send(self, response: Response) -> bytes:
        """The bytes of ``response``, the answer to the request last returned.

        Returns:
            the status line, headers and (except for HEAD, 204 and 304) the body.

        Raises:
            HTTPError: (``remote=False``) no response is owed, or the response is malformed
                (an interim status, a body on 204/304, a header with a line break, a
                ``Content-Length`` that is not the body's).
        """
        if self.state not in ("RESPONSE", "ERROR"):
            raise HTTPError(500, f"no response is owed in state {self.state}", remote=False)
        status = response.status
        if not 200 <= status <= 599:
            raise HTTPError(500, f"status {status} is not a final status", remote=False)
        headers = list(response.headers)
        for name, value in headers:
            _check_field(name, value)
        names = {name.lower() for name, _ in headers}
        if "transfer-encoding" in names:
            raise HTTPError(500, "responses are framed by Content-Length only", remote=False)
        body = response.body
        if status in _NO_BODY_STATUS:
            if body or "content-length" in names:
                raise HTTPError(500, f"a {status} response carries no body", remote=False)
        elif "content-length" in names:
            given = next(v for k, v in headers if k.lower() == "content-length")
            if given.strip() != str(len(body)):
                raise HTTPError(
                    500, f"Content-Length {given} but the body has {len(body)}", remote=False
                )
        else:
            headers.append(("Content-Length", str(len(body))))
        # A peer that closed its side still gets answers to the requests it sent before.
        drained = self._eof and self._pos >= len(self._buf)
        closing = self.state == "ERROR" or not self._keep_alive or drained
        connection = {
            token.strip().lower()
            for name, value in headers
            if name.lower() == "connection"
            for token in value.split(",")
        }
        if "close" in connection:
            closing = True
        elif closing:
            headers.append(("Connection", "close"))
        elif self._version == "1.0" and "keep-alive" not in connection:
            headers.append(("Connection", "keep-alive"))
        reason = reason_phrase(status) if response.reason is None else response.reason
        if "\r" in reason or "\n" in reason:
            raise HTTPError(500, f"reason phrase {reason!r} is malformed", remote=False)
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        out = head.encode("latin-1") + b"\r\n"
        if not self._head_request and status not in _NO_BODY_STATUS:
            out += body
        self._move("LastResponse" if closing else "Response")
        self._responses += 1
        self._head_request = False
        return out

    def send_error(self, error: HTTPError) -> bytes:
        """Give up on the exchange in progress (a request that stopped arriving, one the
        server will not answer normally): the bytes of :func:`error_response`, after which
        the connection closes.

        Raises:
            HTTPError: (``remote=False``) the conversation is already over.
        """
        if self.state != "ERROR":
            self._move("GiveUp")
            self._error = error
        return self.send(error_response(error))

    def statistics(self) -> HTTPStatistics:
        """Counters of this connection so far."""
        return HTTPStatistics(self._requests, self._responses, self._received, self._scanned)


def _request_line(line: bytes) -> tuple[str, str, str]:
    parts = line.split(b" ")
    if len(parts) != 3 or not all(parts):
        raise HTTPError(
            400, f"malformed request line {_show(line)}: want METHOD SP TARGET SP HTTP-VERSION"
        )
    method, target, version = parts
    if _TOKEN.fullmatch(method) is None:
        raise HTTPError(400, f"malformed method {_show(method)}")
    if _BAD_TARGET.search(target):
        raise HTTPError(400, f"malformed request target {_show(target)}")
    m = _VERSION.fullmatch(version)
    if m is None:
        raise HTTPError(400, f"malformed HTTP version {_show(version)}")
    if m[1] != b"1":
        raise HTTPError(505, f"HTTP version {version.decode()} is not supported; use HTTP/1.1")
    # HTTP/1.2 and later minors are HTTP/1.1 as far as we are concerned (RFC 9110 2.5).
    return method.decode("ascii"), target.decode("ascii"), "1.0" if m[2] == b"0" else "1.1"


def _header(line: bytes) -> tuple[str, str]:
    if line[:1] in (b" ", b"\t"):
        raise HTTPError(400, f"obsolete line folding in {_show(line)}")
    if b"\r" in line:
        raise HTTPError(400, f"a bare CR in header line {_show(line)}")
    name, colon, value = line.partition(b":")
    if not colon:
        raise HTTPError(400, f"header line {_show(line)} has no colon")
    if _TOKEN.fullmatch(name) is None:
        raise HTTPError(400, f"malformed header name {_show(name)}")
    value = value.strip(b" \t")
    if _BAD_VALUE.search(value):
        raise HTTPError(400, f"a control character in the value of header {name.decode()}")
    return name.decode("ascii").lower(), value.decode("latin-1")


def _check_field(name: str, value: str) -> None:
    try:
        ok = _TOKEN.fullmatch(name.encode("ascii")) is not None
        ok = ok and _BAD_VALUE.search(value.encode("latin-1")) is None
    except UnicodeEncodeError:
        ok = False
    if not ok:
        raise HTTPError(500, f"header {name!r}: {value!r} is malformed", remote=False)


def _keeps_alive(version: str, headers: tuple[tuple[str, str], ...]) -> bool:
    tokens = {
        token.strip().lower() for k, v in headers if k == "connection" for token in v.split(",")
    }
    if "close" in tokens:
        return False
    return version == "1.1" or "keep-alive" in tokens


def _show(raw: bytes, limit: int = 60) -> str:
    text = repr(raw[:limit])[1:]
    return text + ("..." if len(raw) > limit else "")
