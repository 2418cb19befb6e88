"""The HTTP server on real sockets (port 0) with real clients: urllib, http.client and curl."""

from __future__ import annotations

import functools
import http.client
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio
import trio.testing

from spoolsim.net import handle_http, serve_http
from spoolsim.wire.http import Request, Response

HOST = "127.0.0.1"


def echo(request: Request) -> Response:
    """Says what it got; ``/boom`` raises."""
    if request.path == "/boom":
        raise RuntimeError("the handler broke")
    text = f"{request.method} {request.target} {len(request.body)}\n"
    return Response(200, (("Content-Type", "text/plain"),), text.encode())


@asynccontextmanager
async def serving(handler=echo, **options) -> AsyncIterator[int]:
    async with trio.open_nursery() as nursery:
        port = await nursery.start(functools.partial(serve_http, handler, HOST, 0, **options))
        yield port
        nursery.cancel_scope.cancel()


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """urllib, in a worker thread: status, headers, body (error statuses too)."""
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


async def raw(port: int, data: bytes, *, close_after_send: bool = False) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes."""
    stream = await trio.open_tcp_stream(HOST, port)
    async with stream:
        await stream.send_all(data)
        if close_after_send:
            await stream.send_eof()
        out = b""
        while chunk := await stream.receive_some(65536):
            out += chunk
        return out


async def test_urllib_gets_a_response_and_head_gets_the_length_only() -> None:
    with trio.fail_after(10):
        async with serving() as port:
            url = f"http://{HOST}:{port}/metrics?x=1"
            status, headers, body = await trio.to_thread.run_sync(fetch, url)
            assert (status, body) == (200, b"GET /metrics?x=1 0\n")
            assert headers["Content-Length"] == str(len(body))
            status, headers, body = await trio.to_thread.run_sync(fetch, url, "HEAD")
            assert (status, body, headers["Content-Length"]) == (200, b"", "20")  # HEAD /metr...


async def test_http_client_reuses_one_connection() -> None:
    def three_requests(port: int) -> list[bytes]:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        bodies = []
        for path in ("/a", "/b", "/c"):
            conn.request("POST", path, body=b"12345")
            bodies.append(conn.getresponse().read())
        sock = conn.sock
        conn.close()
        assert sock is not None
        return bodies

    with trio.fail_after(10):
        async with serving() as port:
            bodies = await trio.to_thread.run_sync(three_requests, port)
            assert bodies == [b"POST /a 5\n", b"POST /b 5\n", b"POST /c 5\n"]


async def test_pipelined_requests_on_one_socket_are_answered_in_order() -> None:
    get = b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n"
    with trio.fail_after(10):
        async with serving() as port:
            out = await raw(port, get % 1 + get % 2 + (get % 3)[:-2] + b"Connection: close\r\n\r\n")
    assert out.count(b"HTTP/1.1 200 OK") == 3
    assert out.index(b"GET /1 0") < out.index(b"GET /2 0") < out.index(b"GET /3 0")


async def test_a_malformed_request_gets_400_and_the_next_client_is_served() -> None:
    with trio.fail_after(10):
        async with serving() as port:
            out = await raw(
                port, b"GET /metrics\r\nHost: h\r\n\r\nmore junk the server never reads"
            )
            head, _, body = out.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n")
            assert b"Connection: close" in head
            assert body == (
                b"400 Bad Request: malformed request line 'GET /metrics': "
                b"want METHOD SP TARGET SP HTTP-VERSION\n"
            )
            status, _, _ = await trio.to_thread.run_sync(fetch, f"http://{HOST}:{port}/ok")
            assert status == 200


async def test_a_silent_connection_does_not_hold_up_others_and_is_dropped() -> None:
    with trio.fail_after(10):
        async with serving(idle_timeout=0.5) as port:
            stalled = await trio.open_tcp_stream(HOST, port)
            await stalled.send_all(b"GET /slow HTTP/1.1\r\nHo")
            status, _, body = await trio.to_thread.run_sync(fetch, f"http://{HOST}:{port}/fast")
            assert (status, body) == (200, b"GET /fast 0\n")
            out = b""  # the stalled request times out: 408, then the close
            while chunk := await stalled.receive_some(65536):
                out += chunk
            assert out.startswith(b"HTTP/1.1 408 Request Timeout\r\n")
            await stalled.aclose()
            idle = await trio.open_tcp_stream(HOST, port)
            assert await idle.receive_some(100) == b""  # silent between requests: just closed
            await idle.aclose()


async def test_a_failing_handler_gets_500_and_the_connection_goes_on() -> None:
    get = b"GET %s HTTP/1.1\r\nHost: h\r\n\r\n"
    with trio.fail_after(10):
        async with serving() as port:
            out = await raw(port, get % b"/boom" + get % b"/after", close_after_send=True)
    first, _, rest = out.partition(b"HTTP/1.1 200 OK")
    assert first.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
    assert rest.endswith(b"GET /after 0\n")


async def test_a_client_that_vanishes_mid_response_is_no_trouble() -> None:
    big = b"x" * (8 * 1024 * 1024)
    with trio.fail_after(10):
        async with serving(lambda request: Response(200, (), big)) as port:
            stream = await trio.open_tcp_stream(HOST, port)
            await stream.send_all(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            await stream.receive_some(1000)
            await trio.aclose_forcefully(stream)
            stream = await trio.open_tcp_stream(HOST, port)
            await stream.send_all(b"HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            out = await stream.receive_some(1000)
            assert out.startswith(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n")
            await stream.aclose()


async def test_curl_get_head_post_and_http10() -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")

    async def curl(*args: str) -> bytes:
        result = await trio.run_process(
            ["curl", "-sS", "--max-time", "5", *args], capture_stdout=True, capture_stderr=True
        )
        return result.stdout

    with trio.fail_after(20):
        async with serving() as port:
            url = f"http://{HOST}:{port}/metrics"
            assert await curl(url) == b"GET /metrics 0\n"
            head = await curl("-I", url)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert head.endswith(b"Content-Length: 16\r\n\r\n")  # of "HEAD /metrics 0\n"
            assert await curl("--data-binary", "abc", url) == b"POST /metrics 3\n"
            out = await curl("-i", "--http1.0", url)
            assert out.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"Connection: close\r\n" in out
            # Two URLs in one run: two responses on one kept-alive connection.
            out = await curl(url, url.replace("/metrics", "/again"))
            assert out == b"GET /metrics 0\nGET /again 0\n"


async def test_curl_sees_the_connection_reused(tmp_path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    with trio.fail_after(20):
        async with serving() as port:
            url = f"http://{HOST}:{port}/x"
            result = await trio.run_process(
                ["curl", "-sS", "-v", "--max-time", "5", url, url],
                capture_stdout=True,
                capture_stderr=True,
            )
    assert b"Re-using existing connection" in result.stderr or b"Reusing" in result.stderr


# -- timeouts in the run's clock --------------------------------------------------------------


async def test_the_idle_timeout_is_scaled_by_the_clock_rate(mock_clock) -> None:
    """Under MockClock(rate=20) an idle timeout of 0.5 s with time_scale=20 is 0.5 real seconds:
    a connection silent for 0.2 real seconds is still open (unscaled, it would have gone after
    0.025)."""
    mock_clock.rate = 20
    with trio.fail_after(10 * 20):
        async with serving(idle_timeout=0.5, time_scale=20) as port:
            stream = await trio.open_tcp_stream(HOST, port)
            async with stream:
                await trio.to_thread.run_sync(time.sleep, 0.2)
                await stream.send_all(b"GET /still HTTP/1.1\r\nHost: h\r\n\r\n")
                assert (await stream.receive_some(1000)).endswith(b"GET /still 0\n")
                assert await stream.receive_some(1000) == b""  # then the timeout does end it


async def test_handle_http_times_out_in_virtual_time(autojump_clock) -> None:
    """On a memory stream under autojump: silence mid-request ends it with 408 exactly at the
    timeout."""
    client, server = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(functools.partial(handle_http, server, handler=echo, timeout=7.0))
        await client.send_all(b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HT")
        start = trio.current_time()
        out = b""
        while chunk := await client.receive_some(65536):
            out += chunk
        assert trio.current_time() - start == pytest.approx(7.0)
    assert out.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"HTTP/1.1 408 Request Timeout\r\n" in out
