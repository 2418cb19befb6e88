"""The LPD face of a virtual printer, over real loopback TCP with an in-process LPR client.

Real sockets and the real clock (no autojump); every exchange is under ``trio.fail_after``.
The helpers here (``RecordingPrinter``, ``FAST``, ``running``) serve the other device tests too.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from devices.lpd import lpd_queue
from devices.printer import VirtualPrinter
from devices.profile import DeviceProfile, load_profile
from devices.serve import Addresses, open_virtual_printer, serve_lpd
from spoolsim.wire import lpr
from spoolsim.wire.pjl import UEL

SLOW = load_profile("hp-lj-pro-m404")  # 8 s warm-up: jobs stay queued for a whole test
FAST = attrs.evolve(SLOW, ppm=60_000.0, first_page_s=0.001, warmup_s=0.001)
PJL_JOB = (
    UEL + b'@PJL JOB NAME="pjl"\r\n@PJL ENTER LANGUAGE=PCL\r\n'
    b"one\ftwo\fthree" + UEL + b"@PJL EOJ\r\n" + UEL
)  # 3 pages, with or without the PJL around them


class RecordingPrinter(VirtualPrinter):
    """Remembers every job handed to the engine as (name, pages), and every job_end."""

    def __init__(self, profile: DeviceProfile) -> None:
        super().__init__(profile, now=trio.current_time())
        self.submitted: list[tuple[str, int]] = []
        self.printed: list[int] = []  # pages of each job the engine finished
        self.listeners.append(
            lambda events: self.printed.extend(e.pages for e in events if e.kind == "job_end")
        )

    def submit(self, name: str, pages: int, origin: Any = None) -> int:
        self.submitted.append((name, pages))
        return super().submit(name, pages, origin)


@asynccontextmanager
async def running(
    profile: DeviceProfile = FAST, host: str = "127.0.0.1"
) -> AsyncIterator[tuple[RecordingPrinter, Addresses]]:
    printer = RecordingPrinter(profile)
    async with open_virtual_printer(printer, host=host, raw_port=0, lpd_port=0) as where:
        yield printer, where


class Client:
    """The LPR client side over one TCP connection."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream, self.conn = stream, lpr.LPRConnection(lpr.Role.CLIENT)

    @classmethod
    @asynccontextmanager
    async def connect(cls, port: int, host: str = "127.0.0.1") -> AsyncIterator[Client]:
        async with await trio.open_tcp_stream(host, port) as stream:
            yield cls(stream)

    async def send(self, *events: lpr.Event) -> None:
        for event in events:
            await self.stream.send_all(self.conn.send(event))

    async def event(self) -> lpr.Event:
        while (event := self.conn.next_event()) is lpr.NEED_DATA:
            self.conn.receive_data(await self.stream.receive_some(65536))
        return event

    async def acked(self, event: lpr.Event) -> None:
        await self.send(event)
        assert await self.event() == lpr.Ack(ok=True)

    async def file(self, header: lpr.Event, body: bytes) -> None:
        await self.acked(header)
        await self.send(lpr.FileData(body), lpr.FileEnd())
        if header.size:
            assert await self.event() == lpr.Ack(ok=True)

    async def text(self) -> str:
        """A server's free-text reply, read to the close."""
        out = b""
        while not isinstance(event := await self.event(), lpr.EndOfStream):
            out += event.data
        return out.decode()


def control_file(*prints: str, user: str = "alice", **fields: str) -> bytes:
    control = lpr.ControlFile(
        host="ws1", user=user, prints=tuple(("l", df) for df in prints), **fields
    )
    return lpr.build_control_file(control)


def cf(n: int) -> str:
    return lpr.job_file_name("cf", n, "ws1")


def df(n: int, letter: str = "A") -> str:
    return lpr.job_file_name("df", n, "ws1", letter)


async def send_job(port: int, *files: tuple[str, bytes, bool], queue: str = "raw") -> None:
    """One receive-job command: files as (name, body, byte counting on), in order; then close
    and wait for the server to close too (it has handled the job by then)."""
    async with Client.connect(port) as client:
        await client.acked(lpr.ReceiveJob(queue))
        for name, body, counted in files:
            header = lpr.ControlFileHeader if name.startswith("cf") else lpr.DataFileHeader
            await client.file(header(len(body) if counted else 0, name), body)
        await client.stream.send_eof()
        assert await client.text() == ""


async def queue_state(port: int, *items: str, long: bool = False) -> str:
    async with Client.connect(port) as client:
        await client.send(lpr.QueueState("raw", items, long=long))
        return await client.text()


async def test_job_with_byte_counting_counts_pjl_data_like_port_9100() -> None:
    with trio.fail_after(10):
        async with running() as (printer, where):
            body = control_file(df(1), job_name="report")
            await send_job(where.lpd_port, (cf(1), body, True), (df(1), PJL_JOB, True))
            async with await trio.open_tcp_stream(where.host, where.raw_port) as raw:
                await raw.send_all(PJL_JOB)
                await raw.send_eof()
                assert await raw.receive_some() == b""
            assert printer.submitted == [("report", 3), ("pjl", 3)]
            while len(printer.printed) < 2:
                await trio.sleep(0.01)
            assert printer.printed == [3, 3]
            assert printer.errors == []


