"""What a run measured: a tally kept from the event log's listeners, and the report built from it.

The tally never reads the kept log, so it works the same when a large run keeps no log at all.
Definitions (simulated seconds throughout):

* **wait**: a job's first ``job.started`` minus its ``job.spooled`` (time in the queue).
* **turnaround**: ``job.printed`` minus ``job.submitted`` (StartDoc to the device done with it).
  A port without bidirectional status (LPR, RAW with bidi off) learns only that the device took
  the data, so there a job is printed once sent: its turnaround is the spooler's part alone.
* **utilisation**: the share of the span the devices behind a printer's ports spent on jobs
  (engine job start to job end, warm-up included); for ports with no device (local ports), the
  share of the span the port held one of the printer's jobs.
* **accepted** jobs end as **completed** (printed), **failed** (deleted before printing) or
  **pending** (still queued at the end, or waiting in a stopped server's spool directory); any
  other accepted job is **lost**: by a spooler stop or crash (``job.lost``, counted per server as
  ``lost`` in ``recovery``), or else by a defect. **rejected** submissions are those the server
  refused (``client.rejected``).
* **recovery** (per server that stopped): its crashes and clean stops, and what each restart did
  with its spool directory: jobs **recovered** as they were (``job.recovered``), **restarted**
  from page one because they were printing (``job.restarted`` with reason "spooler restart"),
  and **lost** (``job.lost``). The three are disjoint.
* **device faults**: a device entering a stopping state (jam, door open, offline, paper or toner
  out).
* Percentiles use the nearest-rank method on the sorted values.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import Any

import attrs

from spoolsim.model.server import PrintServer
from spoolsim.model.spooldir import RESTART_REASON
from spoolsim.scenario.schema import Expectation

OPS: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
OFFLINE_CODE = 10002  # PJL "not ready / offline" (devices.engine)


def is_fault_code(code: int | None) -> bool:
    """A PJL status code that stops a device: the 4xxxx class or offline."""
    return code is not None and (code // 10000 == 4 or code == OFFLINE_CODE)


@attrs.frozen
class Spread:
    """Percentiles of a set of durations (all 0.0 when there are none)."""

    count: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            return cls(0, 0.0, 0.0, 0.0, 0.0, 0.0)
        ordered = sorted(values)
        n = len(ordered)

        def rank(q: float) -> float:
            return ordered[max(math.ceil(q * n) - 1, 0)]

        return cls(n, sum(ordered) / n, rank(0.50), rank(0.95), rank(0.99), ordered[-1])


@attrs.frozen
class PrinterReport:
    name: str
    server: str
    accepted: int
    jobs: int
    pages: int
    utilisation: float
    jobs_per_hour: float
    pages_per_hour: float
    wait: Spread
    turnaround: Spread
    rejected: int
    failed: int
    pending: int
    devices: tuple[str, ...] = ()
    recovered: int = 0
    restarted: int = 0

    @property
    def lost(self) -> int:
        return self.accepted - self.jobs - self.failed - self.pending


@attrs.frozen
class ServerRecovery:
    """What stopping and starting one server's spooler did to its jobs (see the module doc)."""

    server: str
    crashes: int = 0
    stops: int = 0
    recovered: int = 0
    restarted: int = 0
    lost: int = 0


@attrs.frozen
class Outcome:
    """One expectation, judged."""

    text: str
    value: float | None
    passed: bool
    line: int | None = None


@attrs.frozen
class Report:
    """Everything ``spoolsim run`` prints, and ``--json`` writes (``to_json``)."""

    scenario: str
    seed: int
    transport: str
    span: float
    wall: float
    events: int
    submitted: int
    accepted: int
    rejected: int
    completed: int
    failed: int
    pending: int
    lost: int
    pages: int
    wait: Spread
    turnaround: Spread
    printers: tuple[PrinterReport, ...]
    device_faults: Mapping[str, int]
    outcomes: tuple[Outcome, ...]
    series: Mapping[str, Sequence[float]]
    browse: Any = None  # a browsereport.BrowseReport when the scenario browses
    pnp: Any = None  # a pointprint.PnpReport when clients connect by Point and Print
    web: Any = None  # a webprint.WebReport when clients connect from the web pages
    # Spooler stops and restarts: the totals, and one entry per server that went down.
    recovered: int = 0
    restarted: int = 0
    lost_at_restart: int = 0
    recovery: tuple[ServerRecovery, ...] = ()

    @property
    def speedup(self) -> float:
        return self.span / self.wall if self.wall > 0 else math.inf

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall if self.wall > 0 else math.inf

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=True)
        data["speedup"] = self.speedup if self.wall > 0 else None
        data["events_per_second"] = self.events_per_second if self.wall > 0 else None
        data["passed"] = self.passed
        return data


