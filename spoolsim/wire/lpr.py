"""RFC 1179 (LPR/LPD) as a sans-I/O codec: bytes in, events out; events in, bytes out.

Theory of operation
===================

An :class:`LPRConnection` is one TCP conversation (port 515) seen by a :class:`Role`: ``CLIENT``
(the spooler's LPR port monitor, ``lpr``) or ``SERVER`` (the printer's LPD).  Both roles run one
automaton, ``_TABLE``; the role only decides which events are ours to ``send`` and which come
from ``next_event``, so two ends fed each other's bytes are always in the same state.  An ack
is one octet: 0 accepts, anything else refuses (RFC 1179 5.2, 6).

``IDLE``: the client sends one command (one per connection, 5): a code octet, the queue,
operands split by white space (SP HT VT FF), LF (3.1).  ``01`` print waiting jobs goes to
``PRINT_ACK`` (the RFC is silent; BSD ``startdaemon.c`` reads one octet, 0 = done), ``02``
receive job to ``JOB_ACK``, ``03``/``04`` queue state and ``05`` remove jobs to ``REPLY``.

``REPLY``: free text from the server until it closes (5.3, 5.4; BSD ``rmjob.c`` prints what
``05`` gets back the same way).  Every refusal also leads here: BSD and LPRng servers follow
the refusing octet with a message, then close.

``*_ACK``: the server owes an ack; the client must stay silent until it comes.

``JOB``: receive-job subcommands in any order (6): ``01`` abort (no ack: 6.1 defines none and
BSD ``recvjob.c`` drops the files and reads on), ``02 count name`` control file, ``03 count
name`` data file.  A close here ends the job normally.

``BODY``: ``count`` octets streamed as :class:`FileData` chunks, a zero octet
(:class:`FileEnd`), then ``TRAILER_ACK`` (6.2, 6.3).

``STREAM``: a data file announced with count 0 ("byte counting off") runs until the client
closes; no trailer, no ack.  RFC 1179 6.3 lets a client that does not know the size clear the
count to 0 without saying where the file ends; receivers that accept such jobs read to the
close (Brooksnet RPM FAQ "Why is LPR Byte Counting Enabled required?",
brooksnet.com/faq/212-01.html).  That FAQ also says Windows' Standard TCP/IP port with "LPR
Byte Counting Enabled" off sends not 0 but a count far above the real size, then closes:
here that is a ``BODY`` cut short, an error.

:class:`LPRError` says whose fault a failure is: ``remote=True`` for the peer's bytes (the
detail names the field; a server gets ``reply``, the refusal octet to write before closing),
``remote=False`` for API misuse.  After an error the connection is dead.  Buffering: one
``bytearray`` read from ``_pos``; a line search resumes where the last stopped (``_scanned``)
and bodies leave as they arrive, so input costs linear time and no file is held whole.
"""

from __future__ import annotations

import enum
import re

import attrs


class Role(enum.Enum):
    CLIENT = "client"
    SERVER = "server"


NAK = b"\x01"  # the refusal octet a server writes after a protocol error


class LPRError(Exception):
    """A broken conversation: ``remote`` (the peer's fault, else ours), ``detail`` (names the
    field or line), ``reply`` (octet a server writes before closing, or None)."""

    def __init__(self, detail: str, *, remote: bool, reply: bytes | None = None) -> None:
        super().__init__(detail)
        self.detail, self.remote, self.reply = detail, remote, reply


class _Sentinel:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _Sentinel()


@attrs.frozen
class PrintWaiting:  # 01 (client -> server, like everything up to FileEnd)
    queue: str


@attrs.frozen
class ReceiveJob:  # 02
    queue: str


@attrs.frozen
class QueueState:  # 03 short, 04 long; items are user names or job numbers
    queue: str
    items: tuple[str, ...] = ()
    long: bool = False


@attrs.frozen
class RemoveJobs:  # 05
    queue: str
    agent: str
    items: tuple[str, ...] = ()


@attrs.frozen
class AbortJob:  # subcommand 01
    pass


@attrs.frozen
class ControlFileHeader:  # subcommand 02
    size: int
    name: str


@attrs.frozen
class DataFileHeader:  # subcommand 03; size 0 = until the client closes
    size: int
    name: str


@attrs.frozen
class FileData:
    data: bytes


@attrs.frozen
class FileEnd:
    pass


def _ack_code_ok(inst: Ack, _attr: attrs.Attribute, code: int) -> None:
    if not 0 <= code <= 255 or inst.ok != (code == 0):
        raise ValueError(f"Ack(ok={inst.ok}) cannot carry code {code}")