async def test_job_without_byte_counting_runs_to_the_close() -> None:
    with trio.fail_after(10):
        async with running() as (printer, where):
            body = control_file(df(7), other=(("N", "notes.txt"),))
            await send_job(where.lpd_port, (cf(7), body, True), (df(7), b"a\fb\fc", False))
            assert printer.submitted == [("notes.txt", 3)]


async def test_data_files_first_and_copies_as_bsd_lpr_sends_them() -> None:
    with trio.fail_after(10):
        async with running() as (printer, where):
            body = control_file(df(2), df(2), df(2, "B"))  # two copies of A, one of B
            await send_job(
                where.lpd_port,
                (df(2), b"x\fy\f", True),
                (df(2, "B"), b"z", True),
                (cf(2), body, True),
            )
            assert printer.submitted == [(df(2), 5)]  # no J or N line: the data file's name


async def test_queue_state_and_remove() -> None:
    with trio.fail_after(10):
        async with running(SLOW) as (printer, where):
            port = where.lpd_port
            await send_job(port, (cf(1), control_file(df(1)), True), (df(1), b"ab", True))
            body = control_file(df(2), user="bob", job_name="minutes")
            await send_job(port, (cf(2), body, True), (df(2), b"1\f2\f3\f", True))
            short = (await queue_state(port)).splitlines()
            assert short[0] == "hp-lj-pro-m404: Warming up (status 10003)"
            assert short[1].split() == ["Rank", "Owner", "Job", "Files", "Total", "Size"]
            assert short[2].split() == ["active", "alice", "1", df(1), "2", "bytes"]
            assert short[3].split() == ["1st", "bob", "2", df(2), "6", "bytes"]
            assert len(short) == 4
            long = await queue_state(port, "bob", long=True)
            assert "bob:" in long and "[job 002ws1]" in long and "alice" not in long
            assert f"{df(2)} " in long and "6 bytes" in long

            async with Client.connect(port) as client:  # only her own jobs for alice
                await client.send(lpr.RemoveJobs("raw", "alice", ("2",)))
                assert await client.text() == ""
            async with Client.connect(port) as client:
                await client.send(lpr.RemoveJobs("raw", "root", ("bob",)))
                assert await client.text() == "job 002ws1 (minutes) dequeued\n"
            assert [job.user for job in lpd_queue(printer).jobs()] == ["alice"]
            assert "bob" not in await queue_state(port)
            async with Client.connect(port) as client:
                await client.acked(lpr.PrintWaiting("raw"))
            assert printer.errors == []


async def test_empty_queue_and_abort() -> None:
    with trio.fail_after(10):
        async with running() as (printer, where):
            async with Client.connect(where.lpd_port) as client:
                await client.acked(lpr.ReceiveJob("raw"))
                await client.file(lpr.DataFileHeader(3, df(3)), b"abc")
                await client.send(lpr.AbortJob())
                await client.file(lpr.ControlFileHeader(len(b := control_file(df(4))), cf(4)), b)
                await client.file(lpr.DataFileHeader(1, df(4)), b"z")
            assert printer.submitted == [(df(4), 1)]
            while not printer.printed:
                await trio.sleep(0.01)
            assert (await queue_state(where.lpd_port)).endswith("no entries\n")


async def raw_exchange(port: int, data: bytes) -> bytes:
    async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
        await stream.send_all(data)
        out = b""
        while chunk := await stream.receive_some():
            out += chunk
        return out


async def test_malformed_input_gets_a_nak_and_the_server_keeps_serving() -> None:
    with trio.fail_after(10):
        async with running() as (printer, where):
            assert await raw_exchange(where.lpd_port, b"\x09nonsense\n") == lpr.NAK
            assert printer.errors[0].startswith("LPD error: command code")
            # A body longer than its count: the byte after it is not the \0 trailer.
            job = b"\x02raw\n\x03" + b"2 " + df(5).encode() + b"\nabc\x00"
            assert await raw_exchange(where.lpd_port, job) == b"\x00\x00" + lpr.NAK
            assert "trailer" in printer.errors[1]
            assert printer.errors[2] == f"LPD data file {df(5)} dropped: no control file for it"
            body = control_file(df(6))
            await send_job(where.lpd_port, (cf(6), body, True), (df(6), b"ok", True))
            assert printer.submitted == [(df(6), 1)]


async def test_a_silent_host_is_dropped(nursery: trio.Nursery) -> None:
    printer = RecordingPrinter(FAST)
    serve = functools.partial(serve_lpd, printer, port=0, idle_timeout=0.2)
    port = await nursery.start(serve)
    with trio.fail_after(5):
        assert await raw_exchange(port, b"\x02raw") == b""
    assert printer.errors == ["LPD connection closed: host silent for 0.2 s"]
