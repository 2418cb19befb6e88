"""Tests for the RFC 1179 codec (spoolsim.wire.lpr): golden bytes, client and server back to back,
any chunking, malformed input, and control files."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire.lpr import (
    NAK,
    NEED_DATA,
    PRINT_LETTERS,
    AbortJob,
    Ack,
    ControlFile,
    ControlFileHeader,
    DataFileHeader,
    EndOfStream,
    FileData,
    FileEnd,
    LPRConnection,
    LPRError,
    PrintWaiting,
    QueueState,
    ReceiveJob,
    RemoveJobs,
    Role,
    StateText,
    build_control_file,
    job_file_name,
    parse_control_file,
    split_job_file_name,
)

# A job queued with `lpr -l report.txt` on host "client" by root, as BSD lpd's printjob.c forwards
# it to a remote queue "lp": data files first, the control file last, each body followed by one
# zero octet, every line and every body acknowledged by one zero octet.  Control lines in the
# order FreeBSD lpr.c writes them: H P C J L, then per file the format letter, U and N.
DATA = b"Hello, printer\n\x0c"
CONTROL = (
    b"Hclient\nProot\nCclient\nJreport.txt\nLroot\nldfA042client\nUdfA042client\nNreport.txt\n"
)
GOLDEN_CLIENT = [  # what the client writes between two acknowledgements
    b"\x02lp\n",
    b"\x0316 dfA042client\n",
    b"Hello, printer\n\x0c\x00",
    b"\x0280 cfA042client\n",
    CONTROL + b"\x00",
]
GOLDEN_EVENTS = [
    ReceiveJob("lp"),
    DataFileHeader(16, "dfA042client"),
    FileData(DATA),
    FileEnd(),
    ControlFileHeader(80, "cfA042client"),
    FileData(CONTROL),
    FileEnd(),
]
GOLDEN_CONTROL = ControlFile(
    host="client",
    user="root",
    job_name="report.txt",
    job_class="client",
    banner_user="root",
    prints=(("l", "dfA042client"),),
    unlinks=("dfA042client",),
    other=(("N", "report.txt"),),
)


def drain(conn: LPRConnection) -> tuple[list, bytes]:
    """Every event ``conn`` has ready (up to and including EndOfStream) and the bytes of the
    acknowledgements a server role sent on the way."""
    events, sent = [], b""
    while True:
        event = conn.next_event()
        if event is NEED_DATA:
            return events, sent
        events.append(event)
        if isinstance(event, EndOfStream):
            return events, sent
        if conn.role is Role.SERVER and conn.state.endswith("_ACK"):
            sent += conn.send(Ack(True))


def merged(events: list) -> list:
    """Adjacent FileData (and StateText) joined, so chunkings can be compared."""
    out: list = []
    for event in events:
        if out and type(event) is type(out[-1]) and isinstance(event, (FileData, StateText)):
            out[-1] = type(event)(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def feed_segments(conn: LPRConnection, segments: list[list[bytes]]) -> tuple[list, bytes]:
    """Feed each segment (a list of chunks) and drain after every chunk."""
    events, sent = [], b""
    for chunks in segments:
        for chunk in chunks:
            conn.receive_data(chunk)
            got, out = drain(conn)
            events += got
            sent += out
    return events, sent


def raises_remote(conn: LPRConnection, data: bytes, *, close: bool = False) -> LPRError:
    conn.receive_data(data)
    if close:
        conn.receive_data(b"")
    with pytest.raises(LPRError) as info:
        drain(conn)
    assert info.value.remote is True
    return info.value


# -- golden bytes --


def test_golden_client_writes_what_bsd_lpd_writes():
    assert len(CONTROL) == 80 and len(DATA) == 16
    client = LPRConnection(Role.CLIENT)
    written = []
    for events in (
        [ReceiveJob("lp")],
        [DataFileHeader(16, "dfA042client")],
        [FileData(DATA[:5]), FileData(DATA[5:]), FileEnd()],
        [ControlFileHeader(80, "cfA042client")],
        [FileData(build_control_file(GOLDEN_CONTROL)), FileEnd()],
    ):
        written.append(b"".join(client.send(e) for e in events))
        client.receive_data(b"\x00")
        assert client.next_event() == Ack(ok=True, code=0)
    assert written == GOLDEN_CLIENT
    assert client.state == "JOB"


def test_golden_server_reads_events_and_acks_each_step():
    server = LPRConnection(Role.SERVER)
    events, acks = feed_segments(server, [[seg] for seg in GOLDEN_CLIENT])
    assert events == GOLDEN_EVENTS
    assert acks == b"\x00" * 5
    server.receive_data(b"")
    assert server.next_event() == EndOfStream()
    assert parse_control_file(CONTROL) == GOLDEN_CONTROL


def test_build_writes_the_bsd_line_order():
    assert build_control_file(GOLDEN_CONTROL) == CONTROL


# -- back to back --


def talk(client: LPRConnection, server: LPRConnection, *events) -> list:
    """Send client events, feed them to the server, return the server's events (acks sent back
    and checked on the client)."""
    got = []
    for event in events:
        server.receive_data(client.send(event))
        evs, acks = drain(server)
        got += evs
        for byte in acks:
            client.receive_data(bytes([byte]))
            assert client.next_event() == Ack(True)
    return got


def test_whole_job_control_file_first_back_to_back():
    client, server = LPRConnection(Role.CLIENT), LPRConnection(Role.SERVER)
    control = build_control_file(
        ControlFile(host="pc7", user="alice", job_name="Q3 report", prints=(("l", "dfA007pc7"),))
    )
    body = bytes(range(256)) * 3  # any octets at all, NUL included
    got = talk(
        client,
        server,
        ReceiveJob("HP LaserJet"),  # Windows queue names may hold spaces
        ControlFileHeader(len(control), "cfA007pc7"),
        FileData(control),
        FileEnd(),
        DataFileHeader(len(body), "dfA007pc7"),
        FileData(body[:100]),
        FileData(body[100:]),
        FileEnd(),
    )
    assert merged(got) == [
        ReceiveJob("HP LaserJet"),
        ControlFileHeader(len(control), "cfA007pc7"),
        FileData(control),
        FileEnd(),
        DataFileHeader(len(body), "dfA007pc7"),
        FileData(body),
        FileEnd(),
    ]
    assert client.state == server.state == "JOB"
    assert parse_control_file(got[2].data).job_name == "Q3 report"


@pytest.mark.parametrize(
    ("command", "wire", "reply"),
    [
        (QueueState("lp"), b"\x03lp\n", b"lp is ready\nno entries\n"),
        (QueueState("lp", ("root", "42"), long=True), b"\x04lp root 42\n", b"Rank\tOwner\n"),
        (RemoveJobs("lp", "root", ("42",)), b"\x05lp root 42\n", b"dfA042client dequeued\n"),
        (RemoveJobs("lp", "alice"), b"\x05lp alice\n", b""),
    ],
)
def test_commands_answered_with_text_until_close(command, wire, reply):
    client, server = LPRConnection(Role.CLIENT), LPRConnection(Role.SERVER)
    assert client.send(command) == wire
    server.receive_data(wire)
    assert server.next_event() == command
    assert server.state == client.state == "REPLY"
    client.receive_data(server.send(StateText(reply[:4])) + server.send(StateText(reply[4:])))
    client.receive_data(b"")
    events, _ = drain(client)
    assert merged(events) == ([StateText(reply)] if reply else []) + [EndOfStream()]
    with pytest.raises(LPRError) as info:
        client.send(ReceiveJob("lp"))  # one command per connection (RFC 1179 5)
    assert info.value.remote is False


def test_print_waiting_jobs_is_acknowledged_with_one_octet():
    # BSD startdaemon.c: one octet, 0 = done; otherwise an error message runs until close.
    client, server = LPRConnection(Role.CLIENT), LPRConnection(Role.SERVER)
    assert client.send(PrintWaiting("lp")) == b"\x01lp\n"
    server.receive_data(b"\x01lp\n")
    assert server.next_event() == PrintWaiting("lp")
    assert server.state == client.state == "PRINT_ACK"
    client.receive_data(server.send(Ack(True)))
    assert client.next_event() == Ack(True)
    assert client.state == server.state == "DONE"
    refused = LPRConnection(Role.CLIENT)
    refused.send(PrintWaiting("nosuch"))
    refused.receive_data(b"lpd: unknown printer nosuch\n")
    refused.receive_data(b"")
    assert drain(refused)[0] == [
        Ack(ok=False, code=ord("l")),
        StateText(b"pd: unknown printer nosuch\n"),
        EndOfStream(),
    ]


def test_abort_needs_no_ack_and_the_job_goes_on():
    client, server = LPRConnection(Role.CLIENT), LPRConnection(Role.SERVER)
    talk(client, server, ReceiveJob("lp"))
    assert client.send(AbortJob()) == b"\x01\n"
    server.receive_data(b"\x01\n")
    assert server.next_event() == AbortJob()
    assert client.state == server.state == "JOB"
    assert talk(client, server, DataFileHeader(3, "dfA001h")) == [DataFileHeader(3, "dfA001h")]


def test_refused_job_then_explanation_until_close():
    client, server = LPRConnection(Role.CLIENT), LPRConnection(Role.SERVER)
    server.receive_data(client.send(ReceiveJob("lp")))
    assert server.next_event() == ReceiveJob("lp")
    out = server.send(Ack(ok=False, code=2)) + server.send(StateText(b"queue disabled\n"))
    assert out == b"\x02queue disabled\n"
    client.receive_data(out)
    client.receive_data(b"")
    assert drain(client)[0] == [
        Ack(ok=False, code=2),
        StateText(b"queue disabled\n"),
        EndOfStream(),
    ]
    with pytest.raises(LPRError, match="ControlFileHeader") as info:
        client.send(ControlFileHeader(5, "cfA001h"))
    assert info.value.remote is False


def test_size_zero_data_file_runs_until_close():
    client, server = LPRConnection(Role.CLIENT), LPRConnection(Role.SERVER)
    talk(client, server, ReceiveJob("lp"), DataFileHeader(0, "dfA001pc"))
    assert client.state == server.state == "STREAM"
    for chunk in (b"\x1b%-12345X@PJL\r\n", b"\x00\x00 nul is data here", b"\x0c"):
        server.receive_data(client.send(FileData(chunk)))
    assert client.send(FileEnd()) == b""  # no trailer: the client now closes
    assert client.state == "DONE"
    server.receive_data(b"")
    events, acks = drain(server)
    assert merged(events) == [
        FileData(b"\x1b%-12345X@PJL\r\n\x00\x00 nul is data here\x0c"),
        FileEnd(),
        EndOfStream(),
    ]
    assert acks == b""
    with pytest.raises(LPRError):
        client.send(ControlFileHeader(5, "cfA001pc"))


def test_body_streams_before_it_is_complete():
    server = LPRConnection(Role.SERVER)
    feed_segments(server, [[b"\x02lp\n"], [b"\x031000000 dfA001h\n"]])
    server.receive_data(b"x" * 10)
    assert server.next_event() == FileData(b"x" * 10)
    assert server.next_event() is NEED_DATA
    assert server.state == "BODY"


# -- chunking --


def chunked(data, segment: bytes) -> list[bytes]:
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(segment) - 1)), max_size=8)))
    edges = [0, *(c for c in cuts if c < len(segment)), len(segment)]
    return [segment[a:b] for a, b in itertools.pairwise(edges) if b > a]


@given(st.data(), st.binary(min_size=1, max_size=300), st.binary(max_size=300))
def test_any_chunking_gives_the_server_the_same_events(data, body, tail):
    segments = [
        *GOLDEN_CLIENT,
        b"\x03%d dfB042client\n" % len(body),
        body + b"\x00",
        b"\x030 dfC042client\n",
        tail,  # byte counting off: runs until the close
    ]
    expected = [
        *GOLDEN_EVENTS,
        DataFileHeader(len(body), "dfB042client"),
        FileData(body),
        FileEnd(),
        DataFileHeader(0, "dfC042client"),
        *([FileData(tail)] if tail else []),
        FileEnd(),
        EndOfStream(),
    ]

    def run(split) -> tuple[list, bytes]:
        server = LPRConnection(Role.SERVER)
        events, acks = feed_segments(server, [split(s) for s in segments])
        server.receive_data(b"")
        return events + drain(server)[0], acks

    for split in (lambda s: [s] if s else [], lambda s: chunked(data, s)):
        events, acks = run(split)
        assert merged(events) == expected
        assert acks == b"\x00" * 8


@given(st.data(), st.binary(max_size=300))
def test_any_chunking_gives_the_client_the_same_events(data, text):
    def run(split) -> list:
        client = LPRConnection(Role.CLIENT)
        client.send(ReceiveJob("lp"))
        client.receive_data(b"\x00")
        first = client.next_event()
        client.send(DataFileHeader(4, "dfA001h"))
        for chunk in split(b"\x05" + text):  # refused, then an explanation
            client.receive_data(chunk)
        client.receive_data(b"")
        return [first, *drain(client)[0]]

    expected = [Ack(True), Ack(False, 5), *([StateText(text)] if text else []), EndOfStream()]
    assert merged(run(lambda s: [s])) == expected
    assert merged(run(lambda s: chunked(data, s))) == expected


@given(st.binary(max_size=200))
def test_garbage_raises_only_lpr_errors(garbage):
    server = LPRConnection(Role.SERVER)
    server.receive_data(garbage)
    server.receive_data(b"")
    try:
        events, _ = drain(server)
    except LPRError as err:
        assert err.remote is True and err.reply == NAK and err.detail
    else:
        assert events[-1] == EndOfStream()


# -- malformed input --


def job_server(*segments: bytes, max_line: int = 1024) -> LPRConnection:
    server = LPRConnection(Role.SERVER, max_line=max_line)
    feed_segments(server, [[s] for s in segments])
    return server


@pytest.mark.parametrize(
    ("segments", "data", "field"),
    [
        ((), b"\x07lp\n", "command code"),
        ((), b"\x02\n", "queue"),
        ((), b"\x05lp\n", "agent"),
        ((), b"\n", "command code"),
        ((b"\x02lp\n",), b"\x09\n", "subcommand code"),
        ((b"\x02lp\n",), b"\x02abc cfA001h\n", "count"),
        ((b"\x02lp\n",), b"\x03-5 dfA001h\n", "count"),
        ((b"\x02lp\n",), b"\x03 dfA001h\n", "count"),
        ((b"\x02lp\n",), b"\x0210\n", "name"),
        ((b"\x02lp\n",), b"\x0210 dfA001h\n", "name"),
        ((b"\x02lp\n",), b"\x0310 ../../etc/passwd\n", "name"),
        ((b"\x02lp\n",), b"\x020 cfA001h\n", "count"),
        ((b"\x02lp\n", b"\x035 dfA001h\n"), b"hello world", "trailer"),
        ((b"\x02lp\n", b"\x035 dfA001h\n"), b"hello\x01", "trailer"),
    ],
)
def test_malformed_input_names_the_field_and_carries_a_nak(segments, data, field):
    err = raises_remote(job_server(*segments), data)
    assert err.detail.startswith(field)
    assert err.reply == NAK == b"\x01"


def test_body_larger_than_announced_is_caught_at_the_trailer():
    server = job_server(b"\x02lp\n", b"\x035 dfA001h\n")
    server.receive_data(b"hello world")
    assert server.next_event() == FileData(b"hello")
    with pytest.raises(LPRError, match="longer than its count") as info:
        server.next_event()
    assert info.value.remote and info.value.reply == NAK
    with pytest.raises(LPRError) as again:  # the connection stays failed
        server.next_event()
    assert again.value.remote is False


def test_missing_trailer_at_close():
    err = raises_remote(job_server(b"\x02lp\n", b"\x035 dfA001h\n"), b"hello", close=True)
    assert err.detail.startswith("trailer") and "dfA001h" in err.detail


def test_body_cut_short_by_close_names_the_count():
    # What Windows' LPR port sends with byte counting off: a count above the real size, then
    # a close (Brooksnet FAQ 212-01).  Strict RFC 1179 reading: an incomplete body.
    err = raises_remote(job_server(b"\x02lp\n", b"\x039999999 dfA001h\n"), b"%!PS", close=True)
    assert err.detail.startswith("count") and "9999995 bytes of dfA001h due" in err.detail


def test_line_cut_short_by_close():
    err = raises_remote(LPRConnection(Role.SERVER), b"\x02lp", close=True)
    assert err.detail.startswith("command line") and "LF" in err.detail


def test_overlong_line_without_lf():
    server = LPRConnection(Role.SERVER, max_line=16)
    server.receive_data(b"\x02" + b"q" * 10)
    assert server.next_event() is NEED_DATA
    err = raises_remote(server, b"q" * 5)
    assert "no LF within 16 bytes" in err.detail and err.reply == NAK


def test_overlong_line_with_lf_and_the_exact_limit():
    err = raises_remote(LPRConnection(Role.SERVER, max_line=16), b"\x02" + b"q" * 15 + b"\n")
    assert err.detail == "command line: longer than 16 bytes"
    ok = LPRConnection(Role.SERVER, max_line=16)
    ok.receive_data(b"\x02" + b"q" * 14 + b"\n")
    assert ok.next_event() == ReceiveJob("q" * 14)


def test_client_bytes_before_the_ack_are_the_clients_fault():
    server = LPRConnection(Role.SERVER)
    server.receive_data(b"\x02lp\n\x0210 cfA001h\n")
    assert server.next_event() == ReceiveJob("lp")
    with pytest.raises(LPRError, match="before the acknowledgement") as info:
        server.next_event()
    assert info.value.remote is True and info.value.reply == NAK


def test_client_may_not_talk_during_the_reply():
    err = raises_remote(LPRConnection(Role.SERVER), b"\x03lp\nmore")
    assert "in REPLY" in err.detail


def test_server_bytes_nobody_asked_for():
    client = LPRConnection(Role.CLIENT)
    client.receive_data(b"\x00")
    with pytest.raises(LPRError, match="unexpected") as info:
        client.next_event()
    assert info.value.remote is True and info.value.reply is None


def test_server_closing_instead_of_acknowledging():
    client = LPRConnection(Role.CLIENT)
    client.send(ReceiveJob("lp"))
    client.receive_data(b"")
    with pytest.raises(LPRError, match=r"^ack") as info:
        client.next_event()
    assert info.value.remote is True


def test_receive_after_close_is_a_local_error():
    conn = LPRConnection(Role.SERVER)
    conn.receive_data(b"")
    with pytest.raises(LPRError) as info:
        conn.receive_data(b"x")
    assert info.value.remote is False


# -- local misuse --


@pytest.mark.parametrize(
    ("role", "event"),
    [
        (Role.SERVER, ReceiveJob("lp")),
        (Role.SERVER, FileData(b"x")),
        (Role.CLIENT, Ack(True)),
        (Role.CLIENT, StateText(b"hi")),
        (Role.CLIENT, EndOfStream()),
    ],
)
def test_wrong_role_send_is_a_local_error(role, event):
    with pytest.raises(LPRError, match="does not send") as info:
        LPRConnection(role).send(event)
    assert info.value.remote is False and info.value.reply is None


def test_client_must_wait_for_the_ack_before_the_body():
    client = LPRConnection(Role.CLIENT)
    client.send(ReceiveJob("lp"))
    with pytest.raises(LPRError, match="wait for the acknowledgement") as info:
        client.send(ControlFileHeader(5, "cfA001h"))
    assert info.value.remote is False
    client.receive_data(b"\x00")
    client.next_event()
    client.send(ControlFileHeader(5, "cfA001h"))
    with pytest.raises(LPRError, match="wait for the acknowledgement"):
        client.send(FileData(b"hello"))


def test_client_body_must_match_its_count():
    client = LPRConnection(Role.CLIENT)
    for event in (ReceiveJob("lp"), DataFileHeader(5, "dfA001h")):
        client.send(event)
        client.receive_data(b"\x00")
        client.next_event()
    with pytest.raises(LPRError, match="would exceed its size"):
        client.send(FileData(b"toolong"))
    client.send(FileData(b"hel"))
    with pytest.raises(LPRError, match="2 bytes still due"):
        client.send(FileEnd())
    assert client.send(FileData(b"lo")) + client.send(FileEnd()) == b"lo\x00"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (QueueState("my lp"), "queue"),
        (ReceiveJob("lp\n"), "queue"),
        (ReceiveJob(""), "queue"),
        (RemoveJobs("lp", "a b"), "agent"),
        (QueueState("lp", ("x y",)), "items"),
    ],
)
def test_unencodable_commands_name_the_field(event, field):
    with pytest.raises(LPRError, match=f"^{field}") as info:
        LPRConnection(Role.CLIENT).send(event)
    assert info.value.remote is False


def test_ack_codes():
    assert Ack(False).code == 1 and Ack(True).code == 0
    server = LPRConnection(Role.SERVER)
    server.receive_data(b"\x02lp\n")
    server.next_event()
    assert server.send(Ack(False, 2)) == b"\x02"
    for ok, code in ((True, 1), (False, 0), (False, 256)):
        with pytest.raises(ValueError):
            Ack(ok, code)


def test_job_file_names():
    assert job_file_name("cf", 42, "client") == "cfA042client"
    assert job_file_name("df", 7, "pc", letter="B") == "dfB007pc"
    assert split_job_file_name("dfA042client") == ("df", "A", 42, "client")
    assert split_job_file_name("lp") is None
    with pytest.raises(LPRError):
        job_file_name("cf", 1000, "client")


# -- control files --


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"Hh\nPu\nW12x\n", "control file line 3: W operand '12x' is not all decimal digits"),
        (b"Hh\n\nPu\n", "control file line 2: empty line"),
        (b"Hh\nPu\nf\n", "control file line 3: f line has an empty operand"),
        (b"Hh\nPu\n\x01x\n", "control file line 3: command character '\\x01' is not printable"),
        (b"Hh\nP\n", "control file line 2: P line has an empty operand"),
        (b"Pu\nldfA001h\n", "control file: no H line (host, RFC 1179 7)"),
        (b"Hh\nldfA001h\n", "control file: no P line (user, RFC 1179 7)"),
    ],
)
def test_bad_control_lines_are_named_by_number(data, detail):
    with pytest.raises(LPRError) as info:
        parse_control_file(data)
    assert info.value.detail.startswith(detail)
    assert info.value.remote is True and info.value.reply == NAK


def test_control_file_repeats_and_unknown_lines_stay_in_order():
    parsed = parse_control_file(b"Hh\nPu\nTone\npdfAh\nTtwo\npdfBh\nI8\nZx\nL\nH2\nMu")
    assert parsed.title == "one" and parsed.banner_user == ""
    assert parsed.prints == (("p", "dfAh"), ("p", "dfBh"))
    assert parsed.other == (("T", "two"), ("I", "8"), ("Z", "x"), ("H", "2"), ("M", "u"))


@pytest.mark.parametrize(
    ("control", "field"),
    [
        (ControlFile(host="a\nb", user="u"), "host"),
        (ControlFile(host="", user="u"), "host"),
        (ControlFile(host="h", user="u", job_name="j" * 100), "job_name"),
        (ControlFile(host="h" * 32, user="u"), "host"),
        (ControlFile(host="h", user="u", prints=(("x", "dfA001h"),)), "prints"),
        (ControlFile(host="h", user="u", unlinks=("",)), "unlinks"),
        (ControlFile(host="h", user="u", other=(("f", "dfA001h"),)), "other"),
        (ControlFile(host="h", user="u", other=(("T", "late title"),)), "other"),
        (ControlFile(host="h", user="u", other=(("W", "wide"),)), "other"),
    ],
)
def test_build_refuses_what_would_not_parse_back(control, field):
    with pytest.raises(LPRError, match=f"^{field}") as info:
        build_control_file(control)
    assert info.value.remote is False


def _text(max_size: int, min_size: int = 0):
    chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n")
    return st.text(chars, min_size=min_size, max_size=max_size)


CONTROL_FILES = st.builds(
    ControlFile,
    host=_text(7, 1),
    user=_text(7, 1),
    job_name=st.none() | _text(24),
    title=st.none() | _text(19),
    job_class=st.none() | _text(7),
    banner_user=st.none() | _text(7),
    prints=st.lists(st.tuples(st.sampled_from(PRINT_LETTERS), _text(20, 1)), max_size=4).map(tuple),
    unlinks=st.lists(_text(20, 1), max_size=3).map(tuple),
    other=st.lists(
        st.tuples(st.sampled_from("MNSZ1234A"), _text(20))
        | st.tuples(st.sampled_from("IW"), st.from_regex(r"[0-9]{1,4}", fullmatch=True)),
        max_size=5,
    ).map(tuple),
)


@given(CONTROL_FILES)
def test_control_file_round_trip(control):
    assert parse_control_file(build_control_file(control)) == control
