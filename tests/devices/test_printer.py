"""A VirtualPrinter over in-memory streams: PJL replies, unsolicited status, jobs, bad input."""

from __future__ import annotations

import trio
import trio.testing

from devices.faults import Fault
from devices.printer import VirtualPrinter
from devices.profile import load_profile
from spoolsim.wire import pjl

UEL = pjl.UEL


async def _open(printer: VirtualPrinter, nursery: trio.Nursery):
    ours, theirs = trio.testing.memory_stream_pair()
    nursery.start_soon(printer.handle_raw, theirs)
    return ours, pjl.PJLConnection(pjl.Role.HOST)


async def _replies(stream, conn: pjl.PJLConnection, n: int) -> list[pjl.Reply]:
    out: list[pjl.Reply] = []
    with trio.fail_after(600):
        while len(out) < n:
            event = conn.next_event()
            if event is pjl.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
            else:
                assert isinstance(event, pjl.Reply)
                out.append(event)
    return out


async def test_info_replies_echo_the_request_and_end_with_a_form_feed(autojump_clock) -> None:
    printer = VirtualPrinter(load_profile("hp-lj-m611"))
    async with trio.open_nursery() as nursery:
        await nursery.start(printer.run)
        stream, conn = await _open(printer, nursery)
        await stream.send_all(
            UEL + b"@PJL INFO STATUS\r\n@PJL INFO ID\r\n@PJL INFO PAGECOUNT\r\n@PJL ECHO hi 1\r\n"
        )
        raw = b""
        while raw.count(b"\f") < 4:
            raw += await stream.receive_some(65536)
        assert raw.startswith(b'@PJL INFO STATUS\r\nCODE=35078\r\nDISPLAY="')
        assert raw.endswith(b"@PJL ECHO hi 1\r\n\f")
        conn.receive_data(raw)
        status, ident, count, echo = await _replies(stream, conn, 4)
        assert (status.code, status.fields()["ONLINE"]) == (35078, "TRUE")
        assert ident.lines == (f'"{printer.profile.pjl_id}"',)
        assert count.fields() == {"PAGECOUNT": "0"}
        assert echo.category == "ECHO hi 1"
        nursery.cancel_scope.cancel()


async def test_a_job_with_ustatus_reports_start_pages_and_end(autojump_clock) -> None:
    printer = VirtualPrinter(load_profile("hp-lj-pro-m404"))
    async with trio.open_nursery() as nursery:
        await nursery.start(printer.run)
        stream, conn = await _open(printer, nursery)
        job = (
            UEL + b'@PJL USTATUS JOB=ON\r\n@PJL USTATUS PAGE=ON\r\n@PJL JOB NAME="r"\r\n'
            b"one\ftwo\f" + UEL + b'@PJL EOJ NAME="r"\r\n' + UEL
        )
        await stream.send_all(job)
        replies = await _replies(stream, conn, 4)
        assert [(r.category, r.lines) for r in replies] == [
            ("USTATUS JOB", ("START", 'NAME="r"')),
            ("USTATUS PAGE", ("1",)),
            ("USTATUS PAGE", ("2",)),
            ("USTATUS JOB", ("END", 'NAME="r"', "PAGES=2")),
        ]
        assert trio.current_time() == 14.3 + 60 / 38
        nursery.cancel_scope.cancel()
    assert printer.engine.status().page_count == 2


async def test_data_without_pjl_is_a_job_that_ends_when_the_host_closes(autojump_clock) -> None:
    printer = VirtualPrinter(load_profile("hp-lj-pro-m404"))
    async with trio.open_nursery() as nursery:
        await nursery.start(printer.run)
        stream, _ = await _open(printer, nursery)
        await stream.send_all(b"hello\fworld")
        await stream.aclose()
        await trio.sleep(60)
        nursery.cancel_scope.cancel()
    assert printer.jobs_received == 1
    assert printer.engine.status().page_count == 2


async def test_bad_pjl_ends_that_connection_only(autojump_clock) -> None:
    printer = VirtualPrinter(load_profile("hp-lj-pro-m404"))
    async with trio.open_nursery() as nursery:
        await nursery.start(printer.run)
        bad, _ = await _open(printer, nursery)
        await bad.send_all(UEL + b"@PJL INFO STATUS \xff\r\n")
        with trio.fail_after(5):
            assert await bad.receive_some(100) == b""  # the device hung up
        assert printer.errors and "0xff" in printer.errors[0]
        good, conn = await _open(printer, nursery)
        await good.send_all(UEL + b"@PJL INFO STATUS\r\n")
        (status,) = await _replies(good, conn, 1)
        assert status.code == 35078
        nursery.cancel_scope.cancel()


async def test_an_operator_clears_a_jam_and_listeners_hear_it(autojump_clock) -> None:
    printer = VirtualPrinter(
        load_profile("hp-lj-pro-m404"), faults=(Fault("jam", at_page=1, clear_by="clear_jam"),)
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(printer.run)
        stream, conn = await _open(printer, nursery)
        await stream.send_all(UEL + b"@PJL USTATUS DEVICE=ON\r\n" + b"x\f" + UEL)
        codes: list[int | None] = []
        while 40022 not in codes:
            (reply,) = await _replies(stream, conn, 1)
            codes.append(reply.code)
        printer.act("clear_jam")
        while codes[-1] != 10023:
            (reply,) = await _replies(stream, conn, 1)
            codes.append(reply.code)
        assert codes[:2] == [10003, 10023] and 40022 in codes
        nursery.cancel_scope.cancel()
