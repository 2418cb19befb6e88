"""The print server's web site on a real socket, exercised with real HTTP clients.

The site is served on a free port under the real clock; the standard library's ``http.client``
talks to it from a worker thread (``trio.to_thread``), and raw trio sockets send what no HTTP
client would. Every exchange is bounded by ``STEP`` real seconds.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html.parser
import http.client
import json
import logging
from collections.abc import AsyncIterator, Callable

import attrs
import pytest
import trio

from spoolsim.metrics import CONTENT_TYPE, SimMetrics
from spoolsim.model import PrintServer
from spoolsim.model.constants import Access, PrinterAttributes, PrinterStatus
from spoolsim.model.security import Principal, user
from spoolsim.net import web
from spoolsim.net.settings import WebSettings, WebUser
from spoolsim.net.web import WebSite, serve_web
from spoolsim.rpc import Client, Container, Surface
from spoolsim.wire import ipp
from spoolsim.wire.ipp import Group, Message, Op, Status, Tag
from tests.metrics import estate

STEP = 10.0  # real seconds any one exchange may take
USERS = (WebUser("boss", "s3cret", admin=True), WebUser("alice", "pw"))
CHALLENGE = 'Basic realm="spoolsim"'
IPP_PATH = "/printers/Laser1/.printer"


@attrs.frozen
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> dict:
        assert self.headers["content-type"].startswith("application/json"), self.headers
        return json.loads(self.body)


@attrs.define
class Site:
    server: PrintServer
    surface: Surface
    port: int

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        login: tuple[str, str] | None = None,
    ) -> Reply:
        """One request on a new connection, made by ``http.client`` in a worker thread."""
        headers = dict(headers or {})
        if login is not None:
            headers["Authorization"] = basic(*login)

        def exchange() -> Reply:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=STEP)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                found = {k.lower(): v for k, v in response.getheaders()}
                response.close()
                return Reply(response.status, found, data)
            finally:
                conn.close()

        with trio.fail_after(STEP):
            return await trio.to_thread.run_sync(exchange, abandon_on_cancel=True)

    async def get(self, path: str, **kw) -> Reply:
        return await self.request("GET", path, **kw)

    async def post_form(self, path: str, form: str, **kw) -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return await self.request("POST", path, form.encode(), headers, **kw)

    async def ipp(self, body: bytes, path: str = IPP_PATH, **kw) -> tuple[Reply, Message]:
        reply = await self.request("POST", path, body, {"Content-Type": "application/ipp"}, **kw)
        assert reply.status == 200, reply
        assert reply.headers["content-type"] == "application/ipp"
        return reply, ipp.decode(reply.body)

    def client(self, principal: Principal) -> Client:
        return Client(self.surface, principal)

    def rpc_print(self, who: Principal, document: str = "report") -> int:
        client = self.client(who)
        handle = client.RpcAsyncOpenPrinter("Laser1", None, None, Access.PRINTER_ACCESS_USE).pHandle
        job = client.RpcAsyncStartDocPrinter(handle, Container(1, {"pDocName": document})).pJobId
        client.RpcAsyncWritePrinter(handle, b"x" * 100, 100)
        assert client.RpcAsyncEndDocPrinter(handle).status == 0
        client.RpcAsyncClosePrinter(handle)
        return job


def basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


def ipp_request(op: int, *attributes: ipp.Attribute, port: int, data: bytes = b"") -> bytes:
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
        ipp.uri("printer-uri", f"ipp://127.0.0.1:{port}{IPP_PATH}"),
        *attributes,
    ]
    return ipp.encode(Message((1, 1), op, 42, [Group(Tag.OPERATION, operation)], data))


@contextlib.asynccontextmanager
async def serving(
    *, anonymous: bool = True, metrics: bool = True, mutate: Callable[[], None] | None = None
) -> AsyncIterator[Site]:
    """Two shared lasers and a private one, served on a free port."""
    s = estate.server()
    for name, host in (("Laser1", "laser1"), ("Laser2", "laser2"), ("Private", "private")):
        printer = estate.laser(s, name, host)
        if name != "Private":
            printer.attributes |= PrinterAttributes.SHARED
            printer.share_name = name
    surface = Surface(s, clock=trio.current_time)
    registry = SimMetrics(clock=trio.current_time)
    registry.attach(s)
    site = WebSite(
        s,
        surface,
        WebSettings(users=USERS, anonymous=anonymous),
        metrics=(lambda: (registry.exposition(), CONTENT_TYPE)) if metrics else None,
        clock=trio.current_time,
    )
    async with trio.open_nursery() as nursery:
        with trio.fail_after(STEP):
            port = await nursery.start(functools.partial(serve_web, site, "127.0.0.1", 0))
        yield Site(s, surface, port)
        nursery.cancel_scope.cancel()


class Links(html.parser.HTMLParser):
    """The ``href`` of every link in a document, with its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data):
        if self._href is not None:
            self.links.append((self._href, data))
            self._href = None


