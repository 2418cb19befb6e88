"""HTTP: the web site's pages, forms and ``/metrics`` (``spoolsim.net.web``, ``spoolsim.net.pages``)
as hypercorn serves them.

An input is one request's octets: methods good and bad, every route with odd paths (percent
escapes, dot segments, absolute form, overlong), queries (``format=json``), Accept headers,
Basic credentials right, wrong and malformed, forms with every printer action and job numbers
(URL-encoded, or not, or of the wrong type), ``Expect: 100-continue``, chunked bodies, HTTP/1.0,
and, mutated (30 %), request lines and headers h11 refuses.

There is no codec of the project's here (the HTTP parser is hypercorn's h11); a local h11 server
with the same head limit is the oracle. A request it reads whole goes on a keep-alive
connection and its response must come back (``500`` counts as an internal error); a request it
refuses, or that stops short, is sent and the connection half-closed: the server must answer
(400, 431 ...) or close within ``common.ANSWER_TIMEOUT``.
"""

from __future__ import annotations

import base64
import random
import urllib.parse

import trio

from benchmarks.fuzz import common, httpclient
from benchmarks.fuzz.mutate import PRINTABLE, Mutator, words
from benchmarks.fuzz.target import PRINTERS, WEB_USERS, Target

NAME = "http"
_TOKENS = (b"\r\n", b"\n", b": ", b" ", b"HTTP/1.1", b"%", b"%00", b"\x00", b"\xff", b"\t")
_METHODS = (
    "GET",
    "GET",
    "GET",
    "HEAD",
    "POST",
    "POST",
    "PUT",
    "DELETE",
    "OPTIONS",
    "TRACE",
    "BREW",
)
_ACTIONS = (
    "pause",
    "resume",
    "purge",
    "pause-job",
    "resume-job",
    "restart-job",
    "cancel-job",
    "connect",
    "explode",
)


