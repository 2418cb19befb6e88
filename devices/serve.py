"""A virtual printer on real TCP: AppSocket/PJL (9100) and LPD (515) servers.

``serve_raw9100`` and ``serve_lpd`` bind first and then report the port they got through
``task_status.started(port)``, so tests can ask for port 0. Each connection runs in its own task;
whatever goes wrong in one is written to ``printer.errors`` and the server carries on.
``open_virtual_printer`` runs a printer's timer task and both servers for as long as its block
lasts.

Limits are ``devices.printer.DeviceLimits``; each server also caps the connections one peer
address holds open at once (``max_peer_connections``): one more is closed as soon as it is
accepted, and logged. Timeouts are in the run's clock: under ``MockClock(rate=R)`` a timeout of T
seconds lasts T / R real seconds, so callers that want real seconds pass
``limits=DeviceLimits().scaled(R)`` (or ``idle_timeout=T * R``).
"""

from __future__ import annotations

import collections
import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import attrs
import trio

from devices.lpd import handle_lpd
from devices.printer import DeviceLimits, VirtualPrinter

Handler = Callable[[trio.abc.Stream], Awaitable[None]]


def _limits(limits: DeviceLimits | None, idle_timeout: float | None) -> DeviceLimits:
    limits = limits if limits is not None else DeviceLimits()
    return limits if idle_timeout is None else attrs.evolve(limits, idle_timeout=idle_timeout)


def _peer(stream: trio.abc.Stream) -> str:
    try:
        return str(stream.socket.getpeername()[0])  # type: ignore[attr-defined]
    except (AttributeError, OSError, IndexError):
        return "unknown"


async def _serve(
    printer: VirtualPrinter,
    what: str,
    handler: Handler,
    host: str,
    port: int,
    limits: DeviceLimits,
    task_status: trio.TaskStatus[int],
) -> None:
    open_from: collections.Counter[str] = collections.Counter()  # connections open, by peer

    async def guarded(stream: trio.abc.Stream) -> None:
        peer = _peer(stream)
        if open_from[peer] >= limits.max_peer_connections:
            printer.errors.append(
                f"{what} connection from {peer} refused: it has"
                f" {limits.max_peer_connections} open already"
            )
            await trio.aclose_forcefully(stream)
            return
        open_from[peer] += 1
        try:
            await handler(stream)
        except Exception as exc:  # one connection's trouble never stops the server
            printer.errors.append(f"{what} connection failed: {exc!r}")
        finally:
            open_from[peer] -= 1
            if not open_from[peer]:
                del open_from[peer]

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(functools.partial(trio.serve_tcp, guarded, port, host=host))
        task_status.started(listeners[0].socket.getsockname()[1])


async def serve_raw9100(
    printer: VirtualPrinter,
    *,
    host: str = "127.0.0.1",
    port: int = 9100,
    idle_timeout: float | None = None,
    limits: DeviceLimits | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve AppSocket/PJL connections for ``printer`` on ``host:port``, forever.

    Reports the bound port through ``task_status.started``; ``limits`` bound every connection
    (a host silent for their idle timeout is dropped; ``idle_timeout`` overrides theirs).

    Raises:
        OSError: the address cannot be bound (in use, or a privileged port without the right).
    """
    limits = _limits(limits, idle_timeout)
    handler = functools.partial(printer.handle_raw, limits=limits)
    await _serve(printer, "AppSocket", handler, host, port, limits, task_status)


async def serve_lpd(
    printer: VirtualPrinter,
    *,
    host: str = "127.0.0.1",
    port: int = 515,
    idle_timeout: float | None = None,
    limits: DeviceLimits | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve LPD (RFC 1179) connections for ``printer`` on ``host:port``, forever.

    Reports the bound port through ``task_status.started``; ``limits`` bound every connection
    (the idle timeout limits every read and write; ``idle_timeout`` overrides it).

    Raises:
        OSError: the address cannot be bound.
    """
    limits = _limits(limits, idle_timeout)
    handler = functools.partial(handle_lpd, printer, limits=limits)
    await _serve(printer, "LPD", handler, host, port, limits, task_status)


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
    idle_timeout: float | None = None,
    limits: DeviceLimits | None = None,
) -> AsyncIterator[Addresses]:
    """Run ``printer`` (its timer task and both servers, under ``limits``) until the block ends.

    Yields:
        The bound addresses (ports 0 become the ports actually bound).

    Raises:
        OSError: a port cannot be bound. Exceptions come out unwrapped, not in a group.
    """
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(printer.run)
            limits = _limits(limits, idle_timeout)
            serve = functools.partial(
                serve_raw9100, printer, host=host, port=raw_port, limits=limits
            )
            raw = await nursery.start(serve)
            serve = functools.partial(serve_lpd, printer, host=host, port=lpd_port, limits=limits)
            lpd = await nursery.start(serve)
            try:
                yield Addresses(host, raw, lpd)
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        raise _unwrap(group) from None
