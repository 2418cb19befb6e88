"""Point and Print in a scenario: clients connect to their printers, and reconnect after a
driver update, over each server's network link.

A client group with ``connect_within`` gives each of its clients a machine of the group's OS and
architecture, and has it connect (AddPrinterConnection) to its printer, the one ``fixed`` choice
would give client ``n`` (``printers[n % len(printers)]``), at a time drawn uniformly from
``[0, connect_within)`` by the group's ``connect`` stream. The timeline's ``update_driver``
installs a new version of a driver on every server that has it (changed files get the new
version, date and size) and makes every client connected to a printer with that driver reconnect
within ``reconnect_within``: the client sees a driver that differs from its cache and downloads
the files that changed. Each server's link (``[network]``) carries every file; every RPC call is
one round trip.

The report says how many connections succeeded or failed, how many bytes crossed, how long the
connections took, how full the busiest minute of a link was, and how long after the last update
every client could print again (``all_ready``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import Win32
from spoolsim.model.driverfiles import driver_directory
from spoolsim.model.files import FileRecord
from spoolsim.model.netlink import Link, LinkStats
from spoolsim.model.pointprint import PointAndPrintPolicy
from spoolsim.model.security import Principal
from spoolsim.rpc.pointprint import ConnectionResult, add_printer_connection
from spoolsim.runtime import LivingSpooler
from spoolsim.runtime.pointprint import LinkService
from spoolsim.scenario.build import stream
from spoolsim.scenario.report import Spread
from spoolsim.scenario.schema import Action, ClientGroup, Scenario

Who = tuple[str, int]  # (group name, client index)


@attrs.frozen
class PnpReport:
    connections: int
    failed: int
    denied: int
    failures: Mapping[int, int]  # status -> count
    sources: Mapping[str, int]  # inbox / cache / download -> count
    bytes: int
    files: int
    duration: Spread
    updates: tuple[float, ...]
    reconnecting: int  # clients the last update sent to reconnect
    # Seconds from the last update (or the start) until every client that had a working connection
    # (or made one) could print; None when some never could again, or nobody ever could.
    all_ready: float | None
    links: Mapping[str, LinkStats]

    @property
    def peak_link(self) -> float:
        return max((s.peak_use for s in self.links.values()), default=0.0)


def fixed_printer(group: ClientGroup, n: int, home: Mapping[str, LivingSpooler]) -> str:
    """The printer client ``n`` of ``group`` connects to: the one ``fixed`` choice gives it."""
    names = group.choice.printers or tuple(sorted(home, key=str.lower))
    return names[n % len(names)]


def server_links(
    scenario: Scenario, spoolers: Mapping[str, LivingSpooler]
) -> dict[str, LinkService]:
    """Each server's network link (``[network]``), by lower-case server name: Point and Print and
    web connections share it."""
    net = scenario.network
    loop = next(iter(spoolers.values())).loop
    link = {"bandwidth": net.bandwidth_mbps * 1e6 / 8, "latency": net.latency_ms / 1000}
    return {key: LinkService(Link(**link), loop) for key in spoolers}


class PnpRun:
    """The clients of a running scenario that connect by Point and Print."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        spoolers: Mapping[str, LivingSpooler],
        home: Mapping[str, LivingSpooler],
        principal: Callable[[ClientGroup, int], Principal],
        links: Mapping[str, LinkService],
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.home = home
        self.principal = principal
        self.links = links
        self.loop = next(iter(spoolers.values())).loop
        self._machines: dict[Who, ClientMachine] = {}
        self._groups = {g.name: g for g in scenario.clients}
        self.results: list[ConnectionResult] = []
        self.in_flight = 0
        self.updates: list[float] = []
        self._waiting: set[Who] = set()  # clients the last update sent to reconnect
        self._reconnecting = 0
        self._ready_at: float | None = None
        self._can_print: dict[Who, bool] = {}  # has a working connection

    @property
    def wanted(self) -> bool:
        return any(g.connect_within is not None for g in self.scenario.clients)

    def start(self) -> None:
        for group in self.scenario.clients:
            if group.connect_within is None:
                continue
            rng = stream(self.seed, group.name, "connect")
            for n in range(group.count):
                when = rng.random() * group.connect_within
                self.loop.call_at(when, lambda now, g=group, i=n: self.connect(g, i, now), 2)

    def printer_of(self, group: ClientGroup, n: int) -> str:
        return fixed_printer(group, n, self.home)

    def machine(self, group: ClientGroup, n: int) -> ClientMachine:
        who = (group.name, n)
        machine = self._machines.get(who)
        if machine is None:
            machine = self._machines[who] = ClientMachine(
                self.principal(group, n).machine,
                os=group.os,
                architecture=group.architecture,
                inbox=frozenset(group.inbox),
                policy=PointAndPrintPolicy(
                    group.restrict_driver_installation, group.trusted_servers
                ),
            )
        return machine

    def connect(self, group: ClientGroup, n: int, now: float) -> None:
        printer = self.printer_of(group, n)
        sp = self.home.get(printer.lower())
        if sp is None or not sp.available:
            self._done(
                (group.name, n),
                ConnectionResult(
                    Win32.RPC_S_SERVER_UNAVAILABLE, "", printer, "", 0, 0, 0, now, now
                ),
            )
            return
        name = sp.server.printers[printer.lower()].name
        flow = add_printer_connection(
            self.machine(group, n),
            sp.surface,
            self.principal(group, n),
            f"\\\\{sp.server.name}\\{name}",
            now,
        )
        self.in_flight += 1

        def done(result: ConnectionResult) -> None:
            self.in_flight -= 1
            self._done((group.name, n), result)

        self.links[sp.server.name.lower()].run(flow, now, done)

    def _done(self, who: Who, result: ConnectionResult) -> None:
        self.results.append(result)
        self._can_print[who] = result.ok or self._can_print.get(who, False)
        if who in self._waiting and result.ok:
            self._waiting.discard(who)
            if not self._waiting:
                self._ready_at = result.finished

    def update_driver(self, action: Action, now: float) -> None:
        """Install the new version everywhere the driver is, then send its users to reconnect."""
        name = action.target or ""
        params = action.params
        users = {
            key
            for key, sp in self.home.items()
            if sp.server.printers[key].driver_name.lower() == name.lower()
        }
        for server in {id(sp.server): sp.server for sp in self.home.values()}.values():
            for driver in server.drivers.named(name):
                directory = driver_directory(driver.environment, driver.version)
                for file, size in params["files"].items():
                    record = FileRecord(size=size, version=params["version"], date=params["date"])
                    server.files.put(f"{directory}\\{file}", record)
                server.drivers.add(
                    attrs.evolve(
                        driver, driver_version=params["version"], driver_date=params["date"]
                    )
                )
                server.log.add(
                    now,
                    "driver.updated",
                    driver.name,
                    environment=driver.environment,
                    files=len(params["files"]),
                )
        self.updates.append(now)
        self._waiting = set()
        self._ready_at = None
        rng = stream(self.seed, name, "reconnect", str(len(self.updates)))
        within = float(params.get("reconnect_within") or 0.0)
        for who, machine in sorted(self._machines.items()):
            group = self._groups[who[0]]
            if self.printer_of(group, who[1]).lower() not in users or not machine.connections:
                continue
            self._waiting.add(who)
            when = now + rng.random() * within
            self.loop.call_at(when, lambda t, g=group, i=who[1]: self.connect(g, i, t), 2)
        self._reconnecting = len(self._waiting)

    def report(self) -> PnpReport:
        ok = [r for r in self.results if r.ok]
        failures: dict[int, int] = {}
        for r in self.results:
            if not r.ok:
                failures[r.status] = failures.get(r.status, 0) + 1
        sources: dict[str, int] = {}
        for r in ok:
            sources[r.driver_source] = sources.get(r.driver_source, 0) + 1
        all_ready = None
        if not any(self._can_print.values()):
            pass  # nobody can print: never ready
        elif self.updates and not self._waiting:
            all_ready = (self._ready_at or self.updates[-1]) - self.updates[-1]
        elif not self.updates:
            all_ready = max(r.finished for r in ok)
        return PnpReport(
            connections=len(ok),
            failed=len(self.results) - len(ok),
            denied=failures.get(Win32.ERROR_ACCESS_DENIED, 0),
            failures=dict(sorted(failures.items())),
            sources=dict(sorted(sources.items())),
            bytes=sum(r.bytes for r in self.results),
            files=sum(r.driver_files + r.queue_files for r in self.results),
            duration=Spread.of([r.finished - r.started for r in ok]),
            updates=tuple(self.updates),
            reconnecting=self._reconnecting,
            all_ready=all_ready,
            links={k: s.link.statistics() for k, s in sorted(self.links.items())},
        )


