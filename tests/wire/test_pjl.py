"""Tests for the PJL codec (spoolsim.wire.pjl): golden bytes, back-to-back ends, chunking."""

from __future__ import annotations

import itertools
import string
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire.pjl import (
    NEED_DATA,
    STATUS_TEXT,
    UEL,
    Command,
    EndOfStream,
    PJLConnection,
    PJLError,
    PrintData,
    Reply,
    Role,
    Uel,
    job_status_reply,
    pagecount_reply,
    status_reply,
    status_text,
)

JOB = b"".join(
    [
        UEL,
        b"@PJL \r\n",
        b"@PJL COMMENT spooler says hi\r\n",
        b"@PJL USTATUS JOB = ON\r\n",
        b'@PJL JOB NAME = "Quarterly report"\r\n',
        b"@PJL ENTER LANGUAGE = PCL\r\n",
        b"\x1bE page one\x0c page two \x1b%-1234\x0c\x1bE",
        UEL,
        b'@PJL EOJ NAME="Quarterly report"\n',
        b"@PJL info status\n",
        UEL,
    ]
)
JOB_EVENTS = [
    Uel(),
    Command(""),
    Command("COMMENT", ("spooler says hi",)),
    Command("USTATUS", (), (("JOB", "ON"),)),
    Command("JOB", (), (("NAME", "Quarterly report"),)),
    Command("ENTER", (), (("LANGUAGE", "PCL"),)),
    PrintData(b"\x1bE page one\x0c page two \x1b%-1234\x0c\x1bE"),
    Uel(),
    Command("EOJ", (), (("NAME", "Quarterly report"),)),
    Command("INFO", ("status",)),
    Uel(),
]
STATUS = (
    b'@PJL INFO STATUS\r\nCODE=10001\r\nDISPLAY="Ready"\r\nONLINE=TRUE\r\n\x0c'
    b"@PJL ECHO hello 12\r\n\x0c"
    b'@PJL USTATUS JOB\r\nSTART\r\nNAME="Payroll"\r\n\x0c'
    b"@PJL USTATUS PAGE\r\n1\r\n\x0c"
    b'@PJL USTATUS JOB\r\nEND\r\nNAME="Payroll"\r\nPAGES=1\r\n\x0c'
    b"@PJL INFO PAGECOUNT\r\nPAGECOUNT=48213\r\n\x0c"
)
STATUS_EVENTS = [
    Reply("INFO STATUS", ("CODE=10001", 'DISPLAY="Ready"', "ONLINE=TRUE")),
    Reply("ECHO hello 12"),
    Reply("USTATUS JOB", ("START", 'NAME="Payroll"')),
    Reply("USTATUS PAGE", ("1",)),
    Reply("USTATUS JOB", ("END", 'NAME="Payroll"', "PAGES=1")),
    Reply("INFO PAGECOUNT", ("PAGECOUNT=48213",)),
]


def drain(conn: PJLConnection) -> list[object]:
    """Every event available now, up to NEED_DATA or EndOfStream (included)."""
    events: list[object] = []
    while True:
        event = conn.next_event()
        if event is NEED_DATA:
            return events
        events.append(event)
        if isinstance(event, EndOfStream):
            return events