@attrs.define
class _Printer:
    server: str
    name: str
    ports: int
    accepted: int = 0
    waits: list[float] = attrs.Factory(list)
    turnarounds: list[float] = attrs.Factory(list)
    jobs: int = 0
    pages: int = 0
    busy: float = 0.0
    rejected: int = 0
    failed: int = 0
    pending: int = 0
    recovered: int = 0
    restarted: int = 0


@attrs.define
class _Recovery:
    crashes: int = 0
    stops: int = 0
    recovered: int = 0
    restarted: int = 0
    lost: int = 0


class Tally:
    """Counts a run from the servers' event-log listeners (attach before anything happens)."""

    def __init__(self) -> None:
        self.servers: list[PrintServer] = []
        self._printers: dict[tuple[int, str], _Printer] = {}
        # (server index, job id) -> [submitted, spooled, started, busy since, printer]
        self._jobs: dict[tuple[int, int], list[Any]] = {}
        self.submitted = 0
        self.accepted = 0
        self.rejected = 0
        self.completed = 0
        self.failed = 0
        self.pages = 0
        self.faults: dict[str, int] = {}
        self._recovery: dict[int, _Recovery] = {}  # server index -> its stops and restarts
        self._device_busy: dict[str, float] = {}  # lower-case host -> seconds on jobs
        self._device_since: dict[str, float] = {}
        self.series: dict[str, list[float]] = {"time": [], "queued": [], "completed": []}

    def attach(self, server: PrintServer) -> None:
        index = len(self.servers)
        self.servers.append(server)
        server.log.listeners.append(partial(self._on_event, index))

    def printer(self, index: int, name: str) -> _Printer:
        key = (index, name.lower())
        entry = self._printers.get(key)
        if entry is None:
            p = self.servers[index].printers.get(key[1])
            ports = len(p.ports) if p is not None else 1
            entry = self._printers[key] = _Printer(self.servers[index].name, name, max(ports, 1))
        return entry

    def device_news(self, host: str, events: Iterable[Any]) -> None:
        """A device's engine events (``devices.engine.EngineEvent``): stops and busy time."""
        key = host.lower()
        for event in events:
            kind = event.kind
            if kind == "status" and is_fault_code(event.code):
                self.faults[host] = self.faults.get(host, 0) + 1
            elif kind == "job_start":
                self._device_since.setdefault(key, event.time)
            elif kind == "job_end":
                since = self._device_since.pop(key, None)
                if since is not None:
                    self._device_busy[key] = self._device_busy.get(key, 0.0) + event.time - since

    def _hosts(self, entry: _Printer) -> list[str]:
        """The devices (host names) behind the printer's Standard TCP/IP ports."""
        server = next(s for s in self.servers if s.name == entry.server)
        p = server.printers.get(entry.name.lower())
        hosts = []
        for name in p.ports if p is not None else ():
            port = server.ports.get(name.lower())
            if port is not None and port.tcp is not None:
                hosts.append(port.tcp.host)
        return hosts

    def _utilisation(self, entry: _Printer, span: float) -> float:
        if span <= 0:
            return 0.0
        hosts = [h.lower() for h in self._hosts(entry)]
        if not hosts:
            return entry.busy / (span * entry.ports)
        busy = 0.0
        for host in hosts:
            busy += self._device_busy.get(host, 0.0)
            since = self._device_since.get(host)
            if since is not None:
                busy += max(span - since, 0.0)
        return busy / (span * len(hosts))

    def sample(self, now: float) -> None:
        """Record the queue depth and jobs completed so far (for plots and ``series``)."""
        self.series["time"].append(now)
        self.series["queued"].append(
            sum(len(p.queue) for s in self.servers for p in s.printers.values())
        )
        self.series["completed"].append(self.completed)

    def _on_event(
        self, index: int, time: float, kind: str, subject: str, data: Mapping[str, object]
    ) -> None:
        if not kind.startswith("job.") and kind != "client.rejected":
            if kind == "server.down":
                self._server_down(index, time, bool(data.get("clean")))
            return
        printer, _, number = subject.rpartition("/")
        if kind == "client.rejected":
            self.submitted += 1
            self.rejected += 1
            self.printer(index, subject).rejected += 1
            return
        key = (index, int(number or 0))
        rec = self._jobs.get(key)
        if kind == "job.submitted":
            self.submitted += 1
            self.accepted += 1
            self.printer(index, printer).accepted += 1
            self._jobs[key] = [time, time, None, None, printer]
        elif rec is None:
            return
        elif kind == "job.spooled":
            rec[1] = time
        elif kind == "job.started":
            if rec[2] is None:
                rec[2] = time
                self.printer(index, printer).waits.append(time - rec[1])
            rec[3] = time
        elif kind == "job.printed":
            entry = self.printer(index, printer)
            self._stop_busy(entry, rec, time)
            entry.turnarounds.append(time - rec[0])
            entry.jobs += 1
            pages = int(data.get("pages", 0) or 0)  # type: ignore[call-overload]
            entry.pages += pages
            self.pages += pages
            self.completed += 1
            del self._jobs[key]
        elif kind == "job.recovered":
            self.printer(index, printer).recovered += 1
            self._restarts(index).recovered += 1
        elif kind == "job.restarted" and data.get("reason") == RESTART_REASON:
            self.printer(index, printer).restarted += 1
            self._restarts(index).restarted += 1
        elif kind in ("job.failed", "job.restarted"):
            self._stop_busy(self.printer(index, printer), rec, time)
        elif kind == "job.lost":
            self._restarts(index).lost += 1
            del self._jobs[key]
        elif kind == "job.deleted":
            entry = self.printer(index, printer)
            self._stop_busy(entry, rec, time)
            entry.failed += 1
            self.failed += 1
            del self._jobs[key]

    def _server_down(self, index: int, time: float, clean: bool) -> None:
        """The server's spooler stopped: its ports let go of what they printed."""
        entry = self._restarts(index)
        if clean:
            entry.stops += 1
        else:
            entry.crashes += 1
        for (i, _), rec in self._jobs.items():
            if i == index and rec[3] is not None:
                self._stop_busy(self.printer(index, rec[4]), rec, time)

    def _restarts(self, index: int) -> _Recovery:
        entry = self._recovery.get(index)
        if entry is None:
            entry = self._recovery[index] = _Recovery()
        return entry

    @staticmethod
    def _stop_busy(entry: _Printer, rec: list[Any], time: float) -> None:
        since = rec[3]
        if since is not None:
            entry.busy += time - since
            rec[3] = None

    def report(
        self,
        *,
        scenario: str,
        seed: int,
        transport: str,
        span: float,
        wall: float,
        events: int,
        expectations: Iterable[Expectation] = (),
        browse: Any = None,
        pnp: Any = None,
        web: Any = None,
    ) -> Report:
        for index, server in enumerate(self.servers):
            stopped = server.stopped  # its jobs wait in the spool directory for a restart
            for p in server.printers.values():
                waiting = stopped.waiting(p.name) if stopped is not None else 0
                self.printer(index, p.name).pending = len(p.queue) + waiting
        pending = sum(e.pending for e in self._printers.values())
        recovery = tuple(
            ServerRecovery(self.servers[i].name, **attrs.asdict(entry))
            for i, entry in sorted(self._recovery.items())
        )
        hours = span / 3600 if span > 0 else math.inf
        printers = tuple(
            PrinterReport(
                name=e.name,
                server=e.server,
                accepted=e.accepted,
                jobs=e.jobs,
                pages=e.pages,
                utilisation=self._utilisation(e, span),
                jobs_per_hour=e.jobs / hours,
                pages_per_hour=e.pages / hours,
                wait=Spread.of(e.waits),
                turnaround=Spread.of(e.turnarounds),
                rejected=e.rejected,
                failed=e.failed,
                pending=e.pending,
                devices=tuple(self._hosts(e)),
                recovered=e.recovered,
                restarted=e.restarted,
            )
            for e in sorted(self._printers.values(), key=lambda e: (e.server, e.name.lower()))
        )
        report = Report(
            scenario=scenario,
            seed=seed,
            transport=transport,
            span=span,
            wall=wall,
            events=events,
            submitted=self.submitted,
            accepted=self.accepted,
            rejected=self.rejected,
            completed=self.completed,
            failed=self.failed,
            pending=pending,
            lost=self.accepted - self.completed - self.failed - pending,
            pages=self.pages,
            wait=Spread.of([w for e in self._printers.values() for w in e.waits]),
            turnaround=Spread.of([t for e in self._printers.values() for t in e.turnarounds]),
            printers=printers,
            device_faults=dict(sorted(self.faults.items())),
            outcomes=(),
            series={k: tuple(v) for k, v in self.series.items()},
            browse=browse,
            pnp=pnp,
            web=web,
            recovered=sum(r.recovered for r in recovery),
            restarted=sum(r.restarted for r in recovery),
            lost_at_restart=sum(r.lost for r in recovery),
            recovery=recovery,
        )
        return attrs.evolve(report, outcomes=tuple(judge(report, x) for x in expectations))