# -- pages -----------------------------------------------------------------------------------------


async def test_the_root_redirects_to_the_printers() -> None:
    async with serving() as site:
        root = await site.get("/")
        bare = await site.get("/printers")
        printer = await site.get("/printers/Laser1")

    assert (root.status, root.headers["location"]) == (301, "/printers/")
    assert (bare.status, bare.headers["location"]) == (301, "/printers/")
    assert (printer.status, printer.headers["location"]) == (301, "/printers/Laser1/")


async def test_the_printers_page_lists_the_shared_printers() -> None:
    async with serving() as site:
        page = await site.get("/printers/")

    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert ("/printers/Laser1/", "Laser1") in Links(page.text).links
    assert ("/printers/Laser2/", "Laser2") in Links(page.text).links
    assert "Private" not in page.text
    assert "Not logged in (anonymous)" in page.text


async def test_the_printers_as_json() -> None:
    async with serving() as site:
        site.rpc_print(user("alice"))
        by_query = await site.get("/printers/?format=json")
        by_accept = await site.get("/printers/", headers={"Accept": "application/json"})
        both = await site.get("/printers/", headers={"Accept": "text/html, application/json"})

    assert by_query.status == 200 and by_accept.status == 200
    data = by_query.json()
    assert (data["status"], data["error"]) == (0, None)
    assert [(p["name"], p["url"], p["jobs"]) for p in data["printers"]] == [
        ("Laser1", "/printers/Laser1/", 1),
        ("Laser2", "/printers/Laser2/", 0),
    ]
    assert by_accept.json() == data
    assert both.headers["content-type"].startswith("text/html")


async def test_a_printer_page() -> None:
    async with serving() as site:
        job = site.rpc_print(user("alice"), "quarterly.pdf")
        page = await site.get("/printers/Laser1/")
        data = (await site.get("/printers/Laser1/?format=json")).json()
        missing = await site.get("/printers/Nope/")
        private = await site.get("/printers/Private/?format=json")

    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "quarterly.pdf" in page.text and 'value="pause"' in page.text
    assert data["printer"]["name"] == "Laser1"
    assert [(j["id"], j["document"], j["owner"]) for j in data["jobs"]] == [
        (job, "quarterly.pdf", "alice")
    ]
    assert missing.status == 404 and "Nope" in missing.text
    assert private.status == 404
    assert private.json()["error"] == "ERROR_INVALID_PRINTER_NAME"


async def test_unknown_paths_are_not_found() -> None:
    async with serving() as site:
        replies = [
            await site.get(path)
            for path in ("/nowhere", "/printers/Laser1/jobs/7", "/printers/Laser1/.printer/x")
        ]

        put = await site.request("PUT", "/printers/", b"x")

    for reply in replies:
        assert reply.status == 404, reply
        assert "/printers/" in reply.text
    assert put.status == 405 and "PUT /printers/" in put.text


# -- actions ---------------------------------------------------------------------------------------


async def test_the_anonymous_visitor_may_not_pause() -> None:
    async with serving() as site:
        reply = await site.post_form("/printers/Laser1/", "action=pause")
        as_json = await site.post_form("/printers/Laser1/?format=json", "action=pause")
        paused = site.server.printer("Laser1").status & PrinterStatus.PAUSED

    assert reply.status == 403
    assert "IUSR may not pause Laser1" in reply.text
    assert "access is denied (ERROR_ACCESS_DENIED, 5)" in reply.text
    assert as_json.status == 403
    assert as_json.json()["action"]["status"] == 5
    assert not paused


async def test_an_administrator_pauses_and_resumes() -> None:
    async with serving() as site:
        paused = await site.post_form("/printers/Laser1/", "action=pause", login=("boss", "s3cret"))
        was_paused = site.server.printer("Laser1").status & PrinterStatus.PAUSED
        resumed = await site.post_form(
            "/printers/Laser1/?format=json", "action=resume", login=("BOSS", "s3cret")
        )
        now = site.server.printer("Laser1").status

    assert paused.status == 200
    assert "Laser1 paused." in paused.text and "Logged in as boss" in paused.text
    assert was_paused
    assert resumed.status == 200
    assert resumed.json()["action"] == {"status": 0, "message": "Laser1 resumed."}
    assert not now & PrinterStatus.PAUSED


