"""HP PJL over AppSocket/9100: a sans-I/O codec for both ends of the link.

Theory of operation
===================

One :class:`PJLConnection` serves both ends through its role.  The HOST (spooler, port monitor)
writes the *job stream* and reads the *status stream*; the DEVICE (printer) does the opposite.
Bytes go in with ``receive_data``, events come out of ``next_event``, events become bytes with
``send``.  Each stream walks a transition table (``_JOB_STREAM``, ``_STATUS_STREAM``); a missing
entry is a protocol violation, the peer's (``remote=True``) when read, ours when sent.

Job stream (host -> device)
    ``UEL @PJL lines (ENTER LANGUAGE=x)? print-data UEL @PJL EOJ ... UEL``.  In state PJL (the
    start, and after every UEL) the first bytes decide: a UEL is a :class:`Uel`; ``@PJL`` then
    white space or a line end starts a command line, ended by ``[CR]LF``; anything else is an
    implicit language switch to state DATA, so bytes sent without any PJL (``echo hi | nc``) are
    print data.  ``ENTER`` also switches to DATA.  In DATA every byte is print data up to the
    next UEL; it is handed out as soon as it arrives, holding back only a tail (at most 8 bytes)
    that could be the start of a UEL split across reads.
Status stream (device -> host)
    Replies and unsolicited messages: ``@PJL <category>`` CRLF, body lines CRLF, one form feed.

Buffer contract: every byte is searched a bounded number of times.  DATA keeps at most 8 bytes;
a line being assembled remembers how far it was searched for LF; a line longer than
``max_line`` (or a reply longer than ``64 * max_line``) is an error, not a bigger buffer.

Choices: command lines are strict printable ASCII plus HT (the manual allows Roman-8 octets
128-255 in ``<words>``; the spoolsim contract rejects them).  Verbs and option names are
upper-cased, argument words and values are kept as written; quoted values are unquoted.  A
command modifier (``LPARM : PCL``) becomes one argument ``"LPARM:PCL"``.  ``NAME`` and
``DISPLAY`` values are always sent quoted (they are strings in the manual), other values only
when they are not a single word.  A device answers ``INFO PAGECOUNT`` with ``PAGECOUNT=n``:
the manual only says the category "returns the number of pages printed by the print engine",
and public PJL clients and emulators meet both ``PAGECOUNT=n`` and a bare ``n``; the key/value
form reads like every other reply through :meth:`Reply.fields`, which also accepts the bare
number.

Sources (facts only): HP "Printer Job Language Technical Reference Manual": ch. 2 "PJL Command
Syntax and Format" (UEL ``ESC%-12345X``; formats ``@PJL [CR]LF``, ``@PJL ECHO|COMMENT
<words>``, ``@PJL command [modifier : value] [option [= value]]``; ``@PJL`` upper case, the
rest case-insensitive, white space is SP/HT); "Kernel Commands" (ENTER LANGUAGE, COMMENT);
"Job Separation Commands" (JOB NAME=, EOJ); "Environment Commands" (SET, INQUIRE); ch. 7
"Status Readback Commands" (INFO categories and response syntax ``@PJL INFO category``
CRLF lines ``<FF>``, p. 7-16; INFO STATUS CODE/DISPLAY/ONLINE, p. 7-24; ECHO; USTATUS
DEVICE/JOB/PAGE/TIMED and USTATUSOFF, pp. 7-34 to 7-45: USTATUS JOB ``START``/``END`` lines
with ``NAME=`` and ``PAGES=``); ch. 8 "Device Attendance Commands" (RDYMSG); ch. 11 spooler
examples; appendix D "PJL Status Codes" (groups, 10xxx, 20xxx parser errors, 40xxx, 41xyy
x = tray, yy = media code).  HP "PJL Technical Reference Addendum" ch. 4 (status code groups
and tables; 10023, 35078 and 40079 are taken as the project contract lists them, the rows
themselves were not in the excerpts consulted).  Lexmark "Technical Reference", PJL chapter,
tables 3-12, 3-14 and 3-15 (10001/10002/10005/10006, 40021, 40022, 40038, 40019 remove paper,
41xyy load requests).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

import attrs

__all__ = [
    "NEED_DATA",
    "STATUS_TEXT",
    "UEL",
    "Command",
    "EndOfStream",
    "PJLConnection",
    "PJLError",
    "PrintData",
    "Reply",
    "Role",
    "Uel",
    "job_status_reply",
    "pagecount_reply",
    "status_reply",
    "status_text",
]

UEL = b"\x1b%-12345X"
_PREFIX = b"@PJL"
_FF = 0x0C
_RAW_VERBS = frozenset({"ECHO", "COMMENT"})  # format 3: the rest of the line is free text
_STRING_OPTIONS = frozenset({"NAME", "DISPLAY"})
_PLAIN = re.compile(r'[^\s=:"]+\Z')  # a value that needs no quotes
_PLAIN_ARG = re.compile(r'[^\s=:"]+(?::[^\s=:"]+)?\Z')  # a word or a "MODIFIER:VALUE" pair
_VERB = re.compile(r"([A-Za-z][A-Za-z0-9]*)(?:[ \t]+|\Z)")
_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e\t]")
_TOKEN = re.compile(r'[ \t]*(?:"(?P<q>[^"]*)"|(?P<op>[=:])|(?P<w>[^ \t=:"]+)|(?P<bad>"))')

# Status codes (appendix D, the Addendum, Lexmark tables 3-12 to 3-15).
STATUS_TEXT: dict[int, str] = {
    10001: "Ready (online)",
    10002: "Ready (offline)",
    10003: "Warming up",
    10005: "Reset",
    10006: "Toner low",
    10023: "Printing",
    20001: "PJL syntax error",
    20005: "PJL command buffer overflow",
    20006: "Illegal character in a PJL line",
    20011: "String missing closing double quote",
    20015: "Option has an equal sign but no value",
    35078: "Power save mode",
    40019: "Remove paper from the output bin",
    40021: "Printer open (door or cover)",
    40022: "Paper jam",
    40038: "Toner low (printing stopped)",
    40079: "Offline (taken offline by the operator)",
}


def status_text(code: int) -> str:
    """A short English text for a PJL status code; 41xyy names tray x and media code yy."""
    if code in STATUS_TEXT:
        return STATUS_TEXT[code]
    if 41000 <= code <= 41999:
        return f"Load paper: tray {code // 100 % 10}, media code {code % 100:02d}"
    return f"PJL status {code}"


class Role(enum.Enum):
    HOST = "host"  # spooler / port monitor: sends the job stream
    DEVICE = "device"  # printer: sends replies and unsolicited status


class PJLError(Exception):
    """A broken conversation.

    Attributes:
        remote: True if the peer sent bad bytes, False if we misused the API.
        detail: What went wrong, quoting the offending line or field.
        code: The PJL parser status (20xxx) a device would report for it, or None.
    """

    def __init__(self, detail: str, *, remote: bool, code: int | None = None) -> None:
        super().__init__(detail)
        self.detail, self.remote, self.code = detail, remote, code


class _Sentinel:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


NEED_DATA = _Sentinel("NEED_DATA")


def _options(items: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(n).upper(), str(v)) for n, v in items)


@attrs.frozen
class Uel:
    """A Universal Exit Language sequence: end of any print data, PJL mode follows."""


@attrs.frozen
class Command:
    """One ``@PJL`` command line.  ``@PJL`` alone is ``Command("")``."""

    verb: str = attrs.field(converter=str.upper)
    args: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    options: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_options)

    @classmethod
    def of(cls, verb: str, *args: str, **options: str) -> Command:
        """``Command.of("ENTER", LANGUAGE="PCL")``: options as keywords, in order."""
        return cls(verb, args, tuple(options.items()))

    def option(self, name: str) -> str | None:
        """The value of the first option called ``name`` (any case), or None."""
        name = name.upper()
        return next((v for n, v in self.options if n == name), None)


@attrs.frozen
class PrintData:
    """Print-language bytes; one job's data may arrive as any number of these."""

    data: bytes