def summary(p: PnpReport) -> list[str]:
    """The summary's Point and Print lines."""
    ready = f"{p.all_ready:,.1f} s" if p.all_ready is not None else "not all clients"
    since = "the last driver update" if p.updates else "the start"
    sources = ", ".join(f"{k} {n:,}" for k, n in p.sources.items()) or "none"
    lines = [
        f"point and print: {p.connections:,} connections ({sources}), {p.failed:,} failed"
        f" ({p.denied:,} access denied); {p.bytes / 1e6:,.1f} MB in {p.files:,} files",
        f"  every client could print {ready} after {since}"
        + (f" ({p.reconnecting:,} reconnected)" if p.updates else ""),
    ]
    if p.duration.count:
        d = p.duration
        lines.append(f"  connection time (s): p50 {d.p50:,.2f}  p95 {d.p95:,.2f}  max {d.max:,.2f}")
    for name, s in p.links.items():
        if s.transfers:
            lines.append(
                f"  link {name}: {s.bytes / 1e6:,.1f} MB, busy {s.busy_seconds:,.0f} s, busiest"
                f" minute {s.peak_use:.0%} from {s.peak_window_start:,.0f} s,"
                f" up to {s.peak_active:,} downloads at once"
            )
    for status, count in p.failures.items():
        lines.append(f"  failed with {status}: {count:,}")
    return lines