@attrs.frozen
class Ack:  # server -> client
    ok: bool
    code: int = attrs.field(
        default=attrs.Factory(lambda self: 0 if self.ok else 1, takes_self=True),
        validator=_ack_code_ok,
    )


@attrs.frozen
class StateText:  # server -> client
    data: bytes


@attrs.frozen
class EndOfStream:  # the peer closed
    pass


Event = (
    PrintWaiting | ReceiveJob | QueueState | RemoveJobs | AbortJob | ControlFileHeader
    | DataFileHeader | FileData | FileEnd | Ack | StateText | EndOfStream
)  # fmt: skip

# The automaton.  An event's kind is its class name, refined where the next state depends on
# its content: a refusing Ack is "Nak", a data file of size 0 is "DataFileHeader0".
_TABLE: dict[str, dict[str, str]] = {
    "IDLE": {"PrintWaiting": "PRINT_ACK", "ReceiveJob": "JOB_ACK", "QueueState": "REPLY",
             "RemoveJobs": "REPLY"},
    "PRINT_ACK": {"Ack": "DONE", "Nak": "REPLY"},
    "JOB_ACK": {"Ack": "JOB", "Nak": "REPLY"},
    "JOB": {"AbortJob": "JOB", "ControlFileHeader": "FILE_ACK", "DataFileHeader": "FILE_ACK",
            "DataFileHeader0": "STREAM_ACK"},
    "FILE_ACK": {"Ack": "BODY", "Nak": "REPLY"},
    "STREAM_ACK": {"Ack": "STREAM", "Nak": "REPLY"},
    "BODY": {"FileData": "BODY", "FileEnd": "TRAILER_ACK"},
    "TRAILER_ACK": {"Ack": "JOB", "Nak": "REPLY"},
    "STREAM": {"FileData": "STREAM", "FileEnd": "DONE"},
    "REPLY": {"StateText": "REPLY"},
    "DONE": {},
    "ERROR": {},
}  # fmt: skip
_ACK_STATES = {state for state, row in _TABLE.items() if "Ack" in row}
_KINDS = {kind for row in _TABLE.values() for kind in row}
_SERVER_SENDS = {"Ack", "Nak", "StateText"}  # every other kind is the client's


def _kind(event: object) -> str:
    if isinstance(event, Ack) and not event.ok:
        return "Nak"
    if isinstance(event, DataFileHeader) and event.size == 0:
        return "DataFileHeader0"
    return type(event).__name__


_SEPARATORS = " \t\v\f"  # RFC 1179 3.1 "white space"
_WS = re.compile(f"[{_SEPARATORS}]+")