def merged(events: list[object]) -> list[object]:
    """Adjacent PrintData events joined: how data is split into events is not fixed."""
    out: list[object] = []
    for event in events:
        if isinstance(event, PrintData) and out and isinstance(out[-1], PrintData):
            out[-1] = PrintData(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def feed(role: Role, data: bytes, cuts: Sequence[int] = (), **kw: int) -> list[object]:
    """Feed ``data`` split at ``cuts``, then close; all events, PrintData merged."""
    conn = PJLConnection(role, **kw)
    events: list[object] = []
    bounds = [0, *sorted(set(cuts)), len(data)]
    for start, end in itertools.pairwise(bounds):
        if end > start:
            conn.receive_data(data[start:end])
            events += drain(conn)
    conn.receive_data(b"")
    events += drain(conn)
    return merged(events)


def error_from(role: Role, data: bytes, **kw: int) -> PJLError:
    conn = PJLConnection(role, **kw)
    conn.receive_data(data)
    with pytest.raises(PJLError) as info:
        drain(conn)
    with pytest.raises(PJLError) as again:  # the connection stays broken
        conn.next_event()
    assert again.value is info.value
    return info.value


# -- golden bytes --------------------------------------------------------------------------


def test_device_reads_a_whole_job() -> None:
    assert feed(Role.DEVICE, JOB) == [*JOB_EVENTS, EndOfStream()]


def test_device_waits_for_more_and_reports_the_close() -> None:
    conn = PJLConnection(Role.DEVICE)
    conn.receive_data(UEL + b"@PJL JOB")
    assert conn.next_event() == Uel()
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"\r\n")
    assert conn.next_event() == Command("JOB")
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"")
    assert conn.next_event() == EndOfStream()
    assert conn.next_event() == EndOfStream()


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b'@PJL JOB NAME="Report"', Command("JOB", (), (("NAME", "Report"),))),
        (b"@PJL INFO STATUS", Command("INFO", ("STATUS",), ())),
        (b"@PJL USTATUS DEVICE=ON", Command("USTATUS", (), (("DEVICE", "ON"),))),
        (b"@PJL ENTER LANGUAGE=PCL", Command("ENTER", (), (("LANGUAGE", "PCL"),))),
        (b"@PJL ECHO hello 12", Command("ECHO", ("hello 12",), ())),
        (b"@PJL", Command("", (), ())),
        (b"@PJL\tusTatus   timed  =  30  ", Command("USTATUS", (), (("TIMED", "30"),))),
        (b"@PJL USTATUSOFF", Command("USTATUSOFF")),
        (b"@PJL INQUIRE COPIES", Command("INQUIRE", ("COPIES",))),
        (
            b'@PJL RDYMSG DISPLAY = "Hi = there"',
            Command("RDYMSG", (), (("DISPLAY", "Hi = there"),)),
        ),
        (
            b"@PJL SET LPARM : PCL PTSIZE=14.25",
            Command("SET", ("LPARM:PCL",), (("PTSIZE", "14.25"),)),
        ),
        (b'@PJL JOB NAME="" START=2', Command("JOB", (), (("NAME", ""), ("START", "2")))),
    ],
)
def test_command_lines(line: bytes, command: Command) -> None:
    for ending in (b"\n", b"\r\n"):
        assert feed(Role.DEVICE, line + ending) == [command, EndOfStream()]


def test_host_sends_golden_bytes() -> None:
    host = PJLConnection(Role.HOST)
    sent = [
        (Uel(), UEL),
        (Command(""), b"@PJL\r\n"),
        (Command.of("USTATUS", JOB="ON"), b"@PJL USTATUS JOB=ON\r\n"),
        (Command.of("JOB", NAME="Report"), b'@PJL JOB NAME="Report"\r\n'),
        (Command("INFO", ("STATUS",)), b"@PJL INFO STATUS\r\n"),
        (Command("ECHO", ("hello 12",)), b"@PJL ECHO hello 12\r\n"),
        (Command.of("RDYMSG", DISPLAY="Busy"), b'@PJL RDYMSG DISPLAY="Busy"\r\n'),
        (
            Command("SET", ("LPARM:PCL",), [("ptsize", "14.25")]),
            b"@PJL SET LPARM:PCL PTSIZE=14.25\r\n",
        ),
        (Command.of("SET", COPIES="a b"), b'@PJL SET COPIES="a b"\r\n'),
        (Command.of("enter", language="PCL"), b"@PJL ENTER LANGUAGE=PCL\r\n"),
        (PrintData(b"@PJL is just data now"), b"@PJL is just data now"),
        (Uel(), UEL),
        (Command.of("EOJ", NAME="Report"), b'@PJL EOJ NAME="Report"\r\n'),
    ]
    assert [host.send(event) for event, _ in sent] == [wire for _, wire in sent]


def test_device_sends_golden_bytes() -> None:
    device = PJLConnection(Role.DEVICE)
    assert b"".join(device.send(event) for event in STATUS_EVENTS) == STATUS
    assert (
        device.send(Reply("INFO ID", ('"LaserJet 4"',))) == b'@PJL INFO ID\r\n"LaserJet 4"\r\n\x0c'
    )


def test_host_reads_replies() -> None:
    assert feed(Role.HOST, STATUS) == [*STATUS_EVENTS, EndOfStream()]


def test_builders() -> None:
    assert status_reply(40022, "Paper jam", False, category="USTATUS DEVICE") == Reply(
        "USTATUS DEVICE", ("CODE=40022", 'DISPLAY="Paper jam"', "ONLINE=FALSE")
    )
    assert status_reply(10001, "Ready", True) == STATUS_EVENTS[0]
    assert job_status_reply("START", "Payroll") == STATUS_EVENTS[2]
    assert job_status_reply("END", "Payroll", pages=1) == STATUS_EVENTS[4]
    assert pagecount_reply(48213) == STATUS_EVENTS[5]