async def test_alice_cancels_her_own_job_not_bobs() -> None:
    async with serving() as site:
        hers = site.rpc_print(user("alice"))
        his = site.rpc_print(user("bob"))
        mine = await site.post_form(
            "/printers/Laser1/", f"action=cancel-job&job={hers}", login=("alice", "pw")
        )
        not_mine = await site.post_form(
            "/printers/Laser1/", f"action=cancel-job&job={his}", login=("alice", "pw")
        )
        printer = await site.post_form("/printers/Laser1/", "action=purge", login=("alice", "pw"))
        queue = list(site.server.printer("Laser1").queue)

    assert mine.status == 200 and f"Job {hers} cancelled." in mine.text
    assert not_mine.status == 403 and "ERROR_ACCESS_DENIED" in not_mine.text
    assert printer.status == 403
    assert queue == [his]


async def test_forms_of_the_wrong_type_or_size_are_bad_requests() -> None:
    async with serving() as site:
        as_json = await site.request(
            "POST",
            "/printers/Laser1/",
            b'{"action": "pause"}',
            {"Content-Type": "application/json"},
            login=("boss", "s3cret"),
        )
        huge = await site.post_form(
            "/printers/Laser1/",
            "action=pause&pad=" + "x" * web.MAX_FORM,
            login=("boss", "s3cret"),
        )
        unknown = await site.post_form("/printers/Laser1/", "action=explode")
        paused = site.server.printer("Laser1").status & PrinterStatus.PAUSED

    assert as_json.status == 400 and "x-www-form-urlencoded" in as_json.text
    assert huge.status == 400
    assert unknown.status == 400 and "Unknown action" in unknown.text
    assert not paused


# -- authentication --------------------------------------------------------------------------------


async def test_bad_credentials_are_challenged() -> None:
    async with serving() as site:
        replies = [
            await site.get("/printers/", login=("boss", "wrong")),
            await site.get("/printers/", login=("nobody", "pw")),
            await site.get("/printers/", headers={"Authorization": "Bearer abc.def"}),
            await site.get("/printers/", headers={"Authorization": "Basic !!!notbase64"}),
            await site.get("/printers/", headers={"Authorization": "Basic " + "Ym9zcw=="}),
            await site.post_form("/printers/Laser1/", "action=pause", login=("boss", "s3cre")),
        ]
        paused = site.server.printer("Laser1").status & PrinterStatus.PAUSED

    for reply in replies:
        assert reply.status == 401, reply
        assert reply.headers["www-authenticate"] == CHALLENGE
    assert "'nobody'" in replies[1].text
    assert "only Basic" in replies[2].text
    assert not paused


async def test_without_anonymous_access_credentials_are_needed() -> None:
    async with serving(anonymous=False) as site:
        page = await site.get("/printers/")
        printer = await site.get("/printers/Laser1/")
        printed = await site.request(
            "POST",
            IPP_PATH,
            ipp_request(Op.GET_PRINTER_ATTRIBUTES, port=site.port),
            {"Content-Type": "application/ipp"},
        )
        fine = await site.get("/printers/", login=("alice", "pw"))

    for reply in (page, printer, printed):
        assert reply.status == 401, reply
        assert reply.headers["www-authenticate"] == CHALLENGE
    assert fine.status == 200 and "Logged in as alice" in fine.text


# -- /metrics --------------------------------------------------------------------------------------


async def test_metrics() -> None:
    async with serving() as site:
        site.rpc_print(user("alice"))
        reply = await site.get("/metrics")
    async with serving(metrics=False) as site:
        missing = await site.get("/metrics")

    assert reply.status == 200
    assert reply.headers["content-type"] == CONTENT_TYPE
    assert "# TYPE " in reply.text and "# HELP " in reply.text
    assert 'printer="Laser1"' in reply.text
    assert missing.status == 404


# -- IPP over HTTP ---------------------------------------------------------------------------------