@attrs.frozen
class Reply:
    """A device -> host message: ``@PJL <category>``, body lines, form feed."""

    category: str
    lines: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def fields(self) -> dict[str, str]:
        """``KEY=VALUE`` lines as a dict (keys upper-cased, values unquoted).

        A bare number in an ``INFO PAGECOUNT`` reply counts as ``PAGECOUNT``.
        """
        out: dict[str, str] = {}
        for line in self.lines:
            key, eq, value = line.partition("=")
            if eq:
                value = value.strip(" \t")
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                out.setdefault(key.strip(" \t").upper(), value)
            elif self.category.upper() == "INFO PAGECOUNT" and line.strip().isdigit():
                out.setdefault("PAGECOUNT", line.strip())
        return out

    @property
    def code(self) -> int | None:
        """The ``CODE=`` status code, or None."""
        value = self.fields().get("CODE", "")
        return int(value) if value.isdigit() else None


@attrs.frozen
class EndOfStream:
    """The peer closed its side of the connection."""


Event = Uel | Command | PrintData | Reply | EndOfStream


def status_reply(code: int, display: str, online: bool, *, category: str = "INFO STATUS") -> Reply:
    """An INFO STATUS reply (or, by category, a USTATUS DEVICE / TIMED message)."""
    online_text = "TRUE" if online else "FALSE"
    return Reply(category, (f"CODE={code}", f'DISPLAY="{display}"', f"ONLINE={online_text}"))


