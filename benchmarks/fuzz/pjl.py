"""PJL: the codec (``spoolsim.wire.pjl``) and a device's AppSocket server (RAW 9100).

Inputs are job-stream fragments a host could send: ``@PJL`` command lines (INFO, ECHO, USTATUS,
JOB/EOJ, SET, ENTER, COMMENT, RDYMSG, INQUIRE, unknown verbs), print data with form feeds,
escape sequences and pieces of a UEL; each starts with a UEL and a quarter are mutated.

Codec: each input is read by a device-side connection twice, whole and in random chunks, and
the two event lists must agree (the codec promises split independence); only ``PJLError`` may
come out. A host-side connection reads mutated device replies, and encodes commands built from
random words (``send`` must refuse what it cannot encode with ``PJLError``, nothing else).

Server: inputs go back to back on one connection, many per connection. A local device-side
codec (the oracle) reads the same stream: the input it rejects is the last of its connection and
the server must close it; otherwise, after the batch, ``UEL @PJL ECHO FZ<n>`` must come back,
which proves the server read and answered everything before it.
"""

from __future__ import annotations

import random
import time

import trio

from benchmarks.fuzz import common
from benchmarks.fuzz.mutate import PRINTABLE, Mutator, words
from benchmarks.fuzz.target import Target
from spoolsim.wire import pjl

NAME = "pjl"
BATCH = 100
"""Inputs sent on one AppSocket connection (fewer when one is fatal)."""

UEL = pjl.UEL
_CATEGORIES = ("STATUS", "ID", "PAGECOUNT", "CONFIG", "SUPPLIES", "VARIABLES", "FILESYS", "X")
_USTATUS = ("DEVICE", "JOB", "PAGE", "TIMED", "BOGUS")
_TOKENS = (
    UEL,
    UEL[:4],
    b"@PJL",
    b"@PJL ",
    b"\r\n",
    b"\n",
    b"\x0c",
    b"=",
    b'"',
    b":",
    b" ENTER LANGUAGE=PCL\r\n",
    b"\x1bE",
    b"\x00",
    b"\xff",
)


