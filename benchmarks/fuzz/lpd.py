"""LPD: the codec (``spoolsim.wire.lpr``) and a device's LPD server (RFC 1179, port 515).

An input is one whole conversation, since LPD carries one command per connection: a receive-job
command with its control and data files (in either order, with aborts, a data file of count 0
that runs to the close, control files with every line letter of RFC 1179 7), a queue-state or
remove-jobs command, print-waiting, or bytes that are none of these; 30 % are mutated.

Codec: a server-side connection reads the conversation the way the device does (acknowledging
what it must, parsing control files), whole and in random chunks, and both readings must give
the same events; only ``LPRError`` may come out. A client-side connection reads mutated server
replies; ``build_control_file`` must either round-trip through ``parse_control_file`` or refuse
with ``LPRError``.

Server: one connection per input (the client sends it all, then half-closes); the server must
close the connection, having answered or refused, within ``common.ANSWER_TIMEOUT``.
"""

from __future__ import annotations

import random
import time

import trio

from benchmarks.fuzz import common
from benchmarks.fuzz.mutate import PRINTABLE, Mutator, words
from benchmarks.fuzz.target import Target
from spoolsim.wire import lpr

NAME = "lpd"
_TOKENS = (b"\n", b"\x00", b"\x01", b"\x02", b"\x03", b" ", b"\t", b"cfA", b"dfA", b"999999999")
_LETTERS = "HPJCLTNMIWSU1234" + lpr.PRINT_LETTERS + "Zkz"


class Inputs:
    """LPD conversations from one seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mutator = Mutator(rng, _TOKENS, max_size=1 << 16)

    def _word(self, low: int = 1, high: int = 10) -> str:
        return words(self.rng, "abcdefghijklmnopqrstuvwxyz0123456789", low, high)

    def _control(self, host: str, data_names: list[str]) -> bytes:
        rng = self.rng
        lines = [f"H{host}", f"P{self._word()}"]
        for _ in range(rng.randint(0, 5)):
            letter = rng.choice(_LETTERS)
            operand = str(rng.randint(0, 99)) if letter in "IW" else self._word(0, 20)
            lines.append(letter + operand)
        for name in data_names:
            lines.append(rng.choice(lpr.PRINT_LETTERS) + name)
            if rng.random() < 0.3:
                lines.append(f"N{self._word()}")
        rng.shuffle(lines)
        return ("\n".join(lines) + "\n").encode()

    def _data(self) -> bytes:
        rng = self.rng
        if rng.random() < 0.2:
            return b'\x1b%-12345X@PJL JOB NAME="x"\r\n@PJL ENTER LANGUAGE=PCL\r\nab\x0ccd'
        n = rng.choice((0, 1, 16, 300, 5000))
        body = bytearray(words(rng, PRINTABLE, n, n).encode())
        for _ in range(rng.randint(0, 3)):
            body.insert(rng.randrange(len(body) + 1), 0x0C)
        return bytes(body)

    def _job(self, queue: str) -> bytes:
        rng = self.rng
        number, host = rng.randint(0, 999), self._word()
        names = [f"df{chr(65 + i)}{number:03d}{host}" for i in range(rng.randint(0, 3))]
        files = [(0x03, name, self._data()) for name in names]
        control = (0x02, f"cfA{number:03d}{host}", self._control(host, names))
        files.insert(rng.randrange(len(files) + 1), control)
        out = [b"\x02" + queue.encode() + b"\n"]
        for code, name, body in files:
            if rng.random() < 0.05:
                out.append(b"\x01\n")  # abort
            if code == 0x03 and rng.random() < 0.1 and files[-1][1] == name:
                out.append(b"\x03" + b"0 %s\n" % name.encode() + body)  # to the close
                return b"".join(out)
            out.append(bytes([code]) + b"%d %s\n" % (len(body), name.encode()) + body + b"\x00")
        return b"".join(out)

    def __call__(self) -> bytes:
        rng = self.rng
        queue = rng.choice(("lp", "raw", "queue with space", self._word()))
        kind = rng.random()
        if kind < 0.55:
            data = self._job(queue)
        elif kind < 0.75:
            items = " ".join(self._word() for _ in range(rng.randint(0, 3)))
            data = bytes([rng.choice((3, 4))]) + f"{queue.split()[0]} {items}".encode() + b"\n"
        elif kind < 0.9:
            agent = rng.choice(("root", "-all", self._word()))
            items = " ".join(str(rng.randint(0, 999)) for _ in range(rng.randint(0, 3)))
            data = b"\x05" + f"{queue.split()[0]} {agent} {items}".encode() + b"\n"
        elif kind < 0.95:
            data = b"\x01" + queue.encode() + b"\n"
        else:
            data = rng.randbytes(rng.randint(1, 64))
        return self.mutator.maybe(data, 0.3) or data

    def reply(self) -> bytes:
        """What a server might send a client."""
        rng = self.rng
        data = bytes(rng.choice((0, 0, 0, 1, 2))) * rng.randint(1, 6) + self._word(0, 40).encode()
        return self.mutator.maybe(data, 0.5)


def serve_codec(chunks: list[bytes]) -> list[object]:
    """The events a device-side codec gives for ``chunks`` (then a close), acknowledging as the
    device does; an ``LPRError`` of the peer's ends the list as ``"error"``."""
    conn = lpr.LPRConnection(lpr.Role.SERVER)
    events: list[object] = []
    body: bytearray | None = None
    try:
        for chunk in [*chunks, b""]:
            conn.receive_data(chunk)
            while (event := conn.next_event()) is not lpr.NEED_DATA:
                if isinstance(event, lpr.EndOfStream):
                    return events
                if isinstance(event, lpr.FileData) and events and isinstance(events[-1], bytes):
                    events[-1] += event.data
                else:
                    events.append(event.data if isinstance(event, lpr.FileData) else event)
                if isinstance(event, lpr.ControlFileHeader):
                    body = bytearray()
                elif isinstance(event, lpr.FileData) and body is not None:
                    body += event.data
                elif isinstance(event, lpr.FileEnd) and body is not None:
                    events.append(lpr.parse_control_file(bytes(body)))
                    body = None
                if isinstance(event, lpr.ReceiveJob | lpr.ControlFileHeader | lpr.DataFileHeader):
                    conn.send(lpr.Ack(ok=True))
                elif isinstance(event, lpr.FileEnd) and conn.state == "TRAILER_ACK":
                    conn.send(lpr.Ack(ok=True))
                elif isinstance(event, lpr.PrintWaiting):
                    conn.send(lpr.Ack(ok=True))
    except lpr.LPRError as exc:
        if not exc.remote:
            raise
        events.append("error")  # its detail may count the octets at hand: split-dependent
    return events