def job_status_reply(event: str, name: str | None = None, *, pages: int | None = None) -> Reply:
    """A USTATUS JOB message: ``event`` is ``"START"`` or ``"END"`` (END carries ``pages``)."""
    lines = [event]
    if name is not None:
        lines.append(f'NAME="{name}"')
    if pages is not None:
        lines.append(f"PAGES={pages}")
    return Reply("USTATUS JOB", lines)


def pagecount_reply(count: int) -> Reply:
    """The INFO PAGECOUNT reply, in the ``PAGECOUNT=n`` form (see the module docstring)."""
    return Reply("INFO PAGECOUNT", (f"PAGECOUNT={count}",))


class _State(enum.Enum):
    PJL = "PJL"  # job stream: reading PJL lines
    DATA = "DATA"  # job stream: reading print data up to the next UEL
    IDLE = "IDLE"  # status stream: between messages
    REPLY = "REPLY"  # status stream: inside a message
    CLOSED = "CLOSED"


_JOB_STREAM = {
    (_State.PJL, "uel"): _State.PJL,
    (_State.PJL, "command"): _State.PJL,
    (_State.PJL, "enter"): _State.DATA,
    (_State.PJL, "data"): _State.DATA,  # implicit language switch
    (_State.PJL, "eof"): _State.CLOSED,
    (_State.DATA, "data"): _State.DATA,
    (_State.DATA, "uel"): _State.PJL,
    (_State.DATA, "eof"): _State.CLOSED,
}
_STATUS_STREAM = {
    (_State.IDLE, "header"): _State.REPLY,
    (_State.REPLY, "line"): _State.REPLY,
    (_State.REPLY, "formfeed"): _State.IDLE,
    (_State.IDLE, "eof"): _State.CLOSED,
}


def _is_pjl_line(text: str) -> bool:
    return text.startswith("@PJL") and text[4:5] in ("", " ", "\t")


def _ascii_line(text: str, what: str) -> bytes:
    """``text`` + CRLF, or a local error if the peer could not read it back."""
    raw = text.encode("ascii", "replace")
    if raw.decode("ascii") != text or _NOT_PRINTABLE.search(raw):
        raise PJLError(f"{what} is not printable ASCII: {text!r}", remote=False)
    return raw + b"\r\n"


def _parse_command(text: str) -> Command:
    """Parse one command line (``@PJL`` + white space or end; ASCII already checked)."""
    rest = text[4:].strip(" \t")
    if not rest:
        return Command("")
    m = _VERB.match(rest)
    if m is None:
        raise PJLError(f"PJL command is not a word: {text!r}", remote=True, code=20001)
    verb, tail = m[1].upper(), rest[m.end() :]
    if verb in _RAW_VERBS:
        return Command(verb, (tail,) if tail else ())
    tokens, pos = [], 0
    while pos < len(tail):
        t = _TOKEN.match(tail, pos)
        assert t is not None  # every character starts some token
        if t["bad"] is not None:
            raise PJLError(f"string missing closing quote: {text!r}", remote=True, code=20011)
        kind = "q" if t["q"] is not None else "op" if t["op"] else "w"
        tokens.append((kind, t[kind]))
        pos = t.end()
    args, options, i = [], [], 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "w" and i + 1 < len(tokens) and tokens[i + 1][0] == "op":
            op = tokens[i + 1][1]
            if i + 2 >= len(tokens) or tokens[i + 2][0] == "op":
                raise PJLError(f"{value}{op} has no value: {text!r}", remote=True, code=20015)
            if op == "=":
                options.append((value, tokens[i + 2][1]))
            else:
                args.append(f"{value}:{tokens[i + 2][1]}")
            i += 3
        elif kind == "op":
            raise PJLError(f"unexpected {value!r} in {text!r}", remote=True, code=20001)
        else:
            args.append(value)
            i += 1
    return Command(verb, args, options)


