"""``open_spooler``: the living spooler's lifetime."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import trio

from spoolsim.model.security import Principal
from spoolsim.model.server import PrintServer
from spoolsim.rpc import Client, Surface
from spoolsim.runtime.links import DirectLink, LocalLink
from spoolsim.runtime.loop import DeadlineLoop
from spoolsim.runtime.network import Network, VirtualNetwork
from spoolsim.runtime.spooler import Link, RuntimeConfig, Spooler
from spoolsim.runtime.wire import WireLink


class LivingSpooler(Spooler):
    """A :class:`Spooler` with its method surface and network, as ``open_spooler`` yields it."""

    surface: Surface
    network: Network

    def client(self, principal: Principal) -> Client:
        """An in-process MS-PAR client calling as ``principal`` at the current simulated time."""
        return Client(self.surface, principal)


@asynccontextmanager
async def open_spooler(
    server: PrintServer | None = None,
    *,
    network: Network | None = None,
    config: RuntimeConfig | None = None,
    output_dir: pathlib.Path | None = None,
) -> AsyncIterator[LivingSpooler]:
    """Run a print server: jobs queued through its method surface print on its ports.

    Args:
        server: the model (a fresh :class:`PrintServer` by default).
        network: where Standard TCP/IP ports find devices (a fresh :class:`VirtualNetwork`).
        config: transport (``wire`` or ``direct``), rendering costs, timeouts, retry back-off.
        output_dir: where Local Port files go; None keeps them unwritten (counted only).

    The spooler stops (its tasks cancelled, devices' timers too) when the block exits.
    """
    servers = [server if server is not None else PrintServer()]
    async with open_estate(servers, network=network, config=config, output_dir=output_dir) as sps:
        yield sps[0]


@asynccontextmanager
async def open_estate(
    servers: Sequence[PrintServer],
    *,
    network: Network | None = None,
    config: RuntimeConfig | None = None,
    output_dir: pathlib.Path | None = None,
) -> AsyncIterator[list[LivingSpooler]]:
    """Run several print servers on one deadline loop and one network (see ``open_spooler``).

    Yields one :class:`LivingSpooler` per server, in order. They share the loop (so simultaneous
    events on different servers resolve in one deterministic order) and the devices.
    """
    network = network if network is not None else VirtualNetwork()
    config = config if config is not None else RuntimeConfig()
    loop = DeadlineLoop(barrier=config.barrier)
    spoolers: list[LivingSpooler] = []
    try:
        async with trio.open_nursery() as nursery:
            direct = config.transport == "direct"
            tcp: Link
            if not direct:
                tcp = WireLink(network, nursery, config)
            elif isinstance(network, VirtualNetwork):
                tcp = DirectLink(network, config.connect_timeout, coarse=not config.page_events)
            else:
                raise ValueError("the direct path needs a VirtualNetwork: real devices speak bytes")
            if isinstance(network, VirtualNetwork):
                network.attach(nursery, loop if direct else None)
            local = LocalLink(output_dir)
            for server in servers:
                spooler = LivingSpooler(
                    server, loop, lambda port: tcp if port.tcp is not None else local, config
                )
                spooler.surface = Surface(server, clock=trio.current_time)
                spooler.network = network
                spoolers.append(spooler)
            await nursery.start(loop.run)
            try:
                yield spoolers
            finally:
                for spooler in spoolers:
                    spooler.server.log.listeners.remove(spooler._on_event)
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise
