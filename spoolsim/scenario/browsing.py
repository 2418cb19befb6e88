"""Print browsing in a scenario: the hosts of the machine group, and clients that browse.

When a scenario has a ``[browsing]`` table every server is a host of one machine group; each boots
at its ``boot`` time, and ``server_down`` / ``server_up`` take the whole host down (a crash, or a
clean stop with ``clean = true``) and back. A client group with ``browse_every`` sends one of its
clients to browse at that period (the group's own ``browse`` stream chooses which), and a
``browse`` action sends one at once. Browsing is what a real client does: ask the master for
PRINTER_ENUM_NETWORK at level 1, first with an empty buffer and then with the size it was told.
The event ``client.browse`` records what the client saw (``names``); with ``open_seen`` it then
opens one of them, which fails with RPC_S_SERVER_UNAVAILABLE (1722) when that printer's server
is down, as a call to a dead host does.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from spoolsim.model.browsedomain import BrowseDomain, Host
from spoolsim.model.constants import Access, PrinterEnum, Win32
from spoolsim.model.printbrowse import host_of
from spoolsim.model.security import Principal, user
from spoolsim.rpc import Client
from spoolsim.runtime import LivingSpooler
from spoolsim.runtime.browsing import BrowseService
from spoolsim.scenario.build import stream
from spoolsim.scenario.schema import ClientGroup, Scenario
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack


class BrowseRun:
    """The machine group of a running scenario."""

    def __init__(self, scenario: Scenario, seed: int, spoolers: Mapping[str, LivingSpooler]):
        assert scenario.browsing is not None
        self.scenario = scenario
        self.seed = seed
        self.spoolers = dict(spoolers)
        sp0 = next(iter(spoolers.values()))
        self.loop = sp0.loop
        self.domain = BrowseDomain(
            group=scenario.browsing.group, seed=seed, first_round=scenario.browsing.first_round
        )
        for spec in scenario.servers:
            self.domain.add_host(
                spoolers[spec.name.lower()].server,
                os_server=spec.os == "server",
                pdc=spec.pdc,
                maintain_server_list=spec.maintain_server_list,
                preferred=spec.preferred_master,
            )
        surfaces = {key: sp.surface for key, sp in spoolers.items()}
        self.service = BrowseService(self.domain, self.loop, surfaces)
        self._rngs: dict[str, random.Random] = {}

    def start(self, until: float) -> None:
        """Boot every host at its time; start the groups that browse on a schedule."""
        for spec in self.scenario.servers:
            host = self.domain.host(spec.name)
            self.loop.call_at(spec.boot, lambda now, h=host: self.service.start(h, now))
        for group in self.scenario.clients:
            if group.browse_every is not None:
                self._every(group, group.browse_every, group.browse_every, until)

    def _every(self, group: ClientGroup, when: float, period: float, until: float) -> None:
        if when > until:
            return

        def tick(now: float) -> None:
            self.browse(group, now)
            self._every(group, now + period, period, until)

        self.loop.call_at(when, tick, priority=2)

    def host_down(self, name: str, now: float, *, clean: bool) -> None:
        self.service.stop(self.domain.host(name), now, clean=clean)

    def host_up(self, name: str, now: float) -> None:
        self.service.start(self.domain.host(name), now)

    def close(self) -> None:
        self.service.close()

    # -- clients -----------------------------------------------------------------------------------

    def browse(self, group: ClientGroup, now: float) -> None:
        """One client of ``group`` browses the master; the log records what it saw."""
        rng = self._rngs.setdefault(group.name, stream(self.seed, group.name, "browse"))
        n = rng.randrange(group.count)
        client_name = f"{group.name}{n + 1:05d}"
        status, master = self.domain.browse_master(now)
        self.service.wake()
        log = (master or self._first_host()).server.log
        if master is None:
            log.add(now, "client.browse", client_name, group=group.name, status=status, seen=0)
            return
        names: list[str] = []
        status = self._enum(master, client_name, names)
        log.add(
            now,
            "client.browse",
            client_name,
            group=group.name,
            master=master.name,
            status=status,
            seen=len(names),
            names=names,
        )
        if group.open_seen and names and not status:
            self._open(names[rng.randrange(len(names))], client_name, group, now)

    def _enum(self, master: Host, client_name: str, names: list[str]) -> int:
        client = Client(self.spoolers[master.key].surface, _user(client_name))
        target = f"\\\\{master.name}"
        first = client.RpcAsyncEnumPrinters(PrinterEnum.NETWORK, target, 1, 0)
        if first.status not in (0, Win32.ERROR_INSUFFICIENT_BUFFER):
            return first.status
        reply = client.RpcAsyncEnumPrinters(PrinterEnum.NETWORK, target, 1, first.pcbNeeded)
        if reply.status:
            return reply.status
        records = unpack(LAYOUTS[("PRINTER_INFO", 1)], reply.pPrinterEnum, reply.pcReturned)
        names.extend(str(rec["pName"]) for rec in records)
        return 0

    def _open(self, unc: str, client_name: str, group: ClientGroup, now: float) -> None:
        """The client opens a printer it saw, on the printer's own server."""
        host_name = host_of(unc) or ""
        host = self.domain.hosts.get(host_name.lower())
        sp = self.spoolers.get(host_name.lower())
        log = (host or self._first_host()).server.log
        if host is None or sp is None or not host.up or not sp.available:
            status = int(Win32.RPC_S_SERVER_UNAVAILABLE)
        else:
            client = Client(sp.surface, _user(client_name))
            opened = client.RpcAsyncOpenPrinter(unc, None, None, Access.PRINTER_ACCESS_USE)
            status = opened.status
            if not status:
                client.RpcAsyncClosePrinter(opened.pHandle)
        log.add(now, "client.open", unc, client=client_name, group=group.name, status=status)

    def _first_host(self) -> Host:
        return next(iter(self.domain.hosts.values()))


def _user(client_name: str) -> Principal:
    return user(client_name, machine=f"{client_name}-PC")
