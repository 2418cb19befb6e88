"""IPP: the codec (``spoolsim.wire.ipp``) and the IPP endpoint (``spoolsim.net.ippservice``
behind ``POST /printers/<name>/.printer`` of ``spoolsim.net.web``).

Inputs are request bodies: every operation the service knows and some it does not, IPP
versions 1.0 to 3.0, the required operation attributes (or not), printer and job URIs good and
bad, job templates with collections nested up to the codec's limit, attributes of every value
tag, documents; built with the codec's own builders, encoded, and 30 % mutated.

Codec: ``decode`` may raise ``IPPError`` only; what it accepts must re-encode to the same octets
(the codec promises a lossless round trip) and read the same through the incremental
``IPPParser`` fed in random chunks; ``check_request`` and ``response_to`` may raise ``IPPError``
only.

Server: requests go back to back on keep-alive connections (hypercorn closes one after 1000),
as anonymous callers or with users' Basic credentials; every answer must be ``200`` with an
``application/ipp`` body that decodes (the service promises a valid IPP message for any body);
``500`` or an undecodable answer counts as an internal error.
"""

from __future__ import annotations

import base64
import random
import time

import trio

from benchmarks.fuzz import common, httpclient
from benchmarks.fuzz.mutate import PRINTABLE, Mutator, words
from benchmarks.fuzz.target import PRINTERS, WEB_USERS, Target
from spoolsim.wire import ipp
from spoolsim.wire.ippcodes import Op, Tag

NAME = "ipp"
_TOKENS = (b"\x01", b"\x02", b"\x03", b"\x04", b"\x34", b"\x37", b"\x4a", b"\x7f\xff", b"\x00\x00")
_OPS = (*Op, *Op, Op.PRINT_JOB, Op.GET_JOBS, Op.GET_PRINTER_ATTRIBUTES, 0x0000, 0x0013, 0xFFFF)
_KEYWORDS = ("all", "job-template", "printer-description", "job-id", "job-state", "media", "x")
_DOC = b"%!PS\n(fuzz) show showpage\n\x0c"


class Inputs:
    """IPP request bodies from one seeded stream."""

    def __init__(self, rng: random.Random, port: int = 631) -> None:
        self.rng = rng
        self.port = port
        self.mutator = Mutator(rng, _TOKENS, max_size=1 << 16)

    def _word(self) -> str:
        return words(self.rng, "abcdefghijklmnopqrstuvwxyz-", 1, 16)

    def _uri(self, job: bool = False) -> str:
        rng = self.rng
        printer = rng.choice((*PRINTERS, *PRINTERS, "Nope", ""))
        base = f"ipp://127.0.0.1:{self.port}/printers/{printer}/.printer"
        if job:
            base += f"?job={rng.choice((1, 2, 3, rng.randint(0, 99), 10**12))}"
        choice = rng.randrange(10)
        if choice < 7:
            return base
        if choice == 7:
            return base.replace("ipp://", rng.choice(("http://", "ipps://", "lpd://", "")))
        if choice == 8:
            return f"ipp://localhost/printers/{printer}/{rng.choice(('', '.printer/x', '%2e'))}"
        return words(rng, PRINTABLE + "%[]@?=", 0, 60)

    def _value_attribute(self, depth: int = 0) -> ipp.Attribute:
        rng, name = self.rng, self._word()
        kind = rng.randrange(12)
        if kind == 0:
            return ipp.integer(name, *[rng.randint(-(2**31), 2**31 - 1) for _ in range(2)])
        if kind == 1:
            return ipp.boolean(name, rng.random() < 0.5)
        if kind == 2:
            return ipp.enum(name, rng.randint(0, 20))
        if kind == 3:
            return ipp.keyword(name, *[rng.choice(_KEYWORDS) for _ in range(rng.randint(1, 3))])
        if kind == 4:
            return ipp.text(name, words(rng, PRINTABLE + "é€", 0, 40))
        if kind == 5:
            return ipp.range_of(name, rng.randint(-5, 5), rng.randint(-5, 100))
        if kind == 6:
            return ipp.resolution(name, rng.randint(0, 1200), rng.randint(0, 1200))
        if kind == 7:
            return ipp.octet_string(name, rng.randbytes(rng.randint(0, 20)))
        if kind == 8:
            return ipp.no_value(name)
        if kind == 9 and depth < 40:
            members = [self._value_attribute(depth + 1) for _ in range(rng.randint(0, 3))]
            return ipp.collection(name, members)
        if kind == 10:
            return ipp.Attribute(name, (ipp.Value(rng.choice((0x11, 0x38, 0x4B, 0x7F)), b"?"),))
        return ipp.name(name, words(rng, PRINTABLE, 0, 30))

    def message(self) -> ipp.Message:
        """An unmutated request."""
        rng = self.rng
        op = rng.choice(_OPS)
        operation = []
        if rng.random() < 0.95:
            operation.append(
                ipp.charset(
                    "attributes-charset",
                    "utf-8" if rng.random() < 0.9 else rng.choice(("UTF-8", "us-ascii", "latin1")),
                )
            )
            operation.append(
                ipp.language("attributes-natural-language", rng.choice(("en", "en-us", "fr")))
            )
        if rng.random() < 0.03:
            rng.shuffle(operation)
        target = rng.random()
        if target < 0.75:
            operation.append(ipp.uri("printer-uri", self._uri()))
        elif target < 0.97:
            operation.append(ipp.uri("job-uri", self._uri(job=True)))
        if op in (Op.CANCEL_JOB, Op.GET_JOB_ATTRIBUTES, Op.SEND_DOCUMENT) or rng.random() < 0.1:
            operation.append(ipp.integer("job-id", rng.choice((0, 1, 2, 3, 7, 999, -1, 2**31 - 1))))
        if rng.random() < 0.7:
            operation.append(
                ipp.name("requesting-user-name", rng.choice(("alice", "admin", "", self._word())))
            )
        if op in (Op.PRINT_JOB, Op.CREATE_JOB, Op.VALIDATE_JOB) and rng.random() < 0.7:
            operation.append(ipp.name("job-name", words(rng, PRINTABLE, 0, 40)))
        if rng.random() < 0.4:
            operation.append(
                ipp.mime(
                    "document-format",
                    rng.choice(
                        ("application/octet-stream", "text/plain", "application/postscript", "x/y")
                    ),
                )
            )
        if op is Op.GET_JOBS:
            operation.append(
                ipp.keyword("which-jobs", rng.choice(("completed", "not-completed", "all", "x")))
            )
            if rng.random() < 0.5:
                operation.append(ipp.integer("limit", rng.randint(-1, 1000)))
            if rng.random() < 0.5:
                operation.append(ipp.boolean("my-jobs", rng.random() < 0.5))
        if op is Op.SEND_DOCUMENT:
            operation.append(ipp.boolean("last-document", rng.random() < 0.8))
        if rng.random() < 0.5:
            operation.append(
                ipp.keyword(
                    "requested-attributes",
                    *[rng.choice(_KEYWORDS) for _ in range(rng.randint(1, 5))],
                )
            )
        for _ in range(rng.randint(0, 3)):
            operation.append(self._value_attribute())
        groups = [ipp.Group(Tag.OPERATION, operation)]
        if rng.random() < 0.4:
            job = [ipp.integer("copies", rng.randint(-1, 1000))]
            job.append(ipp.keyword("sides", rng.choice(("one-sided", "two-sided-long-edge", "x"))))
            job.append(
                ipp.collection(
                    "media-col",
                    [
                        ipp.keyword("media-type", "stationery"),
                        ipp.collection(
                            "media-size",
                            [ipp.integer("x-dimension", 21000), ipp.integer("y-dimension", 29700)],
                        ),
                    ],
                )
            )
            job += [self._value_attribute() for _ in range(rng.randint(0, 3))]
            groups.append(ipp.Group(Tag.JOB, job))
        if rng.random() < 0.05:
            groups.append(
                ipp.Group(rng.choice((0x04, 0x05, 0x06, 0x09, 0x0F)), [self._value_attribute()])
            )
        data = b""
        if op in (Op.PRINT_JOB, Op.SEND_DOCUMENT) or rng.random() < 0.05:
            data = rng.choice(
                (_DOC, b"", _DOC * rng.randint(2, 50), rng.randbytes(rng.randint(1, 2000)))
            )
        version = rng.choice(((1, 1), (1, 1), (2, 0), (1, 0), (2, 2), (1, 1), (2, 0)))
        if rng.random() < 0.05:
            version = rng.choice(((3, 0), (0, 0), (255, 255)))
        request_id = rng.randint(1, 2**31 - 1)
        if rng.random() < 0.05:
            request_id = rng.choice((0, 2**31, 2**32 - 1))
        return ipp.Message(version, op, request_id, groups, data)

    def __call__(self) -> bytes:
        rng = self.rng
        try:
            body = ipp.encode(self.message())
        except ValueError:
            body = rng.randbytes(rng.randint(0, 64))
        if rng.random() < 0.02:
            return body[: rng.randint(0, 8)]
        return self.mutator.maybe(body, 0.3)


def codec(n: int, seed: int) -> common.Figures:
    """``n`` inputs through the IPP codec, in process."""
    figures = common.Figures(NAME, "codec")
    rng = random.Random(seed)
    inputs = Inputs(rng)
    started = time.perf_counter()
    for i in range(n):
        figures.inputs += 1
        data = inputs()
        try:
            try:
                message = ipp.decode(data)
            except ipp.IPPError:
                message = None
                figures.refused += 1
            parser = ipp.IPPParser()
            head, body = None, bytearray()
            try:
                for piece in common.split(rng, data):
                    parser.receive_data(piece)
                    while (event := parser.next_event()) is not ipp.NEED_DATA:
                        if isinstance(event, ipp.MessageHead):
                            head = event.message
                        elif isinstance(event, ipp.Data):
                            body += event.data
                parser.receive_data(b"")
                while not isinstance(event := parser.next_event(), ipp.EndOfMessage):
                    if isinstance(event, ipp.MessageHead):
                        head = event.message
                    elif isinstance(event, ipp.Data):
                        body += event.data
            except ipp.IPPError:
                head = None
            if message is None:
                if head is not None:
                    figures.crash(
                        f"seed {seed} input {i}: the parser read what decode refused: {data[:99]!r}"
                    )
                continue
            if (
                head is None
                or ipp.encode(message) != data
                or head.groups != message.groups
                or bytes(body) != message.data
            ):
                figures.crash(
                    f"seed {seed} input {i}: decode, encode and the parser disagree: {data[:200]!r}"
                )
            try:
                ipp.check_request(message)
            except ipp.IPPError as exc:
                ipp.encode(ipp.response_to(message, exc.status, message=str(exc)))
        except Exception as exc:  # anything but IPPError is a codec crash
            figures.crash(f"seed {seed} input {i}: {exc!r} on {data[:200]!r}")
    figures.wall = time.perf_counter() - started
    return figures


def _credentials(rng: random.Random) -> list[tuple[str, str]]:
    roll = rng.random()
    if roll < 0.5:
        return []
    if roll < 0.8:
        user = rng.choice(list(WEB_USERS))
        token = base64.b64encode(f"{user}:{WEB_USERS[user]}".encode()).decode()
    elif roll < 0.9:
        token = base64.b64encode(b"alice:wrong").decode()
    else:
        token = words(rng, PRINTABLE, 0, 30)
    return [("Authorization", f"Basic {token}".strip())]


async def socket(target: Target, n: int, seed: int, workers: int) -> common.Figures:
    """``n`` IPP requests to the web site's IPP endpoint, on keep-alive connections."""
    figures = common.Figures(NAME, "socket")
    budget = common.Budget(n)

    async def work(w: int) -> None:
        rng = random.Random(seed * 1000 + w)
        inputs = Inputs(rng, target.http)
        client: httpclient.Client | None = None
        try:
            while budget.take():
                if client is None or not client.reusable:
                    if client is not None:
                        await client.stream.aclose()
                    client = httpclient.Client(await common.connect(target.http, w))
                    figures.connections += 1
                body = inputs()
                figures.inputs += 1
                printer = rng.choice((*PRINTERS, "Nope"))
                headers = [
                    ("Host", f"127.0.0.1:{target.http}"),
                    ("Content-Type", "application/ipp"),
                ]
                headers += _credentials(rng)
                if rng.random() < 0.05:
                    headers.append(("Expect", "100-continue"))
                try:
                    answer = await client.request(
                        "POST", f"/printers/{printer}/.printer", headers, body
                    )
                except httpclient.Broken as exc:
                    figures.crash(f"{exc} after an IPP body {body[:200]!r}")
                    client = None
                    continue
                if answer.status == 500:
                    figures.internal_error(f"HTTP 500 for an IPP body {body[:200]!r}")
                elif answer.status in (401, 413):
                    figures.refused += 1
                elif answer.status != 200:
                    figures.internal_error(f"HTTP {answer.status} for an IPP body {body[:200]!r}")
                else:
                    try:
                        reply = ipp.decode(answer.body)
                    except ipp.IPPError as exc:
                        figures.internal_error(f"undecodable answer ({exc}) to {body[:200]!r}")
                        continue
                    if reply.code >= 0x0400:
                        figures.refused += 1
        finally:
            if client is not None:
                await client.stream.aclose()

    figures.wall = await common.run_workers(workers, work, figures)
    return figures


def get_printer_attributes(port: int, printer: str = PRINTERS[0]) -> bytes:
    """A well-formed Get-Printer-Attributes request body."""
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
        ipp.uri("printer-uri", f"ipp://127.0.0.1:{port}/printers/{printer}/.printer"),
    ]
    return ipp.encode(
        ipp.Message((1, 1), Op.GET_PRINTER_ATTRIBUTES, 1, [ipp.Group(Tag.OPERATION, operation)])
    )


async def probe(target: Target) -> str | None:
    """Get-Printer-Attributes answers successful-ok with the printer's state."""
    with trio.move_on_after(common.ANSWER_TIMEOUT):
        client = httpclient.Client(await trio.open_tcp_stream("127.0.0.1", target.http))
        async with client.stream:
            headers = [("Host", f"127.0.0.1:{target.http}"), ("Content-Type", "application/ipp")]
            body = get_printer_attributes(target.http)
            try:
                answer = await client.request(
                    "POST", f"/printers/{PRINTERS[0]}/.printer", headers, body
                )
            except httpclient.Broken as exc:
                return f"IPP: {exc}"
        if answer.status != 200:
            return f"IPP: HTTP {answer.status}"
        reply = ipp.decode(answer.body)
        if reply.code != 0 or reply.attribute(Tag.PRINTER, "printer-state") is None:
            return f"IPP: status 0x{reply.code:04x}, no printer-state"
        return None
    return f"IPP: no answer within {common.ANSWER_TIMEOUT:g} s"
