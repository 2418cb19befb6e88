"""What every front end's fuzzer shares: its figures, client sockets, and the worker pool.

Figures: ``inputs`` tried; ``connections`` opened; ``crashes``: for a codec, an exception other
than the codec's own error (or a broken invariant); for a server, the process died, a connection
task died (the server closed a connection the protocol and the fuzzer's local oracle say must stay
open), or the server stopped answering (no answer, and no close, within :data:`ANSWER_TIMEOUT`);
``internal``: the server answered but reported an internal error (HTTP 500, a traceback on its
stderr); ``refused``: inputs the server turned away with the protocol's own error, which is the
expected outcome for hostile input and is counted only to show the inputs reached the checks.

Client sockets bind a source address of their own in 127.0.0.0/8 (:func:`source`), one per
worker: the servers count connections per peer address, and this way a campaign's concurrency
never trips the per-peer cap it is not testing, and ephemeral ports do not run out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable

import attrs
import trio

ANSWER_TIMEOUT = 15.0
"""Real seconds a fuzzer waits for an answer (or a close) before it calls the server stuck."""
MAX_EXAMPLES = 5
"""Crashes and internal errors whose inputs are kept (as reproducible descriptions)."""
EXAMPLE_CHARS = 400
"""Characters of each kept description."""


def split(rng: random.Random, data: bytes, cuts: int = 3) -> list[bytes]:
    """``data`` cut at up to ``cuts`` random places: its non-empty pieces, in order (a codec
    must see the same events however its input arrives)."""
    at = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, cuts)))
    return [data[a:b] for a, b in zip([0, *at], [*at, len(data)], strict=True) if b > a]


@attrs.define
class Figures:
    """One front end's results, for one part: ``codec`` (in process) or ``socket``."""

    front_end: str
    part: str
    inputs: int = 0
    connections: int = 0
    crashes: int = 0
    internal: int = 0
    refused: int = 0
    peak_rss_kb: int | None = None
    rss_before_kb: int | None = None
    rss_after_kb: int | None = None
    wall: float = 0.0
    examples: list[str] = attrs.Factory(list)

    def crash(self, what: str) -> None:
        self.crashes += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"crash: {what}"[:EXAMPLE_CHARS])

    def internal_error(self, what: str) -> None:
        self.internal += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(f"internal: {what}"[:EXAMPLE_CHARS])

    @property
    def rate(self) -> float:
        return self.inputs / self.wall if self.wall > 0 else 0.0


def source(worker: int) -> str:
    """The loopback address worker ``worker`` connects from (127.0.0.20, .21, ...)."""
    return f"127.0.{(20 + worker) // 250}.{(20 + worker) % 250 + 1}"


async def connect(port: int, worker: int, host: str = "127.0.0.1") -> trio.SocketStream:
    """A TCP connection to ``host:port`` from worker ``worker``'s own source address."""
    return await trio.open_tcp_stream(host, port, local_address=source(worker))


async def receive(stream: trio.abc.Stream, timeout: float = ANSWER_TIMEOUT) -> bytes | None:
    """The next octets (``b""`` at the close, or after a reset), None after ``timeout``."""
    with trio.move_on_after(timeout):
        try:
            return await stream.receive_some(65536)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return b""
    return None


async def send(stream: trio.abc.Stream, data: bytes) -> bool:
    """Send ``data``; False if the server had already closed or reset the connection."""
    try:
        with trio.fail_after(ANSWER_TIMEOUT):
            await stream.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return False
    return True


async def until_closed(stream: trio.abc.Stream, timeout: float = ANSWER_TIMEOUT) -> bytes | None:
    """Everything the server sends until it closes; None if it neither closes nor stops."""
    got = bytearray()
    with trio.move_on_after(timeout):
        while True:
            try:
                chunk = await stream.receive_some(65536)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return bytes(got)
            if not chunk:
                return bytes(got)
            got += chunk
    return None


class Budget:
    """Hands out input numbers to workers until ``total`` are taken."""

    def __init__(self, total: int) -> None:
        self.total, self.taken = total, 0

    def take(self, n: int = 1) -> int:
        """Up to ``n`` more inputs (0 when the budget is spent)."""
        n = max(0, min(n, self.total - self.taken))
        self.taken += n
        return n


async def run_workers(
    workers: int, work: Callable[[int], Awaitable[None]], figures: Figures
) -> float:
    """Run ``work(w)`` for w in range(workers) concurrently; the wall time it took. A worker
    that cannot reach the server any more (the process died, or refuses connections) records a
    crash and stops."""

    async def guarded(w: int) -> None:
        try:
            await work(w)
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            figures.crash(f"worker {w}: the server cannot be reached: {exc!r}")

    started = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for w in range(workers):
            nursery.start_soon(guarded, w)
    return time.perf_counter() - started