async def test_ipp_get_printer_attributes() -> None:
    async with serving() as site:
        body = ipp_request(Op.GET_PRINTER_ATTRIBUTES, port=site.port)
        _, message = await site.ipp(body)
        _, logged_in = await site.ipp(body, login=("alice", "pw"))
        _, at_the_page = await site.ipp(body, path="/printers/Laser1/")  # as Windows posts it
        printer_uri = f"ipp://127.0.0.1:{site.port}{IPP_PATH}"

    assert Status(message.code) is Status.SUCCESSFUL_OK
    assert message.request_id == 42
    assert message.attribute(Tag.PRINTER, "printer-name").value == "Laser1"
    # the URI the service hands out names the host the client used
    assert message.attribute(Tag.PRINTER, "printer-uri-supported").value == printer_uri
    assert message.attribute(Tag.PRINTER, "uri-authentication-supported").value == (
        "requesting-user-name"
    )
    assert logged_in.attribute(Tag.PRINTER, "uri-authentication-supported").value == "basic"
    assert Status(at_the_page.code) is Status.SUCCESSFUL_OK
    assert at_the_page.attribute(Tag.PRINTER, "printer-name").value == "Laser1"


async def test_ipp_print_job_as_the_logged_in_user_and_as_a_named_visitor() -> None:
    async with serving() as site:
        body = ipp_request(Op.PRINT_JOB, port=site.port, data=b"page")
        _, as_alice = await site.ipp(body, login=("alice", "pw"))
        named = ipp_request(
            Op.PRINT_JOB, ipp.name("requesting-user-name", "carol"), port=site.port, data=b"p"
        )
        _, as_carol = await site.ipp(named)
        users = {j.job_id: j.user for j in site.server.jobs.values()}

    assert Status(as_alice.code) is Status.SUCCESSFUL_OK
    assert Status(as_carol.code) is Status.SUCCESSFUL_OK
    alice_job = as_alice.attribute(Tag.JOB, "job-id").value
    carol_job = as_carol.attribute(Tag.JOB, "job-id").value
    assert users == {alice_job: "alice", carol_job: "carol"}


async def test_ipp_with_the_wrong_content_type() -> None:
    async with serving() as site:
        body = ipp_request(Op.GET_PRINTER_ATTRIBUTES, port=site.port)
        reply = await site.request("POST", IPP_PATH, body, {"Content-Type": "text/plain"})
        none = await site.request("POST", IPP_PATH, body)

    assert reply.status == 415 and "application/ipp" in reply.text
    assert none.status == 415


async def test_an_ipp_body_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web, "MAX_BODY", 256)
    async with serving() as site:
        big = ipp_request(Op.PRINT_JOB, port=site.port, data=b"x" * 1000)
        reply = await site.request("POST", IPP_PATH, big, {"Content-Type": "application/ipp"})
        small = ipp_request(Op.PRINT_JOB, port=site.port, data=b"x" * 10)
        _, fits = await site.ipp(small)
        jobs = len(site.server.jobs)

    assert reply.status == 413 and "256" in reply.text
    assert Status(fits.code) is Status.SUCCESSFUL_OK
    assert jobs == 1


async def test_an_ipp_body_over_the_limit_without_a_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunked body is counted as it arrives (sent whole, on a raw socket, so the early
    answer cannot race the client's writes)."""
    monkeypatch.setattr(web, "MAX_BODY", 256)
    async with serving() as site:
        big = ipp_request(Op.PRINT_JOB, port=site.port, data=b"x" * 1000)
        pieces = [big[start : start + 100] for start in range(0, len(big), 100)]
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
        answer = await raw_exchange(
            site.port,
            b"POST /printers/Laser1/.printer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/ipp\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n" + chunked,
        )
        jobs = len(site.server.jobs)

    assert answer.startswith(b"HTTP/1.1 413 "), answer
    assert jobs == 0


async def test_expect_100_continue() -> None:
    async with serving() as site:
        body = ipp_request(Op.PRINT_JOB, port=site.port, data=b"%!PS\nshowpage\n")

        def exchange() -> tuple[bytes, Reply]:
            conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=STEP)
            try:
                conn.putrequest("POST", IPP_PATH)
                conn.putheader("Content-Type", "application/ipp")
                conn.putheader("Content-Length", str(len(body)))
                conn.putheader("Expect", "100-continue")
                conn.endheaders()
                interim = b""
                while b"\r\n\r\n" not in interim:  # the server asks for the body first
                    chunk = conn.sock.recv(1024)
                    assert chunk, interim
                    interim += chunk
                conn.send(body)
                response = conn.getresponse()
                data = response.read()
                reply = Reply(
                    response.status, {k.lower(): v for k, v in response.getheaders()}, data
                )
                response.close()
                return interim, reply
            finally:
                conn.close()

        with trio.fail_after(STEP):
            interim, reply = await trio.to_thread.run_sync(exchange, abandon_on_cancel=True)
        jobs = list(site.server.jobs.values())

    assert interim.startswith(b"HTTP/1.1 100 ")
    assert reply.status == 200
    message = ipp.decode(reply.body)
    assert Status(message.code) is Status.SUCCESSFUL_OK
    assert [bytes(j.data) for j in jobs] == [b"%!PS\nshowpage\n"]


async def test_a_malformed_ipp_body_is_an_ipp_bad_request() -> None:
    async with serving() as site:
        good = ipp_request(Op.GET_PRINTER_ATTRIBUTES, port=site.port)
        _, truncated = await site.ipp(good[:20])
        _, garbage = await site.ipp(b"\x00" * 3)
        _, fine = await site.ipp(good)

    assert Status(truncated.code) is Status.CLIENT_ERROR_BAD_REQUEST
    assert truncated.request_id == 42
    assert Status(garbage.code) is Status.CLIENT_ERROR_BAD_REQUEST
    assert Status(fine.code) is Status.SUCCESSFUL_OK


async def test_a_malformed_job_uri_over_http_is_an_ipp_reply() -> None:
    """A job-uri the URL parser refuses is an IPP client-error-bad-request in an HTTP 200 (today
    the parser's ValueError escapes the IPP service and the client gets HTTP 500)."""
    async with serving() as site:
        body = ipp.encode(
            Message(
                (1, 1),
                Op.GET_JOB_ATTRIBUTES,
                3,
                [
                    Group(
                        Tag.OPERATION,
                        [
                            ipp.charset("attributes-charset", "utf-8"),
                            ipp.language("attributes-natural-language", "en"),
                            ipp.uri("job-uri", "ipp://[127.0.0.1/printers/Laser1/.printer?job=1"),
                        ],
                    )
                ],
            )
        )
        reply = await site.request("POST", IPP_PATH, body, {"Content-Type": "application/ipp"})

    assert reply.status == 200, reply
    assert Status(ipp.decode(reply.body).code) is Status.CLIENT_ERROR_BAD_REQUEST


# -- what is not HTTP ------------------------------------------------------------------------------


async def raw_exchange(port: int, data: bytes, *, close_early: bool = False) -> bytes:
    """Send ``data`` on a raw connection; what the server answers before it closes (nothing when
    ``close_early``: the client hangs up at once)."""
    with trio.fail_after(STEP):
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        async with stream:
            await stream.send_all(data)
            if close_early:
                return b""
            received = b""
            while chunk := await stream.receive_some(4096):
                received += chunk
            return received


async def test_garbage_and_hang_ups_do_not_stop_the_server() -> None:
    async with serving() as site:
        junk = await raw_exchange(site.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 8)
        bad_line = await raw_exchange(site.port, b"HELLO THERE\r\n\r\n")
        await raw_exchange(
            site.port,
            b"POST /printers/Laser1/.printer HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/ipp\r\nContent-Length: 5000\r\n\r\n\x01\x01\x00",
            close_early=True,
        )
        await raw_exchange(site.port, b"GET /printers/ HTTP/1.1\r\nHo", close_early=True)
        after = await site.get("/printers/?format=json")
        _, ipp_after = await site.ipp(ipp_request(Op.GET_PRINTER_ATTRIBUTES, port=site.port))

    assert junk == b"" or junk.startswith(b"HTTP/1.1 400")
    assert bad_line.startswith(b"HTTP/1.1 400")
    assert after.status == 200 and len(after.json()["printers"]) == 2
    assert Status(ipp_after.code) is Status.SUCCESSFUL_OK


async def test_a_hang_up_mid_body_is_not_logged_as_a_server_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The client went away: nothing is wrong with the server, so nothing is logged as an error
    (today starlette's ClientDisconnect escapes ``_body`` as "Error in ASGI Framework")."""
    caplog.set_level(logging.WARNING)
    async with serving() as site:
        await raw_exchange(
            site.port,
            b"POST /printers/Laser1/.printer HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/ipp\r\nContent-Length: 5000\r\n\r\n\x01\x01\x00",
            close_early=True,
        )
        after = await site.get("/printers/")

    assert after.status == 200
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_keep_alive_serves_several_requests_on_one_connection() -> None:
    async with serving() as site:

        def exchange() -> list[int]:
            conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=STEP)
            statuses = []
            try:
                for path in ("/printers/", "/printers/Laser1/", "/nowhere"):
                    conn.request("GET", path)
                    response = conn.getresponse()
                    response.read()
                    statuses.append(response.status)
                    response.close()
            finally:
                conn.close()
            return statuses

        with trio.fail_after(STEP):
            statuses = await trio.to_thread.run_sync(exchange, abandon_on_cancel=True)

    assert statuses == [200, 200, 404]