def metric_value(report: Report, metric: str, printer: str | None = None) -> float | None:
    """The value an expectation's ``metric`` names, for one printer or the whole run."""
    rows = report.printers
    if printer is not None:
        rows = tuple(r for r in rows if r.name.lower() == printer.lower())
        if not rows:
            return None
    whole = printer is None
    family, _, stat = metric.partition("_")
    if family in ("wait", "turnaround") and stat in ("p50", "p95", "p99", "max", "mean"):
        spread = getattr(report, family) if whole else getattr(rows[0], family)
        return float(getattr(spread, stat))
    hours = report.span / 3600 if report.span > 0 else math.inf
    if metric == "utilisation":
        return sum(r.utilisation for r in rows) / len(rows) if rows else 0.0
    if metric == "device_faults":
        faults = report.device_faults
        if whole:
            return float(sum(faults.values()))
        hosts = {h.lower() for r in rows for h in r.devices}
        return float(sum(n for host, n in faults.items() if host.lower() in hosts))
    counts: dict[str, Callable[[PrinterReport], float]] = {
        "completed_jobs": lambda r: r.jobs,
        "failed_jobs": lambda r: r.failed,
        "pending_jobs": lambda r: r.pending,
        "rejected_jobs": lambda r: r.rejected,
        "lost_jobs": lambda r: r.lost,
        "recovered_jobs": lambda r: r.recovered,
        "restarted_jobs": lambda r: r.restarted,
        "jobs_per_hour": lambda r: r.jobs / hours,
        "pages_per_hour": lambda r: r.pages / hours,
    }
    if metric in counts:
        return float(sum(counts[metric](r) for r in rows))
    if metric.startswith("pnp_"):
        return _pnp_metric(report.pnp, metric)
    if metric.startswith("web_"):
        return _web_metric(report.web, metric)
    return _browse_metric(report.browse, metric)


