"""Internet Printing in a scenario: clients connect from the printers' web pages, then print
over IPP.

A client group with ``web_connect_within`` gives each of its clients a machine of the group's OS
and architecture, with its browser's ``zone`` for the servers and ``protected_mode``, and has it
press Connect on its printer's page (the printer ``fixed`` choice gives client ``n``) at a time
drawn uniformly from ``[0, web_connect_within)`` by the group's ``web`` stream. The flow
(:func:`spoolsim.rpc.webconnect.web_connect`) runs over the server's link, sharing it with Point
and Print. Once connected, each job of the client is an IPP Print-Job to the printer's URL: the
request is encoded, answered by the server's IPP service and decoded, in simulated time; a client
whose Connect failed or has not finished cannot print, and its job is rejected.

The report counts connections by driver source and package kind, failures by the message the
user saw (``Printer Installation Failed, Error Code = E0000102``), refusals by zone, the bytes the
packages took, and the jobs printed over IPP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import Win32
from spoolsim.model.security import Principal
from spoolsim.net.ippservice import Caller, IppService
from spoolsim.rpc.webconnect import WebConnectResult, web_connect
from spoolsim.runtime import LivingSpooler
from spoolsim.runtime.pointprint import LinkService
from spoolsim.scenario.build import stream
from spoolsim.scenario.pointprint import fixed_printer
from spoolsim.scenario.report import Spread
from spoolsim.scenario.schema import ClientGroup, Scenario
from spoolsim.wire import ipp

Who = tuple[str, int]  # (group name, client index)
FORMAT_OF = {"TEXT": "text/plain"}  # the group's datatype -> document-format (else octet-stream)


@attrs.frozen
class WebReport:
    connections: int
    failed: int
    refused: int
    sources: Mapping[str, int]  # inbox / cache / download -> count
    packages: Mapping[str, int]  # cab / inf -> packages downloaded
    failures: Mapping[str, int]  # the message the user saw -> count
    bytes: int
    duration: Spread
    ipp_jobs: int
    ipp_failed: int


class WebRun:
    """The clients of a running scenario that connect from the web pages and print over IPP."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        home: Mapping[str, LivingSpooler],
        principal: Callable[[ClientGroup, int], Principal],
        links: Mapping[str, LinkService],
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.home = home
        self.principal = principal
        self.links = links
        self.loop = next(iter(home.values())).loop
        self.results: list[WebConnectResult] = []
        self.in_flight = 0
        self.ipp_jobs = 0
        self.ipp_failed = 0
        self._machines: dict[Who, ClientMachine] = {}
        self._last: dict[Who, WebConnectResult] = {}
        self._services: dict[int, IppService] = {}
        self._request_id = 0

    def start(self) -> None:
        for group in self.scenario.clients:
            if group.web_connect_within is None:
                continue
            rng = stream(self.seed, group.name, "web")
            for n in range(group.count):
                when = rng.random() * group.web_connect_within
                self.loop.call_at(when, lambda now, g=group, i=n: self.connect(g, i, now), 2)

    def service(self, sp: LivingSpooler) -> IppService:
        """The server's IPP service (one per server, shared with its web site)."""
        service = self._services.get(id(sp))
        if service is None:
            service = self._services[id(sp)] = IppService(sp.server, sp.surface)
        return service

    def printer_of(self, group: ClientGroup, n: int) -> str:
        return fixed_printer(group, n, self.home)

    def machine(self, group: ClientGroup, name: str) -> ClientMachine:
        servers = {sp.server.name.lower() for sp in self.home.values()}
        return ClientMachine(
            name,
            os=group.os,
            architecture=group.architecture,
            inbox=frozenset(group.inbox),
            zones=dict.fromkeys(servers, group.zone),
            protected_mode=group.protected_mode,
        )

    def connect(
        self,
        group: ClientGroup,
        n: int,
        now: float,
        *,
        machine: ClientMachine | None = None,
        principal: Principal | None = None,
        printer: str | None = None,
        then: Callable[[WebConnectResult], None] | None = None,
    ) -> None:
        """Client ``n`` of ``group`` presses Connect (or ``machine``, for the web page's form)."""
        who = (group.name, n)
        if machine is None:
            machine = self._machines.get(who)
            if machine is None:
                machine = self._machines[who] = self.machine(
                    group, self.principal(group, n).machine
                )
        printer = printer or self.printer_of(group, n)
        sp = self.home.get(printer.lower())
        if sp is None or not sp.available:
            down = Win32.RPC_S_SERVER_UNAVAILABLE
            self._done(
                who,
                WebConnectResult(
                    down,
                    machine.name,
                    printer,
                    "",
                    "",
                    0,
                    "",
                    0,
                    now,
                    now,
                    "the server is down",
                    "The server is down",
                ),
            )
            return
        flow = web_connect(machine, sp.surface, principal or self.principal(group, n), printer, now)
        self.in_flight += 1

        def done(result: WebConnectResult) -> None:
            self.in_flight -= 1
            if then is None:
                self._done(who, result)
            else:
                then(result)

        self.links[sp.server.name.lower()].run(flow, now, done)

    def _done(self, who: Who, result: WebConnectResult) -> None:
        self.results.append(result)
        if result.ok or not self._last.get(who, result).ok:
            self._last[who] = result  # a later failure does not undo a working connection

    def print(self, group: ClientGroup, n: int, data: bytes, now: float) -> int:
        """One job of client ``n`` as an IPP Print-Job to its printer's URL; 0, or the failure
        (the Connect's status, ERROR_NOT_READY before it ends, or the IPP status code)."""
        connected = self._last.get((group.name, n))
        if connected is None or not connected.ok:
            return connected.status if connected is not None else Win32.ERROR_NOT_READY
        sp = self.home[self.printer_of(group, n).lower()]
        principal = self.principal(group, n)
        self._request_id += 1
        operation = (
            ipp.charset("attributes-charset", "utf-8"),
            ipp.language("attributes-natural-language", "en"),
            ipp.uri("printer-uri", connected.port),
            ipp.name("requesting-user-name", principal.user),
            ipp.name("job-name", f"{group.name} document"),
            ipp.mime("document-format", FORMAT_OF.get(group.datatype, "application/octet-stream")),
        )
        request = ipp.Message(
            (1, 1),
            ipp.Op.PRINT_JOB,
            self._request_id,
            (ipp.Group(ipp.Tag.OPERATION, operation),),
            data,
        )
        reply = ipp.decode(
            self.service(sp).handle(ipp.encode(request), Caller(principal, sp.server.name), now)
        )
        self.ipp_jobs += 1
        if reply.code >= 0x0400:
            self.ipp_failed += 1
            return reply.code
        return 0

    def report(self) -> WebReport:
        ok = [r for r in self.results if r.ok]
        sources: dict[str, int] = {}
        packages: dict[str, int] = {}
        failures: dict[str, int] = {}
        for r in ok:
            sources[r.driver_source] = sources.get(r.driver_source, 0) + 1
            if r.driver_source == "download":
                packages[r.package] = packages.get(r.package, 0) + 1
        for r in self.results:
            if not r.ok:
                failures[r.message] = failures.get(r.message, 0) + 1
        return WebReport(
            connections=len(ok),
            failed=len(self.results) - len(ok),
            refused=sum(1 for r in self.results if r.status == Win32.ERROR_ACCESS_DENIED),
            sources=dict(sorted(sources.items())),
            packages=dict(sorted(packages.items())),
            failures=dict(sorted(failures.items(), key=lambda kv: (-kv[1], kv[0]))),
            bytes=sum(r.bytes for r in self.results),
            duration=Spread.of([r.finished - r.started for r in ok]),
            ipp_jobs=self.ipp_jobs,
            ipp_failed=self.ipp_failed,
        )


def summary(w: WebReport) -> list[str]:
    """The summary's Internet Printing lines."""
    sources = ", ".join(f"{k} {n:,}" for k, n in w.sources.items()) or "none"
    packages = ", ".join(f"{k} {n:,}" for k, n in w.packages.items()) or "none"
    lines = [
        f"web printing: {w.connections:,} connections ({sources}; packages {packages}),"
        f" {w.failed:,} failed ({w.refused:,} refused by zone); {w.bytes / 1e6:,.1f} MB",
        f"  IPP: {w.ipp_jobs - w.ipp_failed:,} jobs accepted, {w.ipp_failed:,} refused",
    ]
    if w.duration.count:
        d = w.duration
        lines.append(f"  connection time (s): p50 {d.p50:,.2f}  p95 {d.p95:,.2f}  max {d.max:,.2f}")
    for message, count in w.failures.items():
        lines.append(f"  {message}: {count:,}")
    return lines
