"""Codec throughput in MB/s: the sans-I/O PJL and LPR codecs, both ends of each link.

Each row times one side of a conversation, with nothing but the codec in the loop:

- PJL job stream, host encoding: UEL, ``@PJL JOB``, ``@PJL ENTER LANGUAGE=PCL``, the print data
  as 64 KiB ``PrintData`` events, UEL, ``@PJL EOJ``, UEL, joined into one ``bytes`` as a send
  would; device parsing: those bytes fed in 64 KiB reads (the read boundaries fall anywhere
  relative to the events), then a close.
- PJL status stream, device encoding and host parsing: unsolicited USTATUS messages (DEVICE, JOB
  START/END, PAGE, TIMED) of 30-80 bytes each, fed in 64 KiB reads.  Small messages are the
  codec's slowest case; this is the stream the wire path's port monitor reads.
- LPR, client encoding a receive-job conversation (receive job, a control file, a data file as
  64 KiB ``FileData`` events), fed the server's acks; server parsing those bytes fed in 64 KiB
  reads, answering each ack.

The job streams run twice: one large job of ``--mb`` megabytes, and the same volume as 100 KB
jobs (a five-page job at 20,000 bytes a page), one connection each, which adds the per-job
costs.  After each timed run the receiving end's output is checked against what was sent,
outside the timing: a row is only reported for a codec that round-tripped every byte.  Garbage
collection is off while a row is timed.  1 MB = 10^6 bytes.

    python -m benchmarks.codecs [--mb 64] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Iterator

from spoolsim.wire import lpr, pjl

__all__ = [
    "CHUNK",
    "lpr_job_stream",
    "lpr_parse",
    "main",
    "pjl_job_stream",
    "pjl_parse_job",
    "pjl_parse_status",
    "pjl_status_stream",
    "run_codecs",
]

CHUNK = 64 * 1024  # bytes per print-data event and per read
SMALL_JOB = 100_000  # a five-page job at 20,000 bytes per page
_JOB = (pjl.Command.of("JOB", NAME="bench"), pjl.Command.of("ENTER", LANGUAGE="PCL"))
_EOJ = pjl.Command.of("EOJ", NAME="bench")


def _payload_block(seed: int = 0) -> bytes:
    """64 KiB of deterministic print-data-like bytes holding no UEL, even when repeated."""
    block = random.Random(seed).randbytes(CHUNK)
    block = block.replace(b"\x1b%", b"\x1bE")  # no UEL can start anywhere...
    return block[:-1] + b"\n"  # ...not even across two blocks


def _reads(stream: bytes, size: int = CHUNK) -> Iterator[memoryview]:
    view = memoryview(stream)
    return (view[i : i + size] for i in range(0, len(stream), size))


# -- PJL job stream ------------------------------------------------------------------------
def pjl_job_stream(data: list[bytes]) -> list[bytes]:
    """Encode one PJL-wrapped job as the host does.

    Args:
        data: The print data, one ``PrintData`` event per item.

    Returns:
        The encoded pieces, in order (join them for the wire).
    """
    host = pjl.PJLConnection(pjl.Role.HOST)
    send = host.send
    out = [send(pjl.Uel()), *(send(cmd) for cmd in _JOB)]
    out += [send(pjl.PrintData(piece)) for piece in data]
    out += [send(pjl.Uel()), send(_EOJ), send(pjl.Uel())]
    return out


def pjl_parse_job(stream: bytes, read: int = CHUNK) -> tuple[list[object], list[bytes]]:
    """Parse a job stream as the device does, fed ``read`` bytes at a time, then a close.

    Args:
        stream: The host's bytes.
        read: Bytes per ``receive_data`` call.

    Returns:
        ``(events, data)``: every event but print data, and the print-data pieces in order.

    Raises:
        pjl.PJLError: The stream is not a valid job stream.
    """
    device = pjl.PJLConnection(pjl.Role.DEVICE)
    receive, next_event = device.receive_data, device.next_event
    need, print_data = pjl.NEED_DATA, pjl.PrintData
    events: list[object] = []
    data: list[bytes] = []
    for piece in [*_reads(stream, read), b""]:
        receive(piece)
        while (event := next_event()) is not need:
            if type(event) is print_data:
                data.append(event.data)
            else:
                events.append(event)
                if isinstance(event, pjl.EndOfStream):
                    break
    return events, data


# -- PJL status stream ---------------------------------------------------------------------
def _status_replies(count: int) -> Iterator[pjl.Reply]:
    """``count`` unsolicited USTATUS messages, as a printer mid-job sends them."""
    kinds = (
        lambda i: pjl.status_reply(10023, "Printing", True, category="USTATUS DEVICE"),
        lambda i: pjl.job_status_reply("START", f"job{i}"),
        lambda i: pjl.Reply("USTATUS PAGE", (str(i),)),
        lambda i: pjl.job_status_reply("END", f"job{i}", pages=i % 50 + 1),
        lambda i: pjl.status_reply(10001, "Ready", True, category="USTATUS TIMED"),
    )
    return (kinds[i % len(kinds)](i) for i in range(count))


def pjl_status_stream(replies: list[pjl.Reply]) -> list[bytes]:
    """Encode status messages as the device does.

    Args:
        replies: The messages.

    Returns:
        One encoded piece per message.
    """
    send = pjl.PJLConnection(pjl.Role.DEVICE).send
    return [send(reply) for reply in replies]


def pjl_parse_status(stream: bytes, read: int = CHUNK) -> list[object]:
    """Parse a status stream as the host does, fed ``read`` bytes at a time, then a close.

    Args:
        stream: The device's bytes.
        read: Bytes per ``receive_data`` call.

    Returns:
        The replies, then ``EndOfStream``.

    Raises:
        pjl.PJLError: The stream is not a valid status stream.
    """
    host = pjl.PJLConnection(pjl.Role.HOST)
    receive, next_event, need = host.receive_data, host.next_event, pjl.NEED_DATA
    events: list[object] = []
    for piece in [*_reads(stream, read), b""]:
        receive(piece)
        while (event := next_event()) is not need:
            events.append(event)
            if isinstance(event, pjl.EndOfStream):
                break
    return events


# -- LPR -----------------------------------------------------------------------------------
_CONTROL = lpr.build_control_file(
    lpr.ControlFile(
        host="bench",
        user="bench",
        job_name="bench",
        title="bench",
        prints=(("l", "dfA001bench"),),
        unlinks=("dfA001bench",),
    )
)


def lpr_job_stream(data: list[bytes]) -> list[bytes]:
    """Encode one receive-job conversation as the client does, fed the server's acks.

    Args:
        data: The data file, one ``FileData`` event per item.

    Returns:
        The encoded pieces, in order.

    Raises:
        lpr.LPRError: The codec refused the sequence.
    """
    client = lpr.LPRConnection(lpr.Role.CLIENT)
    send, receive, next_event = client.send, client.receive_data, client.next_event
    ok = lpr.Ack(ok=True)

    def acked(piece: bytes) -> bytes:
        receive(b"\0")
        if next_event() != ok:
            raise lpr.LPRError("the ack did not read back", remote=False)
        return piece

    size = sum(map(len, data))
    out = [acked(send(lpr.ReceiveJob("lp")))]
    out.append(acked(send(lpr.ControlFileHeader(len(_CONTROL), "cfA001bench"))))
    out += [send(lpr.FileData(_CONTROL)), acked(send(lpr.FileEnd()))]
    out.append(acked(send(lpr.DataFileHeader(size, "dfA001bench"))))
    out += [send(lpr.FileData(piece)) for piece in data]
    out.append(acked(send(lpr.FileEnd())))
    return out


def lpr_parse(stream: bytes, read: int = CHUNK) -> tuple[list[object], list[list[bytes]], bytes]:
    """Parse a receive-job conversation as the server does, acking what needs an ack.

    Args:
        stream: The client's bytes.
        read: Bytes per ``receive_data`` call (a close follows the last).

    Returns:
        ``(events, files, acks)``: every event but file data; each file's ``FileData``
        pieces, one list per file; and the server's bytes back (the acks).

    Raises:
        lpr.LPRError: The stream is not a valid conversation.
    """
    server = lpr.LPRConnection(lpr.Role.SERVER)
    receive, next_event, send = server.receive_data, server.next_event, server.send
    need, file_data, ok = lpr.NEED_DATA, lpr.FileData, lpr.Ack(ok=True)
    owes = (lpr.ReceiveJob, lpr.ControlFileHeader, lpr.DataFileHeader, lpr.FileEnd)
    events: list[object] = []
    files: list[list[bytes]] = []
    pieces: list[bytes] = []
    acks: list[bytes] = []
    for piece in [*_reads(stream, read), b""]:
        receive(piece)
        while (event := next_event()) is not need:
            if type(event) is file_data:
                pieces.append(event.data)
                continue
            events.append(event)
            if isinstance(event, lpr.FileEnd):
                files.append(pieces)
                pieces = []
            if isinstance(event, owes):
                acks.append(send(ok))
            elif isinstance(event, lpr.EndOfStream):
                break
    return events, files, b"".join(acks)


# -- timing --------------------------------------------------------------------------------
def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    gc.collect()
    gc.disable()  # as for every timed run here: see performance.md
    try:
        start = time.perf_counter()
        result = fn()
        return result, time.perf_counter() - start
    finally:
        gc.enable()


def _row(codec: str, direction: str, size: int, seconds: float) -> dict:
    rate = size / seconds / 1e6 if seconds > 0 else float("inf")
    return {"codec": codec, "direction": direction, "mb_per_s": rate, "bytes": size}


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise RuntimeError(f"codec round trip failed: {what}")


def run_codecs(mb: int = 64) -> list[dict]:
    """Time every codec row once.

    Args:
        mb: Megabytes (10^6 bytes, rounded up to whole 64 KiB events) of print data in the one
            large job of each protocol, and in its run of 100 KB jobs; the status stream is an
            eighth of that (its messages are small and slow).

    Returns:
        One ``{"codec", "direction", "mb_per_s", "bytes"}`` per row; ``bytes`` is the size of
        the stream timed (all of its jobs, for the small-job rows).

    Raises:
        RuntimeError: The receiving end did not get exactly what the sending end sent.
    """
    mb = max(1, mb)
    block = _payload_block()
    large = [block] * -(-mb * 1_000_000 // CHUNK)
    small = [block, block[: SMALL_JOB - CHUNK]]
    jobs = max(1, mb * 1_000_000 // SMALL_JOB)
    uel = pjl.Uel()
    pjl_events = [uel, *_JOB, uel, _EOJ, uel, pjl.EndOfStream()]
    rows = []

    def time_pjl(label: str, data: list[bytes], count: int) -> None:
        streams, took = _timed(lambda: [b"".join(pjl_job_stream(data)) for _ in range(count)])
        size = sum(map(len, streams))
        rows.append(_row("PJL", f"host encodes {label}", size, took))
        parsed, took = _timed(lambda: [pjl_parse_job(stream) for stream in streams])
        rows.append(_row("PJL", f"device parses {label}", size, took))
        want = b"".join(data)
        for events, got in parsed:
            _check(b"".join(got) == want, "PJL print data")
            _check(events == pjl_events, f"PJL events {events}")

    def time_lpr(label: str, data: list[bytes], count: int) -> None:
        streams, took = _timed(lambda: [b"".join(lpr_job_stream(data)) for _ in range(count)])
        size = sum(map(len, streams))
        rows.append(_row("LPR", f"client encodes {label}", size, took))
        parsed, took = _timed(lambda: [lpr_parse(stream) for stream in streams])
        rows.append(_row("LPR", f"server parses {label}", size, took))
        want = [_CONTROL, b"".join(data)]
        for _events, files, acks in parsed:
            _check([b"".join(pieces) for pieces in files] == want, "LPR files")
            _check(acks == b"\0" * 5, f"LPR acks {acks!r}")

    time_pjl("one large job", large, 1)
    time_pjl(f"{SMALL_JOB // 1000} KB jobs", small, jobs)

    sample = len(b"".join(pjl_status_stream(list(_status_replies(5)))))
    replies = list(_status_replies(5 * max(1, mb * 1_000_000 // 8 // sample)))
    stream, took = _timed(lambda: b"".join(pjl_status_stream(replies)))
    rows.append(_row("PJL", "device encodes USTATUS", len(stream), took))
    events, took = _timed(lambda: pjl_parse_status(stream))
    rows.append(_row("PJL", "host parses USTATUS", len(stream), took))
    _check(events[:-1] == replies and isinstance(events[-1], pjl.EndOfStream), "PJL status")

    time_lpr("one large job", large, 1)
    time_lpr(f"{SMALL_JOB // 1000} KB jobs", small, jobs)
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print each row's throughput, the median of ``--repeat`` runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs = [run_codecs(args.mb) for _ in range(args.repeat)]
    print(f"codecs: {args.mb} MB job streams, median of {args.repeat} runs")
    for i, row in enumerate(runs[0]):
        rate = statistics.median(run[i]["mb_per_s"] for run in runs)
        size = row["bytes"] / 1e6
        print(f"  {row['codec']:4s} {row['direction']:30s} {rate:9.1f} MB/s  ({size:.1f} MB)")


if __name__ == "__main__":
    main()