def test_reply_fields_and_code() -> None:
    reply = Reply("USTATUS TIMED", ("CODE = 41204", 'DISPLAY="LOAD TRAY 2 A4"', "ONLINE=FALSE"))
    assert reply.fields() == {"CODE": "41204", "DISPLAY": "LOAD TRAY 2 A4", "ONLINE": "FALSE"}
    assert reply.code == 41204
    assert Reply("USTATUS PAGE", ("3",)).fields() == {}
    assert Reply("USTATUS PAGE", ("3",)).code is None
    assert Reply("INFO STATUS", ("CODE=oops",)).code is None


@pytest.mark.parametrize("body", [b"PAGECOUNT=48213", b"48213", b"  48213"])
def test_pagecount_reply_in_either_form(body: bytes) -> None:
    [reply, _] = feed(Role.HOST, b"@PJL INFO PAGECOUNT\r\n" + body + b"\r\n\x0c")
    assert isinstance(reply, Reply)
    assert reply.fields()["PAGECOUNT"] == "48213"


def test_command_helpers() -> None:
    command = Command.of("JOB", NAME="Report", START="2")
    assert command == Command("JOB", (), (("NAME", "Report"), ("START", "2")))
    assert command.option("name") == "Report"
    assert command.option("END") is None


def test_status_text() -> None:
    assert status_text(10001) == STATUS_TEXT[10001] == "Ready (online)"
    assert {10001, 10002, 10003, 10006, 10023, 35078, 40021, 40022, 40038, 40079} <= set(
        STATUS_TEXT
    )
    assert status_text(41204) == "Load paper: tray 2, media code 04"
    assert status_text(41302) == "Load paper: tray 3, media code 02"
    assert status_text(40999) == "PJL status 40999"


# -- print data ------------------------------------------------------------------------------


def test_data_without_any_pjl_is_print_data() -> None:
    assert feed(Role.DEVICE, b"hi\n") == [PrintData(b"hi\n"), EndOfStream()]


def test_a_non_pjl_line_after_pjl_switches_to_print_data() -> None:
    events = feed(Role.DEVICE, UEL + b"@PJL JOB\r\n%!PS\n@PJL INFO ID\r\n" + UEL)
    assert events == [
        Uel(),
        Command("JOB"),
        PrintData(b"%!PS\n@PJL INFO ID\r\n"),
        Uel(),
        EndOfStream(),
    ]


def test_print_data_is_delivered_before_the_uel() -> None:
    conn = PJLConnection(Role.DEVICE)
    conn.receive_data(b"@PJL ENTER LANGUAGE=PCL\r\n\x1bE\x0c")
    assert drain(conn) == [Command.of("ENTER", LANGUAGE="PCL"), PrintData(b"\x1bE\x0c")]
    conn.receive_data(b"more\x1b%-123")  # holds back only what may start a UEL
    assert drain(conn) == [PrintData(b"more")]
    conn.receive_data(b"45X@PJL EOJ\r\n")
    assert drain(conn) == [Uel(), Command("EOJ")]


@pytest.mark.parametrize("cut", range(1, len(UEL)))
def test_uel_split_across_reads_is_found(cut: int) -> None:
    data = b"\x1bEdata" + UEL + b"@PJL EOJ\r\n"
    at = len(b"\x1bEdata") + cut
    expected = [PrintData(b"\x1bEdata"), Uel(), Command("EOJ"), EndOfStream()]
    assert feed(Role.DEVICE, data, [at]) == expected
    assert feed(Role.DEVICE, data, list(range(1, len(data)))) == expected


def test_part_of_a_uel_at_the_close_is_print_data() -> None:
    assert feed(Role.DEVICE, b"abc\x1b%-123") == [PrintData(b"abc\x1b%-123"), EndOfStream()]
    assert feed(Role.DEVICE, b"@PJ") == [PrintData(b"@PJ"), EndOfStream()]