def _random_control(rng: random.Random) -> lpr.ControlFile:
    def text() -> str:
        return words(rng, PRINTABLE + "\n\t", 0, rng.choice((5, 40, 140)))

    return lpr.ControlFile(
        host=text(),
        user=text(),
        job_name=text() if rng.random() < 0.5 else None,
        title=text() if rng.random() < 0.3 else None,
        prints=tuple((rng.choice(lpr.PRINT_LETTERS + "xU"), text()) for _ in range(2)),
        other=tuple((rng.choice("NMJ5Z"), text()) for _ in range(rng.randint(0, 2))),
    )


def codec(n: int, seed: int) -> common.Figures:
    """``n`` inputs through the LPR codec, in process."""
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
                whole = serve_codec([data])
                figures.refused += "error" in whole
                if whole != serve_codec(common.split(rng, data)):
                    figures.crash(
                        f"seed {seed} input {i}: events depend on the split: {data[:200]!r}"
                    )
            elif kind == 2:
                conn = lpr.LPRConnection(lpr.Role.CLIENT)
                try:
                    conn.send(lpr.ReceiveJob("lp"))
                    conn.receive_data(inputs.reply())
                    conn.receive_data(b"")
                    while not isinstance(conn.next_event(), lpr.EndOfStream):
                        pass
                except lpr.LPRError:
                    pass
            else:
                control = _random_control(rng)
                try:
                    raw = lpr.build_control_file(control)
                except lpr.LPRError as exc:
                    if exc.remote:
                        figures.crash(f"seed {seed} input {i}: build blamed the peer: {exc}")
                else:
                    if lpr.parse_control_file(raw) != control:
                        figures.crash(f"seed {seed} input {i}: {control!r} does not round-trip")
        except Exception as exc:  # anything but LPRError is a codec crash
            figures.crash(f"seed {seed} input {i}: {exc!r}")
    figures.wall = time.perf_counter() - started
    return figures


async def socket(target: Target, n: int, seed: int, workers: int) -> common.Figures:
    """``n`` conversations with the devices' LPD servers, one per connection."""
    figures = common.Figures(NAME, "socket")
    budget = common.Budget(n)

    async def work(w: int) -> None:
        rng = random.Random(seed * 1000 + w)
        inputs = Inputs(rng)
        while budget.take():
            data = inputs()
            port = rng.choice(target.lpd_ports)
            stream = await common.connect(port, w)
            figures.connections += 1
            figures.inputs += 1
            async with stream:
                sent = await common.send(stream, data)
                if sent:
                    try:
                        await stream.send_eof()
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        pass
                answer = await common.until_closed(stream)
            if answer is None:
                figures.crash(f"port {port}: no close within the timeout after {data[:300]!r}")
            elif not sent or answer.endswith(lpr.NAK):  # the device's refusal, then a close
                figures.refused += 1

    figures.wall = await common.run_workers(workers, work, figures)
    return figures


async def probe(target: Target) -> str | None:
    """A well-formed queue-state command on every device: a status line comes back."""
    for port in target.lpd_ports:
        with trio.move_on_after(common.ANSWER_TIMEOUT):
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            async with stream:
                await stream.send_all(b"\x03lp\n")
                answer = await common.until_closed(stream)
            if not answer or b"status" not in answer:
                return f"LPD {port}: queue state answered {answer!r}"
            continue
        return f"LPD {port}: no answer within {common.ANSWER_TIMEOUT:g} s"
    return None