class Inputs:
    """HTTP requests from one seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mutator = Mutator(rng, _TOKENS, max_size=1 << 15)

    def _path(self) -> str:
        rng = self.rng
        printer = rng.choice((*PRINTERS, *PRINTERS, "Nope", "", "%46uzz1", "Fuzz1%2F..", "a" * 300))
        path = rng.choice(
            (
                "/",
                "/printers",
                "/printers/",
                f"/printers/{printer}/",
                f"/printers/{printer}/",
                f"/printers/{printer}",
                f"/printers/{printer}/.printer",
                "/metrics",
                "/printers/../metrics",
                "/nothing",
                "//printers//",
                "*",
                f"http://127.0.0.1/printers/{printer}/",
                "/" + "x/" * rng.randint(1, 2000),
            )
        )
        if rng.random() < 0.3:
            query = rng.choice(("format=json", "format=html", "format=", "a=%zz", "&&=&"))
            path += "?" + query
        return path

    def _form(self) -> bytes:
        rng = self.rng
        fields = [("action", rng.choice(_ACTIONS))]
        if rng.random() < 0.6:
            fields.append(("job", rng.choice(("1", "2", "0", "-1", "x", "99999999999999999999"))))
        if rng.random() < 0.2:
            fields.append(("client", words(rng, PRINTABLE, 0, 20)))
        body = urllib.parse.urlencode(fields).encode()
        if rng.random() < 0.1:
            body = rng.randbytes(rng.randint(0, 100))
        return body

    def request(self) -> bytes:
        """An unmutated request (the chosen ones are well formed)."""
        rng = self.rng
        method = rng.choice(_METHODS)
        version = "HTTP/1.1" if rng.random() < 0.95 else "HTTP/1.0"
        headers = [("Host", "127.0.0.1")] if rng.random() < 0.95 else []
        if rng.random() < 0.3:
            headers.append(("Accept", rng.choice(("application/json", "text/html", "*/*"))))
        roll = rng.random()
        if roll < 0.4:
            user = rng.choice(list(WEB_USERS))
            token = base64.b64encode(f"{user}:{WEB_USERS[user]}".encode()).decode()
            headers.append(("Authorization", f"Basic {token}"))
        elif roll < 0.5:
            token = rng.choice(("Zm9v", "!!!", base64.b64encode(b"admin:bad").decode(), "", "YQ=="))
            headers.append(("Authorization", f"{rng.choice(('Basic', 'Bearer', 'basic'))} {token}"))
        body = b""
        if method in ("POST", "PUT") or rng.random() < 0.05:
            body = self._form()
            kind = rng.choice(
                ("application/x-www-form-urlencoded", "", "text/plain", "application/ipp")
            )
            if kind:
                headers.append(("Content-Type", kind))
            if rng.random() < 0.05:
                headers.append(("Expect", "100-continue"))
        if rng.random() < 0.05:
            headers.append(("Connection", "close"))
        for _ in range(rng.randint(0, 2)):
            headers.append(
                (f"X-{words(rng, 'abcdefghij', 1, 8)}", words(rng, PRINTABLE, 1, 40).strip() or "x")
            )
        head = f"{method} {self._path()} {version}\r\n"
        chunked = body and rng.random() < 0.1
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        elif body or method in ("POST", "PUT"):
            headers.append(("Content-Length", str(len(body))))
        head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
        return head.encode() + body

    def __call__(self) -> bytes:
        rng = self.rng
        if rng.random() < 0.01:
            return b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + rng.randbytes(rng.randint(0, 64))
        data = self.request()
        return self.mutator.maybe(data, 0.3) or data


async def _raw(stream: trio.SocketStream, data: bytes) -> bytes | None:
    """Send a request the server will refuse or not finish, half-close, read to the close."""
    if await common.send(stream, data):
        try:
            await stream.send_eof()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    return await common.until_closed(stream)


async def socket(target: Target, n: int, seed: int, workers: int) -> common.Figures:
    """``n`` requests to the web site, on keep-alive connections where they allow."""
    figures = common.Figures(NAME, "socket")
    budget = common.Budget(n)

    async def work(w: int) -> None:
        rng = random.Random(seed * 1000 + w)
        inputs = Inputs(rng)
        client: httpclient.Client | None = None
        try:
            while budget.take():
                data = inputs()
                figures.inputs += 1
                reading = httpclient.read_request(data)
                if client is None or not client.reusable:
                    if client is not None:
                        await client.stream.aclose()
                    client = httpclient.Client(await common.connect(target.http, w))
                    figures.connections += 1
                if reading.request is None:  # refused or cut short: this connection's last
                    answer = await _raw(client.stream, data)
                    await client.stream.aclose()
                    client = None
                    if answer is None:
                        figures.crash(f"no answer and no close after {data[:300]!r}")
                    elif answer.startswith(b"HTTP/1.1 500"):
                        figures.internal_error(f"HTTP 500 for {data[:300]!r}")
                    else:
                        figures.refused += 1
                    continue
                try:
                    client.expect(reading.request)
                except Exception:  # h11's client would not send it: send it raw instead
                    answer = await _raw(client.stream, data)
                    await client.stream.aclose()
                    client = None
                    if answer is None:
                        figures.crash(f"no answer and no close after {data[:300]!r}")
                    continue
                if not await common.send(client.stream, data):
                    figures.crash(f"closed before a well-formed request {data[:300]!r}")
                    client = None
                    continue
                try:
                    answer = await client.response()
                except httpclient.Broken as exc:
                    figures.crash(f"{exc} after a well-formed request {data[:300]!r}")
                    client = None
                    continue
                if answer.status == 500:
                    figures.internal_error(f"HTTP 500 for {data[:300]!r}")
                elif answer.status >= 400:
                    figures.refused += 1
                if not reading.keep_alive:
                    await client.stream.aclose()
                    client = None
        finally:
            if client is not None:
                await client.stream.aclose()

    figures.wall = await common.run_workers(workers, work, figures)
    return figures


async def probe(target: Target) -> str | None:
    """``GET /printers/?format=json`` lists both printers."""
    with trio.move_on_after(common.ANSWER_TIMEOUT):
        client = httpclient.Client(await trio.open_tcp_stream("127.0.0.1", target.http))
        async with client.stream:
            try:
                answer = await client.request("GET", "/printers/?format=json", [("Host", "x")])
            except httpclient.Broken as exc:
                return f"HTTP: {exc}"
        if answer.status != 200 or not all(p.encode() in answer.body for p in PRINTERS):
            return f"HTTP: {answer.status} {answer.body[:200]!r}"
        return None
    return f"HTTP: no answer within {common.ANSWER_TIMEOUT:g} s"