def test_large_stream_in_tiny_and_large_chunks() -> None:
    """2 MB of print data: never more than a UEL's worth held back, whatever the chunk size."""
    body = bytes(range(256)) * (2 * 1024 * 1024 // 256)
    data = b"@PJL ENTER LANGUAGE=PCL\r\n" + body + UEL
    conn = PJLConnection(Role.DEVICE)
    got, fed, pos = bytearray(), 0, 0
    assert conn.next_event() is NEED_DATA
    for size, count in ((1, 64 * 1024), (64 * 1024, len(data))):
        while pos < len(data) and count > 0:
            chunk = data[pos : pos + size]
            conn.receive_data(chunk)
            pos, count = pos + len(chunk), count - len(chunk)
            for event in drain(conn):
                if isinstance(event, PrintData):
                    got += event.data
            fed = pos - len(b"@PJL ENTER LANGUAGE=PCL\r\n")
            assert fed - len(got) <= len(UEL) - 1 or pos == len(data)
    assert bytes(got) == body
    conn.receive_data(b"")
    assert drain(conn) == [EndOfStream()]


def test_long_line_fed_byte_by_byte() -> None:
    """A line assembled from 1-byte reads is searched for its end once, not once per read."""
    conn = PJLConnection(Role.DEVICE, max_line=100_000)
    conn.receive_data(b"@PJL COMMENT ")
    for _ in range(50_000):
        conn.receive_data(b"x")
        assert conn.next_event() is NEED_DATA
    conn.receive_data(b"\r\n")
    assert conn.next_event() == Command("COMMENT", ("x" * 50_000,))


# -- malformed input --------------------------------------------------------------------------


def test_overlong_pjl_line() -> None:
    line = b"@PJL COMMENT " + b"x" * 100
    error = error_from(Role.DEVICE, line, max_line=64)  # no LF yet: refused before it ends
    assert error.remote and error.code == 20005 and "@PJL COMMENT xxx" in error.detail
    assert error_from(Role.DEVICE, line + b"\r\n", max_line=64).code == 20005
    exact = b"@PJL COMMENT " + b"x" * (64 - 13)
    assert feed(Role.DEVICE, exact + b"\r\n", max_line=64) == [
        Command("COMMENT", ("x" * 51,)),
        EndOfStream(),
    ]


def test_overlong_reply_line() -> None:
    error = error_from(Role.HOST, b"@PJL INFO ID\r\n" + b"y" * 100, max_line=64)
    assert error.remote and "yyyy" in error.detail


@pytest.mark.parametrize(
    "line",
    [b'@PJL JOB NAME="caf\xc3\xa9"\r\n', b"@PJL JOB\x1b%-12345X@PJL EOJ\r\n", b"@PJL ECHO \x00\n"],
)
def test_non_ascii_in_a_pjl_line(line: bytes) -> None:
    error = error_from(Role.DEVICE, line)
    assert error.remote and error.code == 20006
    assert repr(line.rstrip(b"\r\n"))[2:20] in error.detail


def test_reply_without_pjl_prefix() -> None:
    error = error_from(Role.HOST, b"CODE=10001\r\n\x0c")
    assert error.remote and "CODE=10001" in error.detail
    assert "@PJLINFO" in error_from(Role.HOST, b"@PJLINFO ID\r\nx\r\n\x0c").detail


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"@PJL JOB NAME=", 20015),
        (b'@PJL JOB NAME="unterminated', 20011),
        (b"@PJL SET =5", 20001),
        (b"@PJL = X", 20001),
        (b"@PJL SET A==B", 20015),
        (b"@PJL SET LPARM:", 20015),
        (b"@PJLX JOB", 20001),
        (b"@PJL 9LIVES", 20001),
    ],
)
def test_garbage_command(line: bytes, code: int) -> None:
    error = error_from(Role.DEVICE, UEL + line + b"\r\n")
    assert error.remote and error.code == code and line.decode() in error.detail


def test_close_in_the_middle_of_a_line_or_reply() -> None:
    conn = PJLConnection(Role.DEVICE)
    conn.receive_data(b"@PJL JOB NAME")
    conn.receive_data(b"")
    with pytest.raises(PJLError, match="JOB NAME") as info:
        drain(conn)
    assert info.value.remote
    conn = PJLConnection(Role.HOST)
    conn.receive_data(b"@PJL INFO STATUS\r\nCODE=10001\r\n")
    conn.receive_data(b"")
    with pytest.raises(PJLError, match="INFO STATUS") as info:
        drain(conn)
    assert info.value.remote


def test_receive_after_close_is_our_mistake() -> None:
    for role in Role:
        conn = PJLConnection(role)
        conn.receive_data(b"")
        with pytest.raises(PJLError) as info:
            conn.receive_data(b"more")
        assert info.value.remote is False
        assert conn.next_event() == EndOfStream()


# -- sending mistakes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "event"),
    [
        (Role.DEVICE, Command("JOB")),
        (Role.DEVICE, Uel()),
        (Role.DEVICE, PrintData(b"x")),
        (Role.HOST, Reply("INFO STATUS")),
        (Role.HOST, EndOfStream()),
    ],
)
def test_wrong_role_send(role: Role, event: object) -> None:
    with pytest.raises(PJLError) as info:
        PJLConnection(role).send(event)  # type: ignore[arg-type]
    assert info.value.remote is False


