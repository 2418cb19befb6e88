"""Run a scenario: build the estate it describes, drive it with clients and a timeline, measure.

Theory of operation
-------------------
Everything that happens is a callback on the living spooler's deadline loop (``runtime/loop.py``):
client arrivals, scripted actions, progress reports and samples. No task per client or per job
exists, so on the direct path nothing but the loop touches the model and the loop may move a
stopped MockClock itself; the wire path keeps its barrier (its monitors are tasks).

* **Arrivals.** Each client group is one stream: Poisson at ``count / mean_interval`` jobs per
  second, thinned by the hour-of-day multiplier for a ``curve`` (Lewis-Shedler thinning against
  the largest multiplier), plus bursts spread uniformly over their window. Each arrival picks a
  client of the group, a printer, a page count, and prints through the method surface
  (OpenPrinter, StartDocPrinter, WritePrinter, EndDocPrinter, ClosePrinter) as that user.
  Arrivals stop at ``duration``; the run then lets the queues drain for at most ``drain``.
* **Random streams** are seeded by name (``seed:group``, ``seed:group:burst2``,
  ``seed:device:host``), so adding a group or a device does not change another's draws.
* **Timeline.** Actions run at their time, logged as ``scenario.action``. A scripted ``jam``
  is handed to the device as a timed fault when the estate is built (the engine then stops at
  exactly that instant, idle or not); ``fix`` is the operator's action at the panel.
* **Server down.** ``server_down`` ends the server's spooler process (a crash, or with ``clean``
  an orderly stop): its handles and notification subscriptions die (``Surface.restart``), its
  port monitors let go, and only its spool directory survives (``model/spooldir.py``).
  Submissions to it are refused (``client.rejected`` with RPC_S_SERVER_UNAVAILABLE) until
  ``server_up``, when its jobs come back (recovered, the printing ones restarted) or are lost.
"""

from __future__ import annotations

import math
import pathlib
import random
import time as wallclock
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import attrs
import trio

from devices.engine import EngineEvent
from devices.faults import NATURAL_CLEAR
from devices.printer import VirtualPrinter
from spoolsim.model import PrintServer
from spoolsim.model.constants import Access, Win32
from spoolsim.model.events import EventLog
from spoolsim.model.jobs import Phase
from spoolsim.model.security import Principal, admin, user
from spoolsim.rpc import Client, Container
from spoolsim.runtime import LivingSpooler, RuntimeConfig, VirtualNetwork, open_estate
from spoolsim.scenario.browsereport import BrowseTally
from spoolsim.scenario.browsing import BrowseRun
from spoolsim.scenario.build import add_printer, build_estate, minutes, stream
from spoolsim.scenario.pointprint import PnpRun, server_links
from spoolsim.scenario.report import Report, Tally
from spoolsim.scenario.schema import Action, ClientGroup, PrinterSpec, Scenario
from spoolsim.scenario.webprint import WebRun

# What the operator does for a supply stop: 41xyy paper out (by class), 40038 toner out.
_REFILLS = {41: "load_paper", 40038: "replace_toner"}
DRAIN_POLL = 60.0  # simulated seconds between checks that the queues have emptied
# Job phases that still need the spooler (a kept printed job does not).
_UNFINISHED = frozenset({Phase.SPOOLING, Phase.QUEUED, Phase.PRINTING, Phase.DELETING})


@attrs.frozen
class Progress:
    """How far a run has got, for a progress bar."""

    now: float
    end: float
    submitted: int
    completed: int
    wall: float


@attrs.define
class RunResult:
    report: Report
    servers: dict[str, PrintServer]
    network: VirtualNetwork

    @property
    def log(self) -> EventLog:
        """The first server's event log (the only one, in a single-server scenario)."""
        return next(iter(self.servers.values())).log

    def events_jsonl(self) -> str:
        """Every kept event as JSON lines; with several servers, merged by time, tagged."""
        logs = list(self.servers.items())
        if len(logs) == 1:
            return logs[0][1].log.to_jsonl()
        merged = sorted(
            ((e.time, i, n, e) for i, (_, s) in enumerate(logs) for n, e in enumerate(s.log)),
            key=lambda r: r[:3],
        )
        return "".join(event.to_json(server=logs[i][0]) + "\n" for _, i, _, event in merged)