def _encode_command(cmd: Command) -> bytes:
    def quoted(value: str, plain: re.Pattern[str], always: bool = False) -> str:
        return f'"{value}"' if always or not plain.match(value) else value

    parts = ["@PJL", cmd.verb] if cmd.verb else ["@PJL"]
    if cmd.verb in _RAW_VERBS:
        parts += cmd.args
    else:
        parts += [quoted(a, _PLAIN_ARG) for a in cmd.args]
        parts += [f"{n}={quoted(v, _PLAIN, n in _STRING_OPTIONS)}" for n, v in cmd.options]
    line = " ".join(parts)
    raw = _ascii_line(line, "command")
    try:
        again = _parse_command(line)
    except PJLError as exc:
        raise PJLError(f"cannot encode {cmd!r}: {exc.detail}", remote=False) from None
    if again != cmd:
        raise PJLError(f"{cmd!r} would reach the device as {again!r}", remote=False)
    return raw


def _encode_reply(reply: Reply) -> bytes:
    head = f"@PJL {reply.category}" if reply.category else "@PJL"
    if reply.category != reply.category.strip(" \t"):
        raise PJLError(f"category {reply.category!r} has outer white space", remote=False)
    return b"".join(_ascii_line(text, "reply line") for text in (head, *reply.lines)) + b"\x0c"


def _partial_uel(buf: bytearray) -> int:
    """Length of the longest tail of ``buf`` that is a proper prefix of a UEL."""
    for k in range(min(len(UEL) - 1, len(buf)), 0, -1):
        if buf.endswith(UEL[:k]):
            return k
    return 0