def test_host_send_refuses_what_the_device_would_misread() -> None:
    def refused(conn: PJLConnection, event: object) -> str:
        with pytest.raises(PJLError) as info:
            conn.send(event)  # type: ignore[arg-type]
        assert info.value.remote is False
        return info.value.detail

    host = PJLConnection(Role.HOST)
    assert "PJL" in refused(host, PrintData(b"@PJL INFO ID\r\n"))  # would be a command
    refused(host, PrintData(b"\x1b%-12"))  # could become a UEL
    refused(host, Command("ECHO", ("a", "b")))  # ECHO keeps one raw argument
    refused(host, Command.of("JOB", NAME='say "hi"'))
    refused(host, Command.of("JOB", NAME="caf\u00e9"))
    refused(host, Command("", ("X",)))
    assert host.send(Command.of("ENTER", LANGUAGE="PCL")) == b"@PJL ENTER LANGUAGE=PCL\r\n"
    assert host.send(PrintData(b"page\x1b%-123")) == b"page\x1b%-123"
    assert "UEL" in refused(host, PrintData(b"45X"))  # would complete a UEL across sends
    refused(host, Command("EOJ"))  # the device is reading print data
    assert host.send(PrintData(b"")) == b""
    assert host.send(Uel()) == UEL
    assert host.send(Command("EOJ")) == b"@PJL EOJ\r\n"

    device = PJLConnection(Role.DEVICE)
    refused(device, Reply(" padded"))
    refused(device, Reply("INFO ID", ("bad\x0cline",)))
    refused(device, Reply("INFO ID", ("caf\u00e9",)))


# -- properties ---------------------------------------------------------------------------------

WORDS = st.text(string.ascii_letters + string.digits, min_size=1, max_size=6)
VALUES = st.text(string.printable[:-5].replace('"', ""), max_size=12)  # printable ASCII, no quote
COMMANDS = st.one_of(
    st.builds(
        Command,
        st.sampled_from(["JOB", "EOJ", "INFO", "USTATUS", "SET", "INQUIRE", "RDYMSG", "ENTER", ""]),
        st.lists(st.one_of(WORDS, VALUES), max_size=2),
        st.lists(st.tuples(WORDS, VALUES), max_size=3),
    ),
    st.builds(lambda v, t: Command(v, (t,)), st.sampled_from(["ECHO", "COMMENT"]), VALUES),
)
PIECES = st.sampled_from([UEL[:3], UEL[3:], b"@PJL ", b"@", b"\x0c", b"\x1bE", b"\r\n", b"\x1b"])
DATA = st.lists(st.one_of(st.binary(min_size=1, max_size=24), PIECES), min_size=1, max_size=4)
EVENTS = st.lists(
    st.one_of(st.just(Uel()), COMMANDS, DATA.map(lambda parts: PrintData(b"".join(parts)))),
    max_size=14,
)


@given(events=EVENTS, data=st.data())
def test_host_and_device_back_to_back(events: list[object], data: st.DataObject) -> None:
    host = PJLConnection(Role.HOST)
    wire, accepted = bytearray(), []
    for event in events:
        try:
            wire += host.send(event)  # type: ignore[arg-type]
        except PJLError as exc:
            assert not exc.remote
            continue
        if event != PrintData(b""):
            accepted.append(event)
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=8))
    assert feed(Role.DEVICE, bytes(wire), cuts) == [*merged(accepted), EndOfStream()]


REPLIES = st.builds(
    Reply,
    st.text(string.ascii_uppercase + string.digits + " =", min_size=1, max_size=16).filter(
        lambda s: s == s.strip()
    ),
    st.lists(st.text(string.printable[:-5] + "\t", max_size=20), max_size=4),
)


@given(replies=st.lists(REPLIES, max_size=5), data=st.data())
def test_device_and_host_back_to_back(replies: list[Reply], data: st.DataObject) -> None:
    device = PJLConnection(Role.DEVICE)
    wire = b"".join(device.send(reply) for reply in replies)
    cuts = data.draw(st.lists(st.integers(0, len(wire)), max_size=8))
    assert feed(Role.HOST, wire, cuts) == [*replies, EndOfStream()]


@given(cuts=st.lists(st.integers(0, len(JOB)), max_size=20))
def test_any_chunking_of_a_job_gives_the_same_events(cuts: list[int]) -> None:
    assert feed(Role.DEVICE, JOB, cuts) == [*JOB_EVENTS, EndOfStream()]


@given(cuts=st.lists(st.integers(0, len(STATUS)), max_size=20))
def test_any_chunking_of_replies_gives_the_same_events(cuts: list[int]) -> None:
    assert feed(Role.HOST, STATUS, cuts) == [*STATUS_EVENTS, EndOfStream()]
