"""The living spooler: scheduling, print processors, port monitors and retries over the model.

Theory of operation
-------------------
The model (``spoolsim.model``) knows what a job may do; this module decides *when*. Everything
happens in the deadline loop's task (``loop.py``), in simulated time:

* **Scheduling.** A printer is *kicked* when something may let a job start: a job spooled, resumed,
  restarted or released, the printer resumed, a port freed, a retry delay over, a queue's hours
  opening. A kick fills every idle, healthy port of the printer (the ports of a pool in the order
  the printer lists them) with the best job the model offers for it: highest priority, then queue
  position, not paused, within the hours (``PrintServer.next_job``).
* **Print processor.** The job is PRINTING from the moment it holds a port. RAW passes through;
  TEXT and NT EMF first cost ``render_cost[datatype]`` seconds per page (winprint rendering).
* **Port monitor.** Then the port's link moves the job to the device (``links.py``) and reports
  back through an :class:`~spoolsim.runtime.monitor.Activity`: status, pages, the end.
* **Port errors.** If the device cannot be reached, the port shows PORT_STATUS_OFFLINE, the job
  goes back to the queue with JOB_STATUS_ERROR | JOB_STATUS_OFFLINE, and the port rests for a
  back-off delay: ``retry_first`` seconds, doubling after each further failure, capped at the
  printer's TransmissionRetryTimeout (45 s by default). The job is retried on the same port; on a
  pool, once RestartJobOnPoolError seconds have passed (and RestartJobOnPoolEnabled is set), any
  port of the pool may take it, ports without failures first. A success clears the port's
  failures.
* **Service stop.** ``set_available(False)`` is the spooler service going down (a crash, or an
  orderly stop with ``clean``): every port monitor lets go of what it prints (a device may still
  finish what it already has), the port retry state is forgotten, and the model keeps only its
  spool directory (``PrintServer.stop_service``). ``set_available(True)`` starts it again: the
  model reads the directory back (``PrintServer.start_service``: jobs recovered, the printing one
  restarted from page one, jobs cut off while spooling lost) and every printer is kicked.
* **Deletion and restart** while printing: the link stops listening, the port is freed, a deleted
  job leaves the queue. The device may still finish what it already received, as real ones do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import partial
from typing import Protocol

import attrs

from spoolsim.model.constants import JobStatus, PortSeverity, PortStatus
from spoolsim.model.jobs import Job, Phase
from spoolsim.model.ports import Port
from spoolsim.model.printers import Printer
from spoolsim.model.server import PrintServer
from spoolsim.runtime.loop import DeadlineLoop
from spoolsim.runtime.monitor import Activity
from spoolsim.runtime.status import UNREACHABLE

# Seconds per page a print processor spends before the data goes to the port (winprint renders
# TEXT into pages, and plays NT EMF spool files back through the driver). Scenarios override.
DEFAULT_RENDER_COST: Mapping[str, float] = {"RAW": 0.0, "TEXT": 0.05, "NT EMF 1.008": 0.25}

# Events after which a printer may have a job to start.
_KICK_KINDS = frozenset(
    {
        "job.spooled",
        "job.resumed",
        "job.restarted",
        "job.released",
        "job.moved",
        "printer.resumed",
        "printer.added",
        "printer.set",
    }
)
# Events after which a job a port holds must be let go.
_LET_GO_KINDS = frozenset({"job.deleting", "job.restarted"})


@attrs.frozen
class RuntimeConfig:
    """How the runtime behaves; the defaults are what the README documents.

    Attributes:
        transport: ``wire`` (bytes over in-memory or TCP streams) or ``direct`` (engine calls).
        barrier: handle each instant only once other tasks are blocked (deterministic order
            with client tasks); off is for runs driven wholly from the loop's heap (direct only).
        render_cost: seconds per page of print-processor work, by datatype.
        connect_timeout: seconds to wait for a device to accept a connection.
        reply_timeout: seconds to wait for a device to answer a request.
        status_poll: seconds of silence from a printing device before the monitor asks for status.
        retry_first: the first back-off delay after a port error.
        page_events: log ``job.page`` for every page a device reports (off for very large runs:
            the job's page count still advances).
    """

    transport: str = "wire"
    barrier: bool = True
    render_cost: Mapping[str, float] = DEFAULT_RENDER_COST
    connect_timeout: float = 10.0
    reply_timeout: float = 10.0
    status_poll: float = 60.0
    retry_first: float = 5.0
    page_events: bool = True

    def __attrs_post_init__(self) -> None:
        if self.transport not in ("wire", "direct"):
            raise ValueError(f"transport must be 'wire' or 'direct', not {self.transport!r}")
        if not self.barrier and self.transport == "wire":
            raise ValueError("the wire path needs the barrier: its monitors are separate tasks")


@attrs.define
class _PortHealth:
    failures: int = 0
    retry_at: float = -math.inf


class Spooler:
    """The runtime's state over one :class:`PrintServer`. Made by ``open_spooler``."""

    def __init__(
        self,
        server: PrintServer,
        loop: DeadlineLoop,
        links: Callable[[Port], Link],
        config: RuntimeConfig,
    ) -> None:
        self.server = server
        self.loop = loop
        self.config = config
        self._link_for = links
        self.active: dict[str, Activity] = {}  # port key -> what it prints
        self._health: dict[str, _PortHealth] = {}
        self._job_retry: dict[int, tuple[str, float]] = {}  # job id -> (port key, elsewhere at)
        self._kicked: set[tuple[str, float]] = set()
        self.available = True
        server.log.listeners.append(self._on_event)

    # -- kicks -------------------------------------------------------------------------------------

    def kick(self, printer_name: str, when: float) -> None:
        """Fill the printer's idle ports at ``when`` (once, however often it is asked)."""
        key = (printer_name.lower(), when)
        if key not in self._kicked:
            self._kicked.add(key)
            self.loop.call_at(when, partial(self._dispatch, key[0]), priority=1)

    def set_available(self, available: bool, now: float, *, clean: bool = False) -> None:
        """Start (True) or stop (False) the spooler service at ``now``; ``clean`` makes a stop
        an orderly one rather than a crash. Asking for the state it is in is a logged no-op
        (``server.unchanged``). The method surface's handles die with the process too: whoever
        owns the surface ends them (``Surface.restart``), as the scenario runner does."""
        if available == self.available:
            self.server.log.add(now, "server.unchanged", self.server.name, available=available)
            return
        self.available = available
        if available:
            self.server.start_service(now)
            for p in sorted(self.server.printers.values(), key=lambda p: p.name.lower()):
                self.kick(p.name, now)
            return
        for act in sorted(self.active.values(), key=lambda a: a.port.name.lower()):
            if act.stop is not None:
                act.stop()  # the wire task hangs up; the device keeps what it already has
            act.done = True  # whatever the link hears later is not applied
        self.active.clear()
        self._health.clear()
        self._job_retry.clear()
        self.server.stop_service(now, clean=clean)

    def _on_event(self, time: float, kind: str, subject: str, data: Mapping[str, object]) -> None:
        if kind == "job.deleted":
            self._job_retry.pop(int(subject.rpartition("/")[2]), None)
        if kind in _LET_GO_KINDS:
            for act in list(self.active.values()):
                if act.job.subject == subject:
                    self.loop.call_at(time, act.let_go)
        if kind in _KICK_KINDS:
            self.kick(subject.partition("/")[0], time)

    # -- scheduling --------------------------------------------------------------------------------

    def _dispatch(self, key: str, now: float) -> None:
        self._kicked.discard((key, now))
        p = self.server.printers.get(key)
        if p is None or not self.available:
            return
        # Healthy ports first, each group in the printer's order.
        keys = sorted((n.lower() for n in p.ports), key=lambda k: k in self._health)
        for port_key in keys:
            port = self.server.ports.get(port_key)
            if port is None or port_key in self.active:
                continue
            health = self._health.get(port_key)
            if health is not None and health.retry_at > now:
                continue
            job = self.server.next_job(p, now, partial(self._allowed, port_key, now))
            if job is not None:
                self._start(job, port, now)
        self._wake_at_hours(p, now)

    def _allowed(self, port_key: str, now: float, job: Job) -> bool:
        retry = self._job_retry.get(job.job_id)
        return retry is None or retry[0] == port_key or now >= retry[1]

    def _wake_at_hours(self, p: Printer, now: float) -> None:
        """Kick ``p`` again when a queue or job time window that holds a job back opens."""
        minute = self.server.minute_of_day(now)
        starts = [
            job.start_time
            for job in (self.server.jobs[i] for i in p.queue)
            if job.phase is Phase.QUEUED and job.start_time != job.until_time
        ]
        if p.start_time != p.until_time and not p.within_hours(minute):
            starts.append(p.start_time)
        if not starts or not any(n.lower() not in self.active for n in p.ports):
            return
        clock = self.server.wallclock(now)
        into_minute = clock.second + clock.microsecond / 1e6
        wait = min(((s - minute) % 1440 or 1440) * 60 for s in starts) - into_minute
        self.kick(p.name, now + max(wait, 1.0))

    def _start(self, job: Job, port: Port, now: float) -> None:
        self.server.start_job(job, port.name, now)
        act = Activity(self, job, port)
        self.active[port.name.lower()] = act
        cost = next(
            (v for k, v in self.config.render_cost.items() if k.upper() == job.datatype.upper()),
            0.0,
        )
        link = self._link_for(port)
        pages = max(job.total_pages, 1)
        if cost > 0:
            self.server.log.add(now, "job.rendering", job.subject, seconds=cost * pages)
            self.loop.call_at(now + cost * pages, partial(_begin, link, act))
        else:
            link.start(act, now)

    # -- what activities report --------------------------------------------------------------------

    def release(self, act: Activity, now: float, *, sent: bool, ejected: bool) -> None:
        """The port is free again; a job sent to the device is printed (and maybe complete)."""
        self._job_retry.pop(act.job.job_id, None)
        if sent and act.holds_job():
            self.server.job_sent(act.job, now)
            if ejected and act.job.live and act.job.phase is Phase.PRINTED:
                self.server.job_ejected(act.job, now)
        self._free(act, now)

    def _free(self, act: Activity, now: float, retry_at: float | None = None) -> None:
        """End ``act``; the printers on its port may start something now (or at ``retry_at``)."""
        act.done = True
        port_key = act.port.name.lower()
        if self.active.get(port_key) is act:
            del self.active[port_key]
        for p in self.server.printers_on(port_key):
            self.kick(p.name, now)  # another port of a pool may be free
            if retry_at is not None:
                self.kick(p.name, retry_at)

    def reached(self, act: Activity) -> None:
        """The link reached the device: the port's failures are forgotten."""
        self._health.pop(act.port.name.lower(), None)

    def port_error(self, act: Activity, now: float, reason: str) -> None:
        port, job, port_key = act.port, act.job, act.port.name.lower()
        health = self._health.setdefault(port_key, _PortHealth())
        health.failures += 1
        p = self.server.printers.get(job.printer_name.lower())
        cap = (p.transmission_retry_timeout / 1000.0) if p is not None else 45.0
        delay = min(self.config.retry_first * 2 ** (health.failures - 1), max(cap, 1.0))
        health.retry_at = now + delay
        self.server.port_observed(
            port,
            now,
            bits=UNREACHABLE.printer,
            status=PortStatus.OFFLINE,
            severity=PortSeverity.ERROR,
            text=reason,
        )
        self.server.log.add(
            now, "port.error", port.name, reason=reason, retry_in=delay, failures=health.failures
        )
        if act.holds_job() and job.phase is Phase.DELETING:
            self.server.job_sent(job, now)  # cancelled while printing: the failed port lets go
        elif act.holds_job():
            self.server.job_failed(job, now, status=JobStatus.ERROR | JobStatus.OFFLINE)
            # The RestartJobOnPoolError clock runs from the job's first failure on this port.
            first = self._job_retry.get(job.job_id)
            if first is not None and first[0] == port_key:
                elsewhere = first[1]
            else:
                elsewhere = math.inf
                settings = self.server.settings
                if p is not None and len(p.ports) > 1 and settings.get("RestartJobOnPoolEnabled"):
                    elsewhere = now + float(settings.get("RestartJobOnPoolError", 600))
                    self.kick(p.name, elsewhere)
            self._job_retry[job.job_id] = (port_key, elsewhere)
        self._free(act, now, health.retry_at)


class Link(Protocol):
    """How a port monitor moves a job to what is behind a port (``links.py``, ``wire.py``)."""

    def start(self, act: Activity, now: float) -> None: ...


def _begin(link: Link, act: Activity, now: float) -> None:
    if not act.done:
        link.start(act, now)
