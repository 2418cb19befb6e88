"""What the fuzz campaign found, kept as regression tests: each was an internal error or a
connection the server could not end, reachable by one hostile request."""

from __future__ import annotations

import socket
import struct

import pytest
import trio
import trio.testing

from devices.printer import VirtualPrinter
from devices.profile import load_profile
from spoolsim.net.rpcserver import RpcFrontEnd
from spoolsim.scenario import ScenarioError, parse_scenario
from spoolsim.wire import dcerpccodes as c
from spoolsim.wire import ipp, pjl
from spoolsim.wire.ippcodes import Op, Status, Tag
from tests.fuzz.test_limits import BIND, connect
from tests.net.test_web import IPP_PATH, serving
from tests.rpc.estate import Estate


def _print_job(port: int, job_name: str, user: str) -> bytes:
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
        ipp.uri("printer-uri", f"ipp://127.0.0.1:{port}{IPP_PATH}"),
        ipp.name("requesting-user-name", user),
        ipp.name("job-name", job_name),
    ]
    message = ipp.Message((1, 1), Op.PRINT_JOB, 5, [ipp.Group(Tag.OPERATION, operation)], b"x\f")
    return ipp.encode(message)


def _get_jobs(port: int) -> bytes:
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
        ipp.uri("printer-uri", f"ipp://127.0.0.1:{port}{IPP_PATH}"),
        ipp.keyword("requested-attributes", "job-name", "job-originating-user-name"),
    ]
    return ipp.encode(ipp.Message((1, 1), Op.GET_JOBS, 6, [ipp.Group(Tag.OPERATION, operation)]))


async def test_an_ipp_name_with_a_nul_is_cut_there_and_does_not_break_job_listings():
    """A job-name (or requesting-user-name) holding NUL was spooled as given; every listing of
    that printer's jobs then failed with HTTP 500 (JOB_INFO strings cannot hold NUL)."""
    async with serving() as site:
        _, printed = await site.ipp(_print_job(site.port, "report\0evil", "mallory\0x"))
        _, listed = await site.ipp(_get_jobs(site.port))
    assert Status(printed.code) is Status.SUCCESSFUL_OK
    assert Status(listed.code) is Status.SUCCESSFUL_OK
    jobs = listed.groups_of(Tag.JOB)
    assert [g.get("job-name").value for g in jobs] == ["report"]
    assert [g.get("job-originating-user-name").value for g in jobs] == ["mallory"]


async def test_basic_credentials_that_are_not_ascii_get_401_not_500():
    async with serving() as site:
        async with await connect(site.port) as stream:
            await stream.send_all(
                b"GET /printers/ HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \xe9\xe9\r\n\r\n"
            )
            answer = b""
            with trio.fail_after(5):
                while b"\r\n\r\n" not in answer:
                    answer += await stream.receive_some(65536)
    assert answer.startswith(b"HTTP/1.1 401 "), answer[:80]


async def test_dcerpc_survives_clients_that_reset_after_a_bad_pdu():
    """Answering a bad PDU to a client that already reset the connection raised
    BrokenResourceError out of the connection task, which ended the whole front end."""
    estate = Estate()
    front = RpcFrontEnd(estate.surface)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(front.serve, "127.0.0.1", 0)
        for _ in range(30):
            sock = socket.create_connection(("127.0.0.1", port))
            bad = struct.pack("<BBBB4sHHI", 5, 0, c.REQUEST, 3, b"\x10\0\0\0", 24, 0, 9)
            sock.sendall(BIND.encode() + bad + bytes(8))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()  # a reset, before the server's answers
        await trio.sleep(0.2)
        async with await connect(port) as stream:
            await stream.send_all(BIND.encode())
            with trio.fail_after(5):
                assert (await stream.receive_some(65536))[2] == c.BIND_ACK
        nursery.cancel_scope.cancel()


async def test_ustatus_keeps_only_the_manuals_categories():
    """Each USTATUS option name used to be kept, so a host could grow a set without bound."""
    printer = VirtualPrinter(load_profile("hp-lj-pro-m404"))
    ours, theirs = trio.testing.memory_stream_pair()
    async with trio.open_nursery() as nursery:
        await nursery.start(printer.run)
        nursery.start_soon(printer.handle_raw, theirs)
        lines = b"".join(b"@PJL USTATUS X%d=ON\r\n" % n for n in range(500))
        await ours.send_all(pjl.UEL + lines + b"@PJL USTATUS DEVICE=ON\r\n@PJL ECHO x\r\n")
        got = b""
        with trio.fail_after(5):
            while b"ECHO x" not in got:
                got += await ours.receive_some(65536)
        (session,) = printer._sessions
        assert session.ustatus == {"DEVICE"}
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize(
    ("key_path", "text"),
    [
        ("", "name = " + "[" * 2000 + "]" * 2000),  # tomllib's RecursionError
        ("simulation.duration", 'name = "x"\n[simulation]\nduration = ' + "9" * 400),
        (
            'drivers[0].files."a.dll"',
            'name = "x"\n[simulation]\nduration = "1h"\n[[drivers]]\nname = "D"\n'
            'files = { "a.dll" = "' + "9" * 400 + 'MB" }\n',
        ),
    ],
    ids=["deep-nesting", "huge-duration", "infinite-size"],
)
def test_scenario_texts_that_crashed_the_loader_are_problems(key_path, text):
    """Each raised RecursionError or OverflowError out of ``spoolsim validate``."""
    with pytest.raises(ScenarioError) as refused:
        parse_scenario(text)
    assert refused.value.problems
    if key_path:
        assert any(p.path == key_path or key_path in str(p) for p in refused.value.problems)