class PJLConnection:
    """One end of a PJL link (see the module docstring)."""

    def __init__(self, role: Role, *, max_line: int = 4096) -> None:
        self.role, self.max_line = role, max_line
        self._buf = bytearray()
        self._scanned = 0  # bytes at the front of _buf already searched for LF
        self._closed = False  # the peer closed (receive_data(b""))
        self._error: PJLError | None = None
        job, status = _State.PJL, _State.IDLE
        self._in, self._out = (status, job) if role is Role.HOST else (job, status)
        self._sent_tail = b""  # HOST: last bytes of print data sent, for split UEL checks
        self._category = ""
        self._lines: list[str] = []
        self._size = 0

    # -- receiving -------------------------------------------------------------------------
    def receive_data(self, data: bytes) -> None:
        """Feed bytes from the peer; ``b""`` means the peer closed.

        Raises:
            PJLError: (remote=False) after the peer has already closed.
        """
        if self._closed:
            raise PJLError("receive_data after the peer closed the stream", remote=False)
        if data:
            self._buf += data
        else:
            self._closed = True

    def next_event(self) -> Event | _Sentinel:
        """The next event from the peer, or ``NEED_DATA``.

        Raises:
            PJLError: (remote=True) the peer broke the protocol; raised again on every call.
        """
        if self._error is not None:
            raise self._error
        try:
            if self.role is Role.DEVICE:
                return self._next_job_event()
            return self._next_status_event()
        except PJLError as exc:
            self._error = exc
            raise

    def _consume(self, n: int) -> bytes:
        data = bytes(self._buf[:n])
        del self._buf[:n]
        self._scanned = 0
        return data

    def _step(self, table: dict, what: str, remote: bool = True) -> None:
        state = self._in if remote else self._out
        new = table.get((state, what))
        if new is None:
            where = "the peer closed" if what == "eof" else f"{what} arrived"
            raise PJLError(f"{where} in state {state.name}", remote=remote)
        if remote:
            self._in = new
        else:
            self._out = new

    def _take_line(self) -> str | None:
        """The next [CR]LF-terminated line, checked, or None until it is complete."""
        end = self._buf.find(b"\n", self._scanned)
        if end < 0:
            self._scanned = len(self._buf)
            if len(self._buf) > self.max_line:
                head = bytes(self._buf[:60])
                raise PJLError(
                    f"line over {self.max_line} bytes: {head!r}...", remote=True, code=20005
                )
            if self._closed:
                raise PJLError(f"the peer closed inside a line: {bytes(self._buf)!r}", remote=True)
            return None
        raw = self._consume(end + 1)[:-1].removesuffix(b"\r")
        if len(raw) > self.max_line:
            raise PJLError(
                f"line over {self.max_line} bytes: {raw[:60]!r}...", remote=True, code=20005
            )
        bad = _NOT_PRINTABLE.search(raw)
        if bad is not None:
            detail = f"byte {raw[bad.start()]:#04x} at column {bad.start()} is not printable ASCII"
            raise PJLError(f"{detail} in {raw!r}", remote=True, code=20006)
        return raw.decode("ascii")

    def _eof(self) -> EndOfStream:
        if self._in is not _State.CLOSED:
            self._step(_JOB_STREAM if self.role is Role.DEVICE else _STATUS_STREAM, "eof")
        return EndOfStream()

    def _next_job_event(self) -> Event | _Sentinel:
        buf = self._buf
        if self._in is _State.CLOSED or (not buf and self._closed):
            return self._eof()
        if not buf:
            return NEED_DATA
        if buf.startswith(UEL):
            self._consume(len(UEL))
            self._step(_JOB_STREAM, "uel")
            return Uel()
        if self._in is _State.PJL:
            if buf.startswith(_PREFIX) and len(buf) > 4:
                text = self._take_line()
                if text is None:
                    return NEED_DATA
                if not _is_pjl_line(text):
                    detail = f"@PJL must be followed by white space: {text!r}"
                    raise PJLError(detail, remote=True, code=20001)
                cmd = _parse_command(text)
                self._step(_JOB_STREAM, "enter" if cmd.verb == "ENTER" else "command")
                return cmd
            head = bytes(buf[: len(UEL)])
            if (UEL.startswith(head) or _PREFIX.startswith(head)) and not self._closed:
                return NEED_DATA  # too short to tell a UEL or a PJL line from print data
            self._step(_JOB_STREAM, "data")
        end = buf.find(UEL)
        if end < 0:
            end = len(buf) if self._closed else len(buf) - _partial_uel(buf)
        if end == 0:
            return NEED_DATA
        return PrintData(self._consume(end))

    def _next_status_event(self) -> Event | _Sentinel:
        if self._in is _State.CLOSED or (
            self._in is _State.IDLE and not self._buf and self._closed
        ):
            return self._eof()
        if self._in is _State.IDLE:
            text = self._take_line()
            if text is None:
                return NEED_DATA
            if not _is_pjl_line(text):
                raise PJLError(f"reply does not start with @PJL: {text!r}", remote=True)
            self._step(_STATUS_STREAM, "header")
            self._category, self._lines, self._size = text[4:].strip(" \t"), [], len(text)
        while True:
            if not self._buf:
                if self._closed:  # (REPLY, "eof") is not in the table
                    raise PJLError(f"the peer closed inside reply {self._category!r}", remote=True)
                return NEED_DATA
            if self._buf[0] == _FF:
                self._consume(1)
                self._step(_STATUS_STREAM, "formfeed")
                return Reply(self._category, self._lines)
            text = self._take_line()
            if text is None:
                return NEED_DATA
            self._size += len(text) + 2
            if self._size > 64 * self.max_line:
                raise PJLError(
                    f"reply {self._category!r} over {64 * self.max_line} bytes", remote=True
                )
            self._step(_STATUS_STREAM, "line")
            self._lines.append(text)

    # -- sending ---------------------------------------------------------------------------
    def send(self, event: Event) -> bytes:
        """The bytes for ``event``: HOST sends Uel/Command/PrintData, DEVICE sends Reply.

        Raises:
            PJLError: (remote=False) wrong role, or an event the peer would read differently.
        """
        if self.role is Role.DEVICE:
            if not isinstance(event, Reply):
                raise PJLError(f"a device sends Reply only, not {event!r}", remote=False)
            return _encode_reply(event)
        if isinstance(event, Uel):
            self._step(_JOB_STREAM, "uel", remote=False)
            self._sent_tail = b""
            return UEL
        if isinstance(event, Command):
            data = _encode_command(event)
            if self._out is _State.DATA:
                raise PJLError(
                    "send Uel() before a command: the device reads print data", remote=False
                )
            self._step(_JOB_STREAM, "enter" if event.verb == "ENTER" else "command", remote=False)
            return data
        if isinstance(event, PrintData):
            data = bytes(event.data)
            if not data:
                return b""
            tail = self._sent_tail if self._out is _State.DATA else b""
            head = data[: len(UEL)]
            if self._out is _State.PJL and (
                data.startswith(_PREFIX) or _PREFIX.startswith(head) or UEL.startswith(head)
            ):
                raise PJLError(f"print data {head!r} would read as PJL or a UEL", remote=False)
            joined = tail + data
            if UEL in joined:
                raise PJLError("print data contains a UEL: send Uel() instead", remote=False)
            self._step(_JOB_STREAM, "data", remote=False)
            self._sent_tail = joined[-(len(UEL) - 1) :]
            return data
        raise PJLError(f"a host cannot send {event!r}", remote=False)
