"""The HTTP/1.1 server codec: golden bytes, any chunking, malformed input, keep-alive."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire.http import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    HTTPConnection,
    HTTPError,
    Request,
    Response,
    error_response,
)

GET = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nAccept: */*\r\n\r\n"
TEXT = (("Content-Type", "text/plain"),)


def events(conn: HTTPConnection) -> list[object]:
    """Events until the codec needs data, pauses or the conversation ends."""
    out: list[object] = []
    while True:
        event = conn.next_event()
        out.append(event)
        if not isinstance(event, Request):
            return out


def feed(data: bytes, **limits: int) -> HTTPConnection:
    conn = HTTPConnection(**limits)
    conn.receive_data(data)
    return conn


def refusal(data: bytes, *, eof: bool = False, **limits: int) -> HTTPError:
    conn = feed(data, **limits)
    if eof:
        conn.receive_data(b"")
    with pytest.raises(HTTPError) as info:
        events(conn)
    assert info.value.remote
    return info.value


# -- golden bytes ------------------------------------------------------------------------------


def test_a_get_and_its_response() -> None:
    conn = feed(GET)
    assert events(conn) == [
        Request("GET", "/metrics", "1.1", (("host", "127.0.0.1:9464"), ("accept", "*/*")), b""),
        PAUSED,
    ]
    assert conn.send(Response(200, TEXT, b"up 1\n")) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nup 1\n"
    )
    assert conn.state == "IDLE"
    assert events(conn) == [NEED_DATA]


def test_head_keeps_the_length_and_drops_the_body() -> None:
    conn = feed(b"HEAD /metrics HTTP/1.1\r\nHost: h\r\n\r\n")
    (request, _) = events(conn)
    assert request.method == "HEAD"
    assert conn.send(Response(200, TEXT, b"x" * 1234)) == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n"
    )


def test_a_body_by_content_length_and_the_parts_of_the_target() -> None:
    conn = feed(b"POST /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
    (request, _) = events(conn)
    assert (request.body, request.path, request.query) == (b"hello", "/a/b", "x=1&y=2")
    assert request.header("CONTENT-length") == "5"
    assert request.header("x-missing") is None


def test_absolute_form_targets_have_a_path() -> None:
    assert Request("GET", "http://h:1/metrics?a").path == "/metrics"
    assert Request("GET", "http://h:1").path == "/"
    assert Request("OPTIONS", "*").path == "*"


def test_no_content_statuses_carry_no_length() -> None:
    conn = feed(GET)
    events(conn)
    assert conn.send(Response(204)) == b"HTTP/1.1 204 No Content\r\n\r\n"
    conn = feed(GET)
    events(conn)
    with pytest.raises(HTTPError) as info:
        conn.send(Response(304, (), b"body"))
    assert not info.value.remote


def test_reason_phrases_standard_custom_and_unknown() -> None:
    for status, reason, line in [
        (404, None, b"HTTP/1.1 404 Not Found\r\n"),
        (200, "Fine", b"HTTP/1.1 200 Fine\r\n"),
        (599, None, b"HTTP/1.1 599 \r\n"),
    ]:
        conn = feed(GET)
        events(conn)
        assert conn.send(Response(status, reason=reason)).startswith(line)


def test_leading_empty_lines_and_bare_lf_line_ends_are_accepted() -> None:
    conn = feed(b"\r\n\nGET / HTTP/1.1\nHost: h\n\n")
    (request, _) = events(conn)
    assert (request.target, request.headers) == ("/", (("host", "h"),))


def test_header_values_lose_surrounding_space_and_keep_latin1() -> None:
    conn = feed(b"GET / HTTP/1.1\r\nHost:h\r\nX-Name: \t caf\xe9 au lait \t\r\n\r\n")
    (request, _) = events(conn)
    assert request.headers == (("host", "h"), ("x-name", "caf\xe9 au lait"))


# -- keep-alive and closing -------------------------------------------------------------------


def test_pipelined_requests_are_answered_in_order() -> None:
    second = b"GET /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
    third = b"GET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    conn = feed(GET + second + third)
    first, paused = events(conn)
    assert (first.target, paused) == ("/metrics", PAUSED)
    assert conn.next_event() is PAUSED  # still owed
    conn.send(Response(200))
    request, _ = events(conn)
    assert (request.target, request.body) == ("/two", b"abc")
    assert b"Connection" not in conn.send(Response(200))
    request, _ = events(conn)
    assert request.target == "/three"
    assert conn.send(Response(200)).endswith(b"Connection: close\r\n\r\n")
    assert conn.state == "CLOSING"
    assert conn.next_event() == ConnectionClosed()
    conn.receive_data(b"GET / HTTP/1.1\r\n\r\n")  # ignored: we are closing
    assert conn.next_event() == ConnectionClosed()
    assert conn.statistics().requests == conn.statistics().responses == 3


def test_http10_closes_unless_asked_to_keep_alive() -> None:
    conn = feed(b"GET / HTTP/1.0\r\n\r\n")
    events(conn)
    assert conn.send(Response(200, (), b"x")).endswith(b"Connection: close\r\n\r\nx")
    assert conn.state == "CLOSING"
    conn = feed(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
    events(conn)
    assert b"\r\nConnection: keep-alive\r\n" in conn.send(Response(200))
    assert conn.state == "IDLE"


def test_the_server_may_close_after_a_response() -> None:
    conn = feed(GET)
    events(conn)
    out = conn.send(Response(200, (("Connection", "close"),)))
    assert out.count(b"Connection") == 1
    assert conn.state == "CLOSING"


def test_a_clean_close_between_requests() -> None:
    conn = feed(GET)
    events(conn)
    conn.send(Response(200))
    conn.receive_data(b"")
    assert conn.they_closed
    assert conn.next_event() == ConnectionClosed()
    assert conn.state == "CLOSED"


def test_a_half_closed_peer_still_gets_every_answer_then_the_close() -> None:
    conn = feed(GET + GET)
    conn.receive_data(b"")  # like nc -N: both requests, then the client shuts its side
    events(conn)
    assert b"Connection: close" not in conn.send(Response(200))
    events(conn)
    assert b"Connection: close" in conn.send(Response(200))
    assert conn.next_event() == ConnectionClosed()


# -- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        (b"GET /metrics\r\n\r\n", 400, "malformed request line"),
        (b"GET  /metrics HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request line"),
        (b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed method"),
        (b"GET /a\x7fb HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed request target"),
        (b"GET / HTTP/x\r\nHost: h\r\n\r\n", 400, "malformed HTTP version"),
        (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "not supported"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, "exactly one Host"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "exactly one Host"),
        (b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400, "has no colon"),
        (b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "malformed header name"),
        (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400, "obsolete line folding"),
        (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400, "bare CR"),
        (b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", 400, "control character"),
        (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5x\r\n\r\n", 400, "not a number"),
        (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "not a number"),
        (
            b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            400,
            "conflicting Content-Length",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
            501,
            "Transfer-Encoding",
        ),
    ],
)
def test_malformed_requests_get_a_status_that_says_what_was_wrong(
    data: bytes, status: int, words: str
) -> None:
    error = refusal(data)
    assert error.status == status
    assert words in error.message


def test_the_error_is_raised_again_and_one_error_response_may_follow() -> None:
    conn = feed(b"GET /metrics\r\n\r\n")
    with pytest.raises(HTTPError) as info:
        conn.next_event()
    with pytest.raises(HTTPError):
        conn.next_event()
    out = conn.send(error_response(info.value))
    head, _, body = out.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Connection: close" in head
    assert body.startswith(b"400 Bad Request: malformed request line 'GET /metrics'")
    assert conn.next_event() == ConnectionClosed()
    with pytest.raises(HTTPError) as info:
        conn.send(Response(200))
    assert not info.value.remote


def test_repeated_content_lengths_that_agree_are_one() -> None:
    conn = feed(b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok")
    assert events(conn)[0].body == b"ok"


def test_limits_on_the_head_and_the_body() -> None:
    long_line = b"GET /" + b"a" * 100 + b" HTTP/1.1\r\n"
    assert refusal(long_line, max_head=64).status == 414
    assert refusal(b"GET /" + b"a" * 100, max_head=64).status == 414  # no line end needed
    fields = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-Pad: " + b"p" * 100 + b"\r\n\r\n"
    assert refusal(fields, max_head=64).status == 431
    assert refusal(b"\r\n" * 40, max_head=64).status == 414  # endless empty lines
    big = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n"
    error = refusal(big, max_body=1000)
    assert (error.status, error.message) == (413, "a body of 1001 bytes is over the limit of 1000")
    exact = HTTPConnection(max_head=len(GET))
    exact.receive_data(GET)
    assert isinstance(exact.next_event(), Request)


def test_a_close_in_the_middle_of_a_request_is_an_error() -> None:
    assert "middle of a request head" in refusal(b"GET / HTTP/1.1\r\nHo", eof=True).message
    body = b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc"
    assert refusal(body, eof=True).message == "the connection closed after 3 of 10 body bytes"


def test_the_server_can_give_up_on_a_request_that_stopped_arriving() -> None:
    conn = feed(b"GET / HTTP/1.1\r\nHo")
    assert conn.next_event() is NEED_DATA
    assert conn.mid_request
    out = conn.send_error(HTTPError(408, "the request did not arrive in time"))
    assert out.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
    assert conn.state == "CLOSING"


# -- misuse is our fault ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        Response(100),
        Response(200, (("Content-Length", "3"),), b"four"),
        Response(200, (("X-Bad", "a\r\nInjected: yes"),)),
        Response(200, (("Bad Name", "v"),)),
        Response(200, (("X-Snow", "\u2603"),)),
        Response(200, (("Transfer-Encoding", "chunked"),)),
        Response(200, reason="OK\r\nX: y"),
    ],
)
def test_malformed_responses_are_refused_as_local_errors(response: Response) -> None:
    conn = feed(GET)
    events(conn)
    with pytest.raises(HTTPError) as info:
        conn.send(response)
    assert not info.value.remote


def test_a_response_with_no_request_and_data_after_the_close_are_local_errors() -> None:
    conn = HTTPConnection()
    with pytest.raises(HTTPError) as info:
        conn.send(Response(200))
    assert not info.value.remote
    conn.receive_data(b"")
    with pytest.raises(HTTPError):
        conn.receive_data(b"more")


# -- any chunking, and linear scanning --------------------------------------------------------

PIPELINE = (
    GET
    + b"POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
    + b"\r\nHEAD /metrics HTTP/1.1\nHost: h\nConnection: close\n\n"
)


def run_pipeline(chunks: list[bytes]) -> tuple[list[object], bytes]:
    """Feed ``chunks`` one by one, answering every request; the events and the bytes sent."""
    conn = HTTPConnection()
    seen: list[object] = []
    out = b""
    pending = list(chunks)
    while True:
        event = conn.next_event()
        if event is NEED_DATA:
            conn.receive_data(pending.pop(0) if pending else b"")
            continue
        seen.append(event)
        if isinstance(event, ConnectionClosed):
            return seen, out
        out += conn.send(Response(200, TEXT, event.target.encode()))


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@given(st.lists(st.integers(min_value=0), max_size=40))
def test_any_chunking_gives_the_same_events_and_bytes(cuts: list[int]) -> None:
    assert run_pipeline(split(PIPELINE, cuts)) == run_pipeline([PIPELINE])


def test_byte_by_byte_gives_the_same_events_and_bytes() -> None:
    whole = run_pipeline([PIPELINE])
    assert [type(e).__name__ for e in whole[0]] == ["Request"] * 3 + ["ConnectionClosed"]
    assert run_pipeline([bytes([b]) for b in PIPELINE]) == whole


@given(st.binary(max_size=300), st.lists(st.integers(min_value=0), max_size=10))
def test_arbitrary_bytes_give_requests_or_a_remote_error_never_a_crash(
    data: bytes, cuts: list[int]
) -> None:
    conn = HTTPConnection(max_head=200, max_body=100)
    try:
        for chunk in [*split(data, cuts), b""]:
            conn.receive_data(chunk)
            while isinstance(conn.next_event(), Request):
                conn.send(Response(200))
    except HTTPError as error:
        assert error.remote and 400 <= error.status < 600


def test_a_head_fed_byte_by_byte_is_scanned_once() -> None:
    head = b"GET / HTTP/1.1\r\nHost: h\r\n" + b"X-Pad: " + b"p" * 15000 + b"\r\n\r\n"
    conn = HTTPConnection(max_head=20000)
    for byte in head:
        conn.receive_data(bytes([byte]))
        event = conn.next_event()
    assert isinstance(event, Request)
    assert conn.statistics().bytes_scanned == len(head)


def test_many_pipelined_requests_in_one_chunk_are_scanned_once() -> None:
    data = GET * 2000
    conn = HTTPConnection()
    conn.receive_data(data)
    for _ in range(2000):
        assert isinstance(conn.next_event(), Request)
        conn.send(Response(200))
    assert conn.next_event() is NEED_DATA
    assert conn.statistics().bytes_scanned == len(data)


def test_giving_up_on_a_head_request_sends_no_body() -> None:
    conn = feed(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n")
    events(conn)
    out = conn.send_error(HTTPError(503, "busy"))
    assert out.endswith(b"Content-Length: 30\r\nConnection: close\r\n\r\n")  # no body
    assert conn.next_event() == ConnectionClosed()