def _text(raw: bytes) -> str:
    """RFC 1179 says ASCII; take UTF-8 where it is valid, else Latin-1 (never fails)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _remote(detail: str) -> LPRError:
    return LPRError(detail, remote=True, reply=NAK)


def _parse_command(line: bytes) -> Event:
    code, text = line[0], _text(line[1:])
    if not 1 <= code <= 5:
        raise _remote(f"command code: 0x{code:02x} is not one of 01-05")
    words = _WS.split(text.strip(_SEPARATORS))
    queue = text.strip(_SEPARATORS) if code <= 2 else words[0]  # 01/02: queue names may hold SP
    if not queue:
        raise _remote(f"queue: command 0x{code:02x} names no queue")
    if code <= 2:
        return PrintWaiting(queue) if code == 1 else ReceiveJob(queue)
    if code <= 4:
        return QueueState(queue, tuple(words[1:]), long=code == 4)
    if len(words) < 2:
        raise _remote("agent: remove-jobs command names no requesting user")
    return RemoveJobs(queue, words[1], tuple(words[2:]))


def _parse_subcommand(line: bytes) -> Event:
    code = line[0]
    if code == 1:
        return AbortJob()
    if code not in (2, 3):
        raise _remote(f"subcommand code: 0x{code:02x} is not one of 01-03")
    what, prefix = ("control", "cf") if code == 2 else ("data", "df")
    words = _WS.split(_text(line[1:]).strip(_SEPARATORS))
    if not (words[0].isascii() and words[0].isdigit()):
        raise _remote(f"count: {what} file count {words[0]!r} is not a decimal number")
    if len(words) != 2:
        raise _remote(f"name: {what} file header needs one name after the count, got {words[1:]}")
    size, name = int(words[0]), words[1]
    if not name.startswith(prefix) or "/" in name:
        raise _remote(f"name: {what} file name {name!r} is not {prefix}A<job><host>")
    if code == 3:
        return DataFileHeader(size, name)
    if size == 0:
        raise _remote("count: a control file cannot be empty (it needs H and P lines)")
    return ControlFileHeader(size, name)


def _word(field: str, value: str, *, spaces: bool = False) -> bytes:
    if not value or value != value.strip(_SEPARATORS) or "\n" in value:
        raise LPRError(f"{field}: {value!r} is empty, has a LF or edge space", remote=False)
    if not spaces and _WS.search(value):
        raise LPRError(f"{field}: {value!r} holds white space", remote=False)
    return value.encode("utf-8")


class LPRConnection:
    """One LPR conversation, seen from one side.

    Args:
        role: ``Role.CLIENT`` (port monitor, ``lpr``) or ``Role.SERVER`` (the printer's LPD).
        max_line: Longest command or subcommand line accepted, code octet and LF included.
    """

    def __init__(self, role: Role, *, max_line: int = 1024) -> None:
        self.role = role
        self._max_line = max_line
        self._state = "IDLE"
        self._buf = bytearray()
        self._pos = 0  # first unconsumed byte of _buf
        self._scanned = 0  # bytes after _pos already searched for LF
        self._remaining = 0  # body bytes still due in BODY
        self._name = ""  # the file in BODY/STREAM, for error details
        self._closed = False  # the peer closed

    @property
    def state(self) -> str:
        """The automaton's state (see the module docstring)."""
        return self._state

    def receive_data(self, data: bytes) -> None:
        """Bytes from the peer; ``b""`` means it closed.  More bytes after that: LPRError
        (remote=False)."""
        if self._closed and data:
            raise LPRError("receive_data after the peer closed", remote=False)
        self._closed = not data
        if self._pos and self._pos * 2 >= len(self._buf):
            del self._buf[: self._pos]
            self._pos = 0
        self._buf += data

    def next_event(self) -> Event | _Sentinel:
        """The next event from the peer, or ``NEED_DATA``.

        Raises:
            LPRError: remote=True if the peer broke the protocol (``reply`` says what to send).
        """
        if self._state == "ERROR":
            raise LPRError("the connection already failed", remote=False)
        try:
            event = self._read()
        except LPRError:
            self._state = "ERROR"
            raise
        if event is not NEED_DATA and not isinstance(event, EndOfStream):
            self._advance(event)
        return event

    def send(self, event: Event) -> bytes:
        """The bytes that carry ``event``; ``b""`` for FileEnd of a size-0 data file (the
        caller then closes).

        Raises:
            LPRError: remote=False: not our event, not allowed now, or not encodable.
        """
        kind = _kind(event)
        sender = Role.SERVER if kind in _SERVER_SENDS else Role.CLIENT
        if kind not in _KINDS or sender is not self.role:
            raise LPRError(f"a {self.role.value} does not send {kind}", remote=False)
        if kind not in _TABLE[self._state]:
            why = " (wait for the acknowledgement)" if self._state in _ACK_STATES else ""
            raise LPRError(f"cannot send {kind} in state {self._state}{why}", remote=False)
        data = self._encode(event)
        self._advance(event)
        return data

    def _advance(self, event: Event) -> None:
        if isinstance(event, (ControlFileHeader, DataFileHeader)):
            self._remaining, self._name = event.size, event.name
        elif isinstance(event, FileData) and self._state == "BODY":
            self._remaining -= len(event.data)
        self._state = _TABLE[self._state][_kind(event)]

    def _encode(self, ev: Event) -> bytes:
        if isinstance(ev, (PrintWaiting, ReceiveJob)):
            code = b"\x01" if isinstance(ev, PrintWaiting) else b"\x02"
            return code + _word("queue", ev.queue, spaces=True) + b"\n"
        if isinstance(ev, (QueueState, RemoveJobs)):
            code = b"\x05" if isinstance(ev, RemoveJobs) else b"\x04" if ev.long else b"\x03"
            words = [_word("queue", ev.queue)]
            words += [_word("agent", ev.agent)] if isinstance(ev, RemoveJobs) else []
            return code + b" ".join(words + [_word("items", i) for i in ev.items]) + b"\n"
        if isinstance(ev, (ControlFileHeader, DataFileHeader)):
            control = isinstance(ev, ControlFileHeader)
            if ev.size < (1 if control else 0):
                raise LPRError(f"size: {ev.size} is not a valid file size", remote=False)
            if not ev.name.startswith("cf" if control else "df"):
                raise LPRError(f"name: {ev.name!r} has the wrong prefix", remote=False)
            code = b"\x02" if control else b"\x03"
            return code + b"%d %s\n" % (ev.size, _word("name", ev.name))
        if isinstance(ev, FileData) and self._state == "BODY" and len(ev.data) > self._remaining:
            raise LPRError(f"FileData: {self._name} would exceed its size", remote=False)
        if isinstance(ev, FileEnd) and self._remaining and self._state == "BODY":
            raise LPRError(f"FileEnd: {self._remaining} bytes still due", remote=False)
        if isinstance(ev, FileEnd):
            return b"" if self._state == "STREAM" else b"\0"
        if isinstance(ev, Ack):
            return bytes([ev.code])
        return b"\x01\n" if isinstance(ev, AbortJob) else ev.data

    def _take_line(self, what: str) -> bytes | None:
        start = self._pos
        end = self._buf.find(b"\n", start + self._scanned)
        if end < 0:
            self._scanned = len(self._buf) - start
            if self._scanned >= self._max_line:
                raise _remote(f"{what} line: no LF within {self._max_line} bytes")
            if self._closed and self._scanned:
                raise _remote(f"{what} line: connection closed before its LF")
            return None
        if end + 1 - start > self._max_line:
            raise _remote(f"{what} line: longer than {self._max_line} bytes")
        self._pos, self._scanned = end + 1, 0
        if end == start:
            raise _remote(f"{what} code: empty line")
        return bytes(self._buf[start:end])

    def _take(self, limit: int) -> bytes:
        end = min(len(self._buf), self._pos + limit)
        chunk, self._pos = bytes(self._buf[self._pos : end]), end
        return chunk

    def _read(self) -> Event | _Sentinel:
        state, avail = self._state, len(self._buf) - self._pos
        if self.role is Role.CLIENT:
            if avail and state == "REPLY":
                return StateText(self._take(avail))
            if avail and state in _ACK_STATES:
                code = self._take(1)[0]
                return Ack(ok=code == 0, code=code)
            if avail:
                raise LPRError(f"server sent {avail} unexpected bytes in {state}", remote=True)
            if self._closed and state in _ACK_STATES:
                raise LPRError(f"ack: server closed without acknowledging ({state})", remote=True)
            return EndOfStream() if self._closed else NEED_DATA
        if state in ("IDLE", "JOB"):
            line = self._take_line("command" if state == "IDLE" else "subcommand")
            if line is None:
                return EndOfStream() if self._closed else NEED_DATA
            return (_parse_command if state == "IDLE" else _parse_subcommand)(line)
        if state == "BODY" and avail:
            if self._remaining:
                return FileData(self._take(self._remaining))
            if trailer := self._take(1)[0]:
                raise _remote(
                    f"trailer: the byte after the body of {self._name} is 0x{trailer:02x}, "
                    "not 0x00 (body longer than its count?)"
                )
            return FileEnd()
        if state == "BODY" and self._closed:
            if self._remaining:
                raise _remote(f"count: closed with {self._remaining} bytes of {self._name} due")
            raise _remote(f"trailer: closed before the \\0 trailer of {self._name}")
        if state == "STREAM":
            if avail:
                return FileData(self._take(avail))
            return FileEnd() if self._closed else NEED_DATA
        if avail and state != "BODY":  # REPLY, DONE, or an ack we owe: the client must be silent
            why = "before the acknowledgement" if state in _ACK_STATES else f"in {state}"
            raise _remote(f"client sent {avail} bytes {why}")
        return EndOfStream() if self._closed else NEED_DATA


def job_file_name(prefix: str, job: int, host: str, letter: str = "A") -> str:
    """``cfA042host``: RFC 1179 6.2/6.3 naming, job number 0-999 in three digits (2).  BSD
    ``lpr`` names a job's further data files ``dfB``, ``dfC``... (``letter``)."""
    if prefix not in ("cf", "df") or not 0 <= job <= 999 or len(letter) != 1:
        raise LPRError(f"name: cannot name {prefix!r} file {letter!r} of job {job}", remote=False)
    return f"{prefix}{letter}{job:03d}{_word('host', host).decode()}"


def split_job_file_name(name: str) -> tuple[str, str, int, str] | None:
    """``"dfA042host"`` -> ``("df", "A", 42, "host")``; None if the name is not of that form."""
    m = re.fullmatch(r"(cf|df)([A-Za-z])(\d{3})(.+)", name, re.DOTALL)
    return (m[1], m[2], int(m[3]), m[4]) if m else None


# Control files (RFC 1179 7): one line per command, a letter then its operand, then LF.
PRINT_LETTERS = "cdfglnoprtv"  # 7.17-7.28: print a data file (k and z are reserved)
_FIELDS = {"H": "host", "P": "user", "C": "job_class", "J": "job_name", "L": "banner_user",
           "T": "title"}  # fmt: skip
_LIMITS = {"H": 31, "P": 31, "C": 31, "J": 99, "T": 79, "N": 131}  # octets, 7.1-7.10


@attrs.frozen
class ControlFile:
    """What a control file says.  A line whose letter has a field fills it the first time; a
    repeat (BSD ``lpr -p`` writes one T per file) and every other line stay in ``other``, in
    order.  ``banner_user`` is None without an L line, "" for an L line without a user."""

    host: str
    user: str
    job_name: str | None = None
    title: str | None = None
    job_class: str | None = None
    banner_user: str | None = None
    prints: tuple[tuple[str, str], ...] = ()  # (one of PRINT_LETTERS, data file name)
    unlinks: tuple[str, ...] = ()  # U lines
    other: tuple[tuple[str, str], ...] = ()  # (letter, operand): N, M, I, W, S, 1-4, ...


def _bad_line(letter: str, operand: str) -> str | None:
    if not "!" <= letter <= "~":
        return f"command character {letter!r} is not printable ASCII"
    if letter in "IW" and not (operand.isascii() and operand.isdigit()):  # 7.3, 7.12
        return f"{letter} operand {operand!r} is not all decimal digits"
    if (letter in PRINT_LETTERS or letter in "UHP") and not operand:
        return f"{letter} line has an empty operand"
    return None


def parse_control_file(data: bytes) -> ControlFile:
    """Read a control file (the body announced by a ControlFileHeader).

    Raises:
        LPRError: remote=True, reply=NAK: a bad line, named by its number, or no H/P line.
    """
    lines = _text(data).split("\n")
    if lines[-1] == "":
        lines.pop()  # the LF that ends the last line
    fields: dict[str, str] = {}
    prints, unlinks, other = [], [], []
    for number, line in enumerate(lines, 1):
        problem = _bad_line(line[0], line[1:]) if line else "empty line"
        if problem:
            raise _remote(f"control file line {number}: {problem}")
        letter, operand = line[0], line[1:]
        if letter in _FIELDS and _FIELDS[letter] not in fields:
            fields[_FIELDS[letter]] = operand
        elif letter in PRINT_LETTERS:
            prints.append((letter, operand))
        elif letter == "U":
            unlinks.append(operand)
        else:
            other.append((letter, operand))
    for letter in "HP":  # 7: "must be included in every control file"
        if _FIELDS[letter] not in fields:
            raise _remote(f"control file: no {letter} line ({_FIELDS[letter]}, RFC 1179 7)")
    return ControlFile(prints=tuple(prints), unlinks=tuple(unlinks), other=tuple(other), **fields)


def build_control_file(control: ControlFile) -> bytes:
    """The bytes of ``control``, in BSD ``lpr``'s order: H P C J L T, prints, U, the rest.
    ``parse_control_file(build_control_file(c)) == c`` for every ``c`` it accepts.

    Raises:
        LPRError: remote=False: a field breaks RFC 1179 7 (a LF, a length limit, a letter).
    """
    lines = [(f, k, getattr(control, f)) for k, f in _FIELDS.items()]
    lines = [line for line in lines if line[2] is not None]
    lines += [("prints", letter, name) for letter, name in control.prints]
    lines += [("unlinks", "U", name) for name in control.unlinks]
    lines += [("other", letter, operand) for letter, operand in control.other]
    out = []
    for field, letter, operand in lines:
        raw = operand.encode("utf-8")
        problem = _bad_line(letter, operand) if len(letter) == 1 else f"letter {letter!r}"
        if field == "prints" and letter not in PRINT_LETTERS:
            problem = f"{letter!r} is not a print letter ({PRINT_LETTERS})"
        elif field == "other" and (letter in PRINT_LETTERS or letter == "U"):
            problem = f"a {letter} line belongs in prints/unlinks"
        elif field == "other" and letter in _FIELDS and getattr(control, _FIELDS[letter]) is None:
            problem = f"a {letter} line while {_FIELDS[letter]} is None would parse back as it"
        elif "\n" in operand:
            problem = f"{letter} operand holds a LF"
        elif len(raw) > _LIMITS.get(letter, len(raw)):
            problem = f"{letter} operand is {len(raw)} octets, over RFC 1179's {_LIMITS[letter]}"
        if problem:
            raise LPRError(f"{field}: {problem}", remote=False)
        out.append(letter.encode("ascii") + raw + b"\n")
    return b"".join(out)
