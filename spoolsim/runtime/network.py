"""Where port monitors find devices: an in-memory network of virtual printers, or real TCP.

:class:`VirtualNetwork` holds :class:`devices.printer.VirtualPrinter` objects by host name. In
the wire path ``connect`` hands the monitor one end of an in-memory stream and runs the printer's
connection handler on the other (9100: AppSocket/PJL, 515: LPD); in the direct path the monitor
asks for the printer itself (:meth:`VirtualNetwork.direct_device`). A host that is down answers
nothing: a connection attempt hangs until the monitor's own timeout, as a lost SYN does.
:class:`TcpNetwork` reaches real addresses (a ``python -m devices serve`` printer, real hardware).
"""

from __future__ import annotations

import functools
from typing import Protocol

import trio
import trio.testing

from devices.faults import Fault
from devices.lpd import handle_lpd
from devices.printer import VirtualPrinter
from devices.profile import DeviceProfile
from spoolsim.runtime.links import DirectDevice
from spoolsim.runtime.loop import DeadlineLoop

RAW_PORT, LPD_PORT = 9100, 515


class Network(Protocol):
    async def connect(self, host: str, port: int) -> trio.abc.Stream: ...


class TcpNetwork:
    """Real TCP: the wire path only."""

    async def connect(self, host: str, port: int) -> trio.abc.Stream:
        return await trio.open_tcp_stream(host, port)


class VirtualNetwork:
    """Virtual printers by host name, reached over in-memory streams or directly."""

    def __init__(self) -> None:
        self._printers: dict[str, VirtualPrinter] = {}
        self._down: set[str] = set()
        self._direct: dict[str, DirectDevice] = {}
        self._nursery: trio.Nursery | None = None
        self._loop: DeadlineLoop | None = None

    def add_printer(
        self,
        host: str,
        profile: DeviceProfile,
        *,
        seed: int = 0,
        faults: tuple[Fault, ...] = (),
    ) -> VirtualPrinter:
        key = host.lower()
        if key in self._printers:
            raise ValueError(f"host {host!r} is already on the network")
        printer = VirtualPrinter(profile, seed=seed, faults=faults, name=host)
        self._printers[key] = printer
        if self._nursery is not None and self._loop is None:
            self._nursery.start_soon(printer.run)
        return printer

    def printer(self, host: str) -> VirtualPrinter:
        return self._printers[host.lower()]

    def __contains__(self, host: str) -> bool:
        return host.lower() in self._printers

    def set_reachable(self, host: str, reachable: bool) -> None:
        """Take a host off the network (it answers nothing) or bring it back."""
        if reachable:
            self._down.discard(host.lower())
        else:
            self._down.add(host.lower())

    def attach(self, nursery: trio.Nursery, loop: DeadlineLoop | None) -> None:
        """Called by ``open_spooler``: ``loop`` for the direct path, None for the wire path
        (whose printers then run their own timer tasks in ``nursery``)."""
        self._nursery, self._loop = nursery, loop
        if loop is None:
            for printer in self._printers.values():
                nursery.start_soon(printer.run)

    def _reachable(self, host: str) -> VirtualPrinter | None:
        key = host.lower()
        return None if key in self._down else self._printers.get(key)

    def direct_device(self, host: str, port: int) -> DirectDevice | None:
        printer = self._reachable(host)
        if printer is None or port not in (RAW_PORT, LPD_PORT) or self._loop is None:
            return None
        key = host.lower()
        if key not in self._direct:
            self._direct[key] = DirectDevice(printer, self._loop)
        return self._direct[key]

    async def connect(self, host: str, port: int) -> trio.abc.Stream:
        printer = self._reachable(host)
        if printer is None:
            await trio.sleep_forever()  # nobody answers; the caller's timeout ends this
        assert printer is not None and self._nursery is not None
        if port == RAW_PORT:
            handler = printer.handle_raw
        elif port == LPD_PORT:
            handler = functools.partial(handle_lpd, printer)
        else:
            raise ConnectionRefusedError(f"{host}:{port} refused the connection")
        ours, theirs = trio.testing.memory_stream_pair()
        self._nursery.start_soon(handler, theirs)
        return ours