def _pnp_metric(p: Any, metric: str) -> float | None:
    """Point and Print figures (None when no client connects)."""
    if p is None:
        return None
    values = {
        "pnp_connections": float(p.connections),
        "pnp_failed": float(p.failed),
        "pnp_bytes": float(p.bytes),
        "pnp_all_ready": p.all_ready,
        "pnp_peak_link": p.peak_link,
    }
    return values.get(metric)


def _web_metric(w: Any, metric: str) -> float | None:
    """Internet Printing figures (None when no client connects from the web pages)."""
    if w is None:
        return None
    values = {
        "web_connections": w.connections,
        "web_failed": w.failed,
        "web_refused": w.refused,
        "web_bytes": w.bytes,
        "web_ipp_jobs": w.ipp_jobs - w.ipp_failed,
    }
    return float(values[metric])


def _browse_metric(b: Any, metric: str) -> float | None:
    """Print-browsing figures (None when the scenario does not browse, or never got there)."""
    if b is None:
        return None
    if metric == "browse_convergence":
        return b.converged_at
    if metric == "browse_staleness":
        return b.staleness.max if b.staleness.count else None
    if metric == "browse_list_size":
        return float(b.listed)
    if metric == "announcement_bytes":
        return float(b.traffic_bytes)
    return None


def judge(report: Report, expectation: Expectation) -> Outcome:
    value = metric_value(report, expectation.metric, expectation.printer)
    passed = value is not None and OPS[expectation.op](value, expectation.value)
    return Outcome(expectation.text, value, passed, expectation.line)