class ScenarioRun:
    """One run in progress: the estate, the arrival streams, the tally."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        spoolers: list[LivingSpooler],
        network: VirtualNetwork,
        tally: Tally,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.spoolers = {sp.server.name.lower(): sp for sp in spoolers}
        self.network = network
        self.tally = tally
        self.loop = spoolers[0].loop
        self.browsing = (
            BrowseRun(scenario, seed, self.spoolers) if scenario.browsing is not None else None
        )
        self.duration = scenario.simulation.duration
        self._principals: dict[tuple[str, int], Principal] = {}
        self._page_data: dict[int, bytes] = {}
        self._home: dict[str, LivingSpooler] = {}  # printer (lower) -> its spooler
        for sp in spoolers:
            for p in sp.server.printers.values():
                self._home[p.name.lower()] = sp
        wants_pnp = any(g.connect_within is not None for g in scenario.clients) or any(
            a.action == "update_driver" for a in scenario.timeline
        )
        wants_web = any(g.web_connect_within is not None for g in scenario.clients)
        links = server_links(scenario, self.spoolers) if wants_pnp or wants_web else {}
        self.pnp = (
            PnpRun(scenario, seed, self.spoolers, self._home, self._principal, links)
            if wants_pnp
            else None
        )
        self.web = WebRun(scenario, seed, self._home, self._principal, links) if wants_web else None
        self.all_printers = sorted(
            (p.name for sp in spoolers for p in sp.server.printers.values()), key=str.lower
        )
        for spec in scenario.devices:
            device = network.printer(spec.name)
            device.listeners.append(partial(tally.device_news, spec.name))
            if scenario.simulation.refill_after is not None:
                device.listeners.append(partial(self._refill, device))

    def web_spooler(self, name: str | None = None) -> LivingSpooler:
        """The spooler named ``name``, else the one whose web site ``serve`` shows (``[web]
        server``), else the first."""
        name = name or self.scenario.web.server
        if name is None:
            return next(iter(self.spoolers.values()))
        return self.spoolers[name.lower()]

    # -- clients -----------------------------------------------------------------------------------

    def start_clients(self) -> None:
        for group in self.scenario.clients:
            rng = stream(self.seed, group.name)
            pick = self._chooser(group, rng)
            arrival = group.arrival
            if arrival.process in ("poisson", "curve") and arrival.mean_interval:
                rate = group.count / arrival.mean_interval
                weights = arrival.per_hour if arrival.process == "curve" else None
                top = max(weights) if weights else 1.0
                self._arrive_after(0.0, group, rng, pick, rate * top, weights, top)
            for n, burst in enumerate(arrival.bursts, 1):
                self.burst(group, burst.at, burst.jobs, burst.over, name=f"burst{n}")

    def _chooser(self, group: ClientGroup, rng: random.Random) -> Callable[[int], str]:
        """How a job of client ``n`` of the group picks its printer."""
        choice = group.choice
        names = list(choice.printers) or self.all_printers
        if choice.kind == "fixed":
            return lambda n: names[n % len(names)]
        if choice.kind == "weighted":
            cum, total = [], 0.0
            for w in choice.weights:
                total += w
                cum.append(total)
            return lambda n: rng.choices(names, cum_weights=cum)[0]
        return lambda n: names[rng.randrange(len(names))]

    def _arrive_after(
        self,
        now: float,
        group: ClientGroup,
        rng: random.Random,
        pick: Callable[[int], str],
        rate: float,
        weights: tuple[float, ...] | None,
        top: float,
    ) -> None:
        when = now + rng.expovariate(rate)
        if when >= self.duration:
            return

        def arrive(t: float) -> None:
            if weights is None or rng.random() * top < weights[self._hour(t)]:
                self.submit(t, group, rng, pick)
            self._arrive_after(t, group, rng, pick, rate, weights, top)

        self.loop.call_at(when, arrive, priority=2)

    def burst(
        self,
        group: ClientGroup,
        at: float,
        jobs: int,
        over: float,
        *,
        name: str,
        printer: str | None = None,
    ) -> None:
        """``jobs`` extra arrivals from ``group`` spread uniformly over ``[at, at + over)``."""
        rng = stream(self.seed, group.name, name)
        pick = (lambda n: printer) if printer else self._chooser(group, rng)
        for when in sorted(at + rng.random() * over for _ in range(jobs)):
            self.loop.call_at(when, lambda t: self.submit(t, group, rng, pick), priority=2)

    def _hour(self, t: float) -> int:
        return int((self.scenario.simulation.start + t) % 86400 // 3600)

    def submit(
        self, now: float, group: ClientGroup, rng: random.Random, pick: Callable[[int], str]
    ) -> None:
        """One client of ``group`` prints a document through the method surface."""
        n = rng.randrange(group.count)
        printer = pick(n)
        pages = _draw_pages(group, rng) * group.copies
        sp = self._home.get(printer.lower())
        if sp is None or not sp.available:
            server = sp.server if sp is not None else next(iter(self.spoolers.values())).server
            server.log.add(
                now,
                "client.rejected",
                printer,
                status=Win32.RPC_S_SERVER_UNAVAILABLE,
                group=group.name,
            )
            return
        data = self._data(group.bytes_per_page, pages)
        if group.web_connect_within is not None and self.web is not None:
            status = self.web.print(group, n, data, now)
        else:
            status = _print(Client(sp.surface, self._principal(group, n)), printer, data, group)
        if status:
            sp.server.log.add(now, "client.rejected", printer, status=status, group=group.name)

    def _principal(self, group: ClientGroup, n: int) -> Principal:
        key = (group.name, n)
        principal = self._principals.get(key)
        if principal is None:
            name = f"{group.name}{n + 1:05d}"
            make = admin if group.admin else user
            principal = self._principals[key] = make(name, machine=f"{name}-PC")
        return principal

    def _data(self, per_page: int, pages: int) -> bytes:
        page = self._page_data.get(per_page)
        if page is None:
            page = self._page_data[per_page] = b"x" * max(per_page - 1, 0) + b"\f"
        return page * pages

    def _refill(self, device: VirtualPrinter, events: list[EngineEvent]) -> None:
        """The operator loads paper or a cartridge ``refill_after`` a device stops for it."""
        delay = self.scenario.simulation.refill_after
        for event in events:
            if event.kind != "status" or event.code is None or delay is None:
                continue
            action = _REFILLS.get(event.code // 1000) or _REFILLS.get(event.code)
            if action is not None:
                self.loop.call_at(event.time + delay, lambda now, a=action: device.act(a))

    # -- timeline ----------------------------------------------------------------------------------

    def start_timeline(self) -> None:
        for n, action in enumerate(self.scenario.timeline):
            self.loop.call_at(action.at, partial(self._act, n), priority=0)

    def _act(self, n: int, now: float) -> None:
        action = self.scenario.timeline[n]
        target = action.target or ""
        first = next(iter(self.spoolers.values()))
        first.server.log.add(now, "scenario.action", target, **_loggable(action))
        kind = action.action
        if kind in ("pause_printer", "resume_printer"):
            sp = self._home[target.lower()]
            p = sp.server.printers[target.lower()]
            if kind == "pause_printer":
                sp.server.pause_printer(p, now)
            else:
                sp.server.resume_printer(p, now)
        elif kind == "fix":
            device = self.network.printer(target)
            device.act(str(action.params.get("action") or self._clear_for(n)))
        elif kind in ("server_down", "server_up"):
            sp = self.spoolers[target.lower()]
            up = kind == "server_up"
            if not up and sp.available:
                sp.surface.restart()  # the clients' connections break with the process
            sp.set_available(up, now, clean=bool(action.params.get("clean")))
            if self.browsing is not None and kind == "server_up":
                self.browsing.host_up(target, now)
            elif self.browsing is not None:
                self.browsing.host_down(target, now, clean=bool(action.params.get("clean")))
        elif kind == "browse" and self.browsing is not None:
            group = next(g for g in self.scenario.clients if g.name.lower() == target.lower())
            self.browsing.browse(group, now)
        elif kind == "add_printer":
            spec = action.params["printer"]
            sp = self.spoolers.get((spec.server or "").lower(), first)
            add_printer(sp.server, spec, now)
            self._home[spec.name.lower()] = sp
        elif kind == "set":
            self._set(target, action.params["key"], action.params["value"], now)
        elif kind == "update_driver" and self.pnp is not None:
            self.pnp.update_driver(action, now)
        elif kind == "burst":
            group = next(g for g in self.scenario.clients if g.name.lower() == target.lower())
            over = float(action.params.get("over", 0.0))
            printer = action.params.get("printer")
            self.burst(
                group,
                now,
                int(action.params["jobs"]),
                over,
                name=f"timeline{n}",
                printer=str(printer) if printer else None,
            )
        # "jam" was given to the device as a timed fault when the estate was built.

    def _clear_for(self, n: int) -> str:
        """The operator action that puts right the last scripted fault before action ``n``."""
        target = (self.scenario.timeline[n].target or "").lower()
        for action in reversed(self.scenario.timeline[:n]):
            if action.action == "jam" and (action.target or "").lower() == target:
                return NATURAL_CLEAR[str(action.params.get("kind", "jam"))]
        return "clear_jam"

    def _set(self, target: str, key: str, value: object, now: float) -> None:
        sp = self._home.get(target.lower())
        if sp is None:
            server = self.spoolers[target.lower()].server
            server.settings[key] = value  # type: ignore[assignment]
            server.log.add(now, "server.set", server.name, key=key, value=value)
            return
        p = sp.server.printers[target.lower()]
        if key in ("start_time", "until_time"):
            value = minutes(value)  # type: ignore[arg-type]
        setattr(p, key, value)
        sp.server.log.add(now, "printer.set", p.name, key=key, value=value)

    # -- the clock ---------------------------------------------------------------------------------

    def unfinished(self) -> int:
        """Jobs still in the spooler, and Point and Print connections still in progress."""
        jobs = sum(
            1
            for sp in self.spoolers.values()
            for job in sp.server.jobs.values()
            if job.phase in _UNFINISHED
        )
        # A stopped server's jobs wait in its spool directory for the restart.
        jobs += sum(
            sp.server.stopped.waiting() for sp in self.spoolers.values() if sp.server.stopped
        )
        flows = sum(r.in_flight for r in (self.pnp, self.web) if r is not None)
        return jobs + flows

    def every(self, interval: float, fn: Callable[[float], None], until: float) -> None:
        """Call ``fn(t)`` at 0, interval, 2 * interval, ... (exact multiples, no drift)."""

        def tick(k: int, t: float) -> None:
            fn(t)
            if (k + 1) * interval <= until:
                self.loop.call_at((k + 1) * interval, partial(tick, k + 1), priority=3)

        self.loop.call_at(0.0, partial(tick, 0), priority=3)


async def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    keep_log: bool = False,
    metrics: Any = None,
    progress: Callable[[Progress], None] | None = None,
    progress_every: float = 0.25,
    transport: str | None = None,
    before: Callable[[ScenarioRun], Awaitable[None]] | None = None,
    stop: trio.Event | None = None,
    output_dir: pathlib.Path | None = None,
) -> RunResult:
    """Run ``scenario`` in the current Trio run (whose clock the caller chose).

    Args:
        scenario: a loaded, valid scenario.
        seed: overrides the scenario's seed.
        keep_log: keep every event in memory (for ``--events`` and determinism checks).
        metrics: a ``spoolsim.metrics.SimMetrics`` to attach to every server.
        progress: called about every ``progress_every`` wall seconds with a :class:`Progress`.
        transport: overrides the scenario's transport (``direct`` or ``wire``).
        before: awaited with the run once the estate is up, before time starts (``serve`` uses
            it to expose devices).
        stop: set it to end the run early (Ctrl-C in ``serve``); the report covers the time run.
        output_dir: where local ports write their files (None: counted, not written).

    Returns:
        The report, the servers (their logs) and the network.

    Raises:
        RuntimeError: when the clock does not read 0 (simulated time is the scenario's time).
    """
    if trio.current_time() != 0.0:
        raise RuntimeError(
            "run_scenario needs a fresh clock at simulated time 0 (one MockClock per run); "
            f"this one reads {trio.current_time()}"
        )
    sim = scenario.simulation
    seed = sim.seed if seed is None else seed
    transport = transport or sim.transport
    servers, network = build_estate(scenario, seed, keep_log=keep_log)
    tally = Tally()
    for server in servers:
        tally.attach(server)
        if metrics is not None:
            metrics.attach(server)
    config = RuntimeConfig(
        transport=transport,
        barrier=transport == "wire",
        render_cost=sim.render_cost if sim.render_cost is not None else RuntimeConfig().render_cost,
        page_events=sim.page_events,
    )
    started = wallclock.perf_counter()
    end = sim.duration + sim.drain
    last_action = max((a.at for a in scenario.timeline), default=0.0)
    async with open_estate(
        servers, network=network, config=config, output_dir=output_dir
    ) as spoolers:
        run = ScenarioRun(scenario, seed, spoolers, network, tally)
        if before is not None:
            await before(run)
        run.every(_sample_interval(end), tally.sample, end)
        if progress is not None:
            next_report = [started + progress_every]

            def report_progress(now: float) -> None:
                wall = wallclock.perf_counter()
                if wall >= next_report[0]:
                    next_report[0] = wall + progress_every
                    progress(Progress(now, end, tally.submitted, tally.completed, wall - started))

            run.every(max(end / 2000, 1.0), report_progress, end)
        browse_tally = None
        if run.browsing is not None:
            browse_tally = BrowseTally(run.browsing.domain)
            if metrics is not None:
                metrics.attach_browsing(run.browsing.domain)
        run.start_timeline()
        run.start_clients()
        if run.pnp is not None:
            run.pnp.start()
        if run.web is not None:
            run.web.start()
        if run.browsing is not None:
            run.browsing.start(end)
        async with trio.open_nursery() as waiting:
            if stop is not None:
                waiting.start_soon(_cancel_when_set, stop, waiting.cancel_scope)
            await _until_done(run, sim.duration, end, last_action)
            waiting.cancel_scope.cancel()
        now = trio.current_time()
        if run.browsing is not None:
            run.browsing.close()
        tally.sample(now)
        if metrics is not None:
            metrics.set_time(now)
    wall = wallclock.perf_counter() - started
    report = tally.report(
        scenario=scenario.name,
        seed=seed,
        transport=transport,
        span=now,
        wall=wall,
        events=sum(s.log.count for s in servers),
        expectations=scenario.expect,
        browse=browse_tally.report(now) if browse_tally is not None else None,
        pnp=run.pnp.report() if run.pnp is not None else None,
        web=run.web.report() if run.web is not None else None,
    )
    return RunResult(report, {s.name: s for s in servers}, network)


# -- helpers ---------------------------------------------------------------------------------------


async def _until_done(run: ScenarioRun, duration: float, end: float, last_action: float) -> None:
    """Sleep through the arrivals, then until the queues drain (or ``end``)."""
    await trio.sleep_until(max(duration, 0.0))
    now = trio.current_time()
    while now < end and (run.unfinished() or now < last_action):
        await trio.sleep_until(min(now + DRAIN_POLL, end))
        now = trio.current_time()


async def _cancel_when_set(event: trio.Event, scope: trio.CancelScope) -> None:
    await event.wait()
    scope.cancel()


def _sample_interval(span: float) -> float:
    return 60.0 if span <= 12 * 3600 else span / 720


def _loggable(action: Action) -> dict[str, object]:
    """An action's facts for the log: ``fix``'s action as the file writes it (``clear_by``),
    ``jam``'s kind as ``fault`` (an event's own ``kind`` is its type)."""
    facts: dict[str, object] = {"action": action.action}
    for key, value in action.params.items():
        key = {"action": "clear_by", "kind": "fault"}.get(key, key)
        facts[key] = value if isinstance(value, str | int | float | bool) else str(value)
    if isinstance(action.params.get("printer"), PrinterSpec):
        facts["printer"] = action.params["printer"].name
    return facts


def _draw_pages(group: ClientGroup, rng: random.Random) -> int:
    dist = group.pages
    if dist.distribution == "fixed":
        return int(dist.value or 1)
    if dist.distribution == "uniform":
        return rng.randint(int(dist.low or 1), int(dist.high or 1))
    mean = float(dist.mean or 1.0)
    if mean <= 1.0:
        return 1
    # Geometric on 1, 2, ...: the number of trials up to the first success, p = 1 / mean.
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - 1.0 / mean))


def _print(client: Client, printer: str, data: bytes, group: ClientGroup) -> int:
    """StartDoc / WritePrinter / EndDoc through the surface; returns the first failing status."""
    opened = client.RpcAsyncOpenPrinter(printer, None, None, Access.PRINTER_ACCESS_USE)
    if opened.status:
        return opened.status
    handle = opened.pHandle
    try:
        info = {"pDocName": f"{group.name} document", "pDatatype": group.datatype}
        started = client.RpcAsyncStartDocPrinter(handle, Container(1, info))
        if started.status:
            return started.status
        written = client.RpcAsyncWritePrinter(handle, data, len(data))
        if written.status:
            client.RpcAsyncAbortPrinter(handle)
            return written.status
        return client.RpcAsyncEndDocPrinter(handle).status
    finally:
        client.RpcAsyncClosePrinter(handle)