class Inputs:
    """Job-stream fragments from one seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mutator = Mutator(rng, _TOKENS, max_size=1 << 15)

    def _word(self) -> str:
        return words(self.rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 1, 10)

    def _text(self) -> str:
        return words(self.rng, PRINTABLE, 0, 40)

    def _line(self) -> bytes:
        rng = self.rng
        kind = rng.randrange(12)
        if kind == 0:
            line = f"@PJL INFO {rng.choice(_CATEGORIES)}"
        elif kind == 1:
            line = f"@PJL ECHO {self._text()}"
        elif kind == 2:
            opts = " ".join(
                f"{rng.choice(_USTATUS)}={rng.choice(('ON', 'OFF', 'VERBOSE', '15'))}"
                for _ in range(rng.randint(1, 3))
            )
            line = f"@PJL USTATUS {opts}"
        elif kind == 3:
            line = "@PJL USTATUSOFF"
        elif kind == 4:
            line = f'@PJL JOB NAME="{self._text().replace(chr(34), "")}"'
        elif kind == 5:
            line = "@PJL EOJ" + (f' NAME="{self._word()}"' if rng.random() < 0.5 else "")
        elif kind == 6:
            line = f"@PJL SET {self._word()}={rng.randint(0, 9999)}"
        elif kind == 7:
            line = f"@PJL COMMENT {self._text()}"
        elif kind == 8:
            line = f'@PJL RDYMSG DISPLAY="{self._word()}"'
        elif kind == 9:
            line = f"@PJL INQUIRE {self._word()}"
        elif kind == 10:
            line = "@PJL"
        else:
            line = f"@PJL {self._word()} {self._word()}:{self._word()} {self._word()}"
        return line.encode() + rng.choice((b"\r\n", b"\r\n", b"\n"))

    def _data(self) -> bytes:
        rng = self.rng
        n = rng.choice((1, 8, 64, 512, 4096))
        body = bytearray(
            rng.randbytes(n) if rng.random() < 0.3 else words(rng, PRINTABLE, n, n).encode()
        )
        for _ in range(rng.randint(0, 4)):
            body.insert(rng.randrange(len(body) + 1), 0x0C)
        if rng.random() < 0.2:
            body += UEL[: rng.randint(1, len(UEL) - 1)]  # a UEL cut short, completed or not
        return bytes(body)

    def __call__(self) -> bytes:
        rng = self.rng
        parts = [UEL]
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            if roll < 0.65:
                parts.append(self._line())
            elif roll < 0.8:
                parts.append(b"@PJL ENTER LANGUAGE=PCL\r\n" + self._data())
                parts.append(UEL)
            else:
                parts.append(self._data())
                parts.append(UEL)
        data = b"".join(parts)
        return self.mutator.maybe(data, 0.25) or data  # b"" would mean a close

    def reply(self) -> bytes:
        """A device -> host message (for the host-side codec)."""
        rng = self.rng
        lines = [f"@PJL {rng.choice(('INFO STATUS', 'USTATUS JOB', 'ECHO x', 'INFO ID'))}"]
        lines += [f"{self._word()}={self._word()}" for _ in range(rng.randint(0, 4))]
        return self.mutator.maybe(("\r\n".join(lines) + "\r\n").encode() + b"\x0c", 0.5)


def _events(conn: pjl.PJLConnection, chunks: list[bytes]) -> list[object]:
    out: list[object] = []
    try:
        for chunk in chunks:
            conn.receive_data(chunk)
            while (event := conn.next_event()) is not pjl.NEED_DATA:
                out.append(event)
                if isinstance(event, pjl.EndOfStream):
                    return out
    except pjl.PJLError as exc:
        out.append(("error", exc.code))
    return out


def _merged(events: list[object]) -> list[object]:
    """Adjacent PrintData joined: how data is cut into events depends on the chunks."""
    out: list[object] = []
    for event in events:
        if isinstance(event, pjl.PrintData) and out and isinstance(out[-1], pjl.PrintData):
            out[-1] = pjl.PrintData(out[-1].data + event.data)
        else:
            out.append(event)
    return out


def codec(n: int, seed: int) -> common.Figures:
    """``n`` inputs through the PJL codec, in process."""
    figures = common.Figures(NAME, "codec")
    rng = random.Random(seed)
    inputs = Inputs(rng)
    started = time.perf_counter()
    for i in range(n):
        figures.inputs += 1
        kind = i % 4
        try:
            if kind <= 1:
                data = inputs()
                whole = _events(pjl.PJLConnection(pjl.Role.DEVICE), [data, b""])
                figures.refused += bool(whole) and isinstance(whole[-1], tuple)
                chunks = [*common.split(rng, data, cuts=4), b""]
                split = _events(pjl.PJLConnection(pjl.Role.DEVICE), chunks)
                if _merged(whole) != _merged(split):
                    figures.crash(
                        f"seed {seed} input {i}: events depend on the split: {data[:200]!r}"
                    )
            elif kind == 2:
                _events(pjl.PJLConnection(pjl.Role.HOST), [inputs.reply(), b""])
            else:
                verb = inputs._word()
                args = [inputs._text() for _ in range(rng.randint(0, 2))]
                options = {inputs._word(): inputs._text() for _ in range(rng.randint(0, 2))}
                try:
                    pjl.PJLConnection(pjl.Role.HOST).send(pjl.Command(verb, args, options.items()))
                except pjl.PJLError as exc:
                    if exc.remote:
                        figures.crash(f"seed {seed} input {i}: send blamed the peer: {exc}")
        except Exception as exc:  # anything but PJLError is a codec crash
            figures.crash(f"seed {seed} input {i}: {exc!r}")
    figures.wall = time.perf_counter() - started
    return figures


# -- the AppSocket server --------------------------------------------------------------------------


async def _drain(stream: trio.SocketStream, got: bytearray, closed: trio.Event) -> None:
    while True:
        chunk = await common.receive(stream, timeout=3600)
        if not chunk:
            closed.set()
            return
        got += chunk
        if len(got) > 1 << 20:
            del got[: len(got) - 4096]  # only the tail can hold the marker still to come


async def socket(target: Target, n: int, seed: int, workers: int) -> common.Figures:
    """``n`` inputs to the devices' AppSocket servers, ``BATCH`` per connection."""
    figures = common.Figures(NAME, "socket")
    budget = common.Budget(n)

    async def work(w: int) -> None:
        rng = random.Random(seed * 1000 + w)
        inputs, mark = Inputs(rng), 0
        while budget.taken < budget.total:
            port = rng.choice(target.raw_ports)
            stream = await common.connect(port, w)
            figures.connections += 1
            oracle = pjl.PJLConnection(pjl.Role.DEVICE)
            got, closed = bytearray(), trio.Event()
            async with stream, trio.open_nursery() as nursery:
                nursery.start_soon(_drain, stream, got, closed)
                fatal, last = False, b""
                for _ in range(BATCH):
                    if not budget.take():
                        break
                    last = inputs()
                    figures.inputs += 1
                    oracle.receive_data(last)
                    try:
                        while not isinstance(oracle.next_event(), type(pjl.NEED_DATA)):
                            pass
                    except pjl.PJLError:
                        fatal = True
                    if not await common.send(stream, last) and not fatal:
                        figures.crash(f"port {port}: closed before a good input: {last[:200]!r}")
                        break
                    if fatal:
                        figures.refused += 1
                        break
                if fatal:
                    with trio.move_on_after(common.ANSWER_TIMEOUT):
                        await closed.wait()
                    if not closed.is_set():
                        figures.crash(f"port {port}: no close after a bad input: {last[:200]!r}")
                elif not closed.is_set():
                    mark += 1
                    marker = b"@PJL ECHO FZ%d-%d\r\n" % (w, mark)
                    await common.send(stream, UEL + marker)
                    with trio.move_on_after(common.ANSWER_TIMEOUT):
                        while marker + b"\x0c" not in got and not closed.is_set():
                            await trio.sleep(0.001)
                    if marker + b"\x0c" not in got:
                        what = "closed" if closed.is_set() else "no answer"
                        figures.crash(f"port {port}: {what} after the batch ending {last[:200]!r}")
                nursery.cancel_scope.cancel()

    figures.wall = await common.run_workers(workers, work, figures)
    return figures


async def probe(target: Target) -> str | None:
    """A well-formed exchange with every device: INFO ID and ECHO answered."""
    for port in target.raw_ports:
        with trio.move_on_after(common.ANSWER_TIMEOUT):
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            async with stream:
                await stream.send_all(UEL + b"@PJL INFO ID\r\n@PJL ECHO probe\r\n" + UEL)
                got = b""
                while b"@PJL ECHO probe\r\n\x0c" not in got:
                    chunk = await stream.receive_some(65536)
                    if not chunk:
                        return f"RAW {port}: closed before answering"
                    got += chunk
                if b"@PJL INFO ID\r\n" not in got:
                    return f"RAW {port}: no INFO ID reply in {got!r}"
                continue
        return f"RAW {port}: no answer within {common.ANSWER_TIMEOUT:g} s"
    return None
