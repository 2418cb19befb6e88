"""A virtual printer on real TCP: AppSocket/PJL (9100) and LPD (515) servers.

``serve_raw9100`` and ``serve_lpd`` bind first and then report the port they got through
``task_status.started(port)``, so tests can ask for port 0. Each connection runs in its own task;
whatever goes wrong in one is written to ``printer.errors`` and the server carries on.
``open_virtual_printer`` runs a printer's timer task and both servers for as long as its block
lasts.

Timeouts are in the run's clock: under ``MockClock(rate=R)`` a timeout of T seconds lasts T / R
real seconds, so callers that want T real seconds pass ``idle_timeout=T * R``.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import attrs
import trio

from devices.lpd import handle_lpd
from devices.printer import IDLE_TIMEOUT, VirtualPrinter

Handler = Callable[[trio.abc.Stream], Awaitable[None]]


async def _serve(
    printer: VirtualPrinter,
    what: str,
    handler: Handler,
    host: str,
    port: int,
    task_status: trio.TaskStatus[int],
) -> None:
    async def guarded(stream: trio.abc.Stream) -> None:
        try:
            await handler(stream)
        except Exception as exc:  # one connection's trouble never stops the server
            printer.errors.append(f"{what} connection failed: {exc!r}")

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, guarded, port, host=host))
        task_status.started(listeners[0].socket.getsockname()[1])


async def serve_raw9100(
    printer: VirtualPrinter,
    *,
    host: str = "127.0.0.1",
    port: int = 9100,
    idle_timeout: float = IDLE_TIMEOUT,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve AppSocket/PJL connections for ``printer`` on ``host:port``, forever.

    Reports the bound port through ``task_status.started``; a host silent for ``idle_timeout``
    seconds is dropped.

    Raises:
        OSError: the address cannot be bound (in use, or a privileged port without the right).
    """
    handler = functools.partial(printer.handle_raw, idle_timeout=idle_timeout)
    await _serve(printer, "AppSocket", handler, host, port, task_status)


async def serve_lpd(
    printer: VirtualPrinter,
    *,
    host: str = "127.0.0.1",
    port: int = 515,
    idle_timeout: float = IDLE_TIMEOUT,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve LPD (RFC 1179) connections for ``printer`` on ``host:port``, forever.

    Reports the bound port through ``task_status.started``; ``idle_timeout`` limits every read
    and write of a connection.

    Raises:
        OSError: the address cannot be bound.
    """
    handler = functools.partial(handle_lpd, printer, idle_timeout=idle_timeout)
    await _serve(printer, "LPD", handler, host, port, task_status)


@attrs.frozen
class Addresses:
    """Where a running virtual printer listens."""

    host: str
    raw_port: int
    lpd_port: int


def _unwrap(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


@asynccontextmanager
async def open_virtual_printer(
    printer: VirtualPrinter,
    *,
    host: str = "127.0.0.1",
    raw_port: int = 9100,
    lpd_port: int = 515,
    idle_timeout: float = IDLE_TIMEOUT,
) -> AsyncIterator[Addresses]:
    """Run ``printer`` (its timer task and both servers) until the block ends.

    Yields:
        The bound addresses (ports 0 become the ports actually bound).

    Raises:
        OSError: a port cannot be bound. Exceptions come out unwrapped, not in a group.
    """
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(printer.run)
            serve = functools.partial(
                serve_raw9100, printer, host=host, port=raw_port, idle_timeout=idle_timeout
            )
            raw = await nursery.start(serve)
            serve = functools.partial(
                serve_lpd, printer, host=host, port=lpd_port, idle_timeout=idle_timeout
            )
            lpd = await nursery.start(serve)
            try:
                yield Addresses(host, raw, lpd)
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        raise _unwrap(group) from None
