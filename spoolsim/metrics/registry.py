"""Prometheus metrics of one simulation, on a registry of their own.

Theory of operation
-------------------
:class:`SimMetrics` owns a ``prometheus_client.CollectorRegistry`` (never the process-wide
default, so two simulations in one process do not collide) and is itself the registry's only
collector. It learns in two ways:

* **Events.** :meth:`SimMetrics.attach` adds a listener to the server's event log. The listener
  runs on every event of runs that have millions, so it does as little as it can: one dict
  lookup on the event kind picks a handler (most kinds have none), and a handler adds to plain
  numbers in a per-printer :class:`_PrinterCounts` found by printer name, created once. No
  prometheus_client object, label lookup or lock is touched per event (performance.md measured
  ``.labels()`` per event at three times the cost of a cached child; plain numbers are cheaper
  still), and nothing depends on the wall clock, so the same run gives the same exposition.
* **State.** At scrape time, :meth:`SimMetrics.collect` turns those numbers into metric families
  and reads queue depth, printer and device status, supplies and the windows_printer_* series
  from the model.

What each event adds (subjects: ``Printer/17`` for jobs):

==================  =========================================================================
event               effect
==================  =========================================================================
job.submitted       jobs submitted + 1
job.spooled         bytes spooled + size; the spool time is kept for the job
job.started         the first start observes wait = start - spool time (retries do not)
job.page            pages printed + 1
job.printed         jobs completed + 1; turnaround = now - job.submitted; pages printed + the
                    pages no job.page reported (ports without page reports)
job.deleted         jobs failed + 1 unless the job had printed (a kept printed job deleted);
                    the job's kept spool time and page count are dropped
job.completed       the job's kept spool time and page count are dropped
client.rejected     jobs rejected + 1 (subject: the printer)
port.error          port errors + 1 (subject: the port)
rpc.call            calls + 1 by (method, status)
==================  =========================================================================

A job counts as completed when it has printed (``job.printed``), so printers that keep printed
jobs count theirs too; for the others ``job.completed`` follows at the same instant. A job
counts as failed when it leaves without printing. These are the run report's definitions
(``spoolsim.scenario.report``), so the two agree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import attrs
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from spoolsim.metrics.browsing import BrowseWatch
from spoolsim.metrics.histogram import Histogram
from spoolsim.metrics.state import state_families
from spoolsim.metrics.windows import RAW_COUNTERS, windows_families
from spoolsim.model.browsedomain import BrowseDomain
from spoolsim.model.constants import Win32
from spoolsim.model.server import PrintServer

# Wait and turnaround bounds in simulated seconds: from a job that starts at once to one that
# waits out a long jam or a printer paused over lunch.
DEFAULT_BUCKETS: tuple[float, ...] = (
    1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400,
)  # fmt: skip

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Listener = Callable[[float, str, str, dict[str, object]], None]


@attrs.define
class _PrinterCounts:
    wait: Histogram
    turnaround: Histogram
    submitted: int = 0
    completed: int = 0
    failed: int = 0
    rejected: int = 0
    pages: int = 0
    bytes: int = 0


class _Watch:
    """What the listener of one server keeps."""

    def __init__(self, server: PrintServer, buckets: tuple[float, ...]) -> None:
        self.server = server
        self.buckets = buckets
        self.printers: dict[str, _PrinterCounts] = {}
        self.port_errors: dict[str, int] = {}
        self.rpc: dict[tuple[str, object], int] = {}
        self.spooled: dict[str, float] = {}  # job subject -> when it finished spooling
        self.pages_seen: dict[str, int] = {}  # job subject -> last page reported
        self.last_time = 0.0
        self.dispatch: dict[str, Callable[[float, str, dict[str, object]], None]] = {
            "job.submitted": self.submitted,
            "job.spooled": self.spooled_,
            "job.started": self.started,
            "job.page": self.page,
            "job.printed": self.printed,
            "job.completed": self.retired,
            "job.deleted": self.deleted,
            "client.rejected": self.rejected,
            "port.error": self.port_error,
            "rpc.call": self.rpc_call,
        }
        self.listener = self._make_listener()

    def _make_listener(self) -> Listener:
        handlers = self.dispatch.get
        watch = self

        def listener(time: float, kind: str, subject: str, data: dict[str, object]) -> None:
            watch.last_time = time
            handler = handlers(kind)
            if handler is not None:
                handler(time, subject, data)

        return listener

    def counts(self, printer: str) -> _PrinterCounts:
        c = self.printers.get(printer)
        if c is None:
            c = self.printers[printer] = _PrinterCounts(
                Histogram(self.buckets), Histogram(self.buckets)
            )
        return c

    # -- handlers: (time, subject, data) ---------------------------------------------------------

    def submitted(self, time: float, subject: str, data: dict[str, object]) -> None:
        self.counts(subject.rpartition("/")[0]).submitted += 1

    def spooled_(self, time: float, subject: str, data: dict[str, object]) -> None:
        self.counts(subject.rpartition("/")[0]).bytes += data.get("size", 0)
        self.spooled[subject] = time

    def started(self, time: float, subject: str, data: dict[str, object]) -> None:
        spooled = self.spooled.pop(subject, None)
        if spooled is not None:
            self.counts(subject.rpartition("/")[0]).wait.observe(time - spooled)

    def page(self, time: float, subject: str, data: dict[str, object]) -> None:
        c = self.printers.get(subject.rpartition("/")[0])
        if c is None:
            c = self.counts(subject.rpartition("/")[0])
        c.pages += 1
        self.pages_seen[subject] = data.get("page", 0)

    def printed(self, time: float, subject: str, data: dict[str, object]) -> None:
        printer, _, job_id = subject.rpartition("/")
        c = self.counts(printer)
        c.completed += 1
        missing = data.get("pages", 0) - self.pages_seen.pop(subject, 0)
        if missing > 0:
            c.pages += missing
        job = self.server.jobs.get(int(job_id)) if job_id.isdigit() else None
        if job is not None:
            c.turnaround.observe(time - job.submitted)

    def deleted(self, time: float, subject: str, data: dict[str, object]) -> None:
        printer, _, job_id = subject.rpartition("/")
        job = self.server.jobs.get(int(job_id)) if job_id.isdigit() else None
        if job is None or job.finished is None:  # it never printed
            self.counts(printer).failed += 1
        self.retired(time, subject, data)

    def retired(self, time: float, subject: str, data: dict[str, object]) -> None:
        self.spooled.pop(subject, None)
        self.pages_seen.pop(subject, None)

    def rejected(self, time: float, subject: str, data: dict[str, object]) -> None:
        self.counts(subject).rejected += 1

    def port_error(self, time: float, subject: str, data: dict[str, object]) -> None:
        self.port_errors[subject] = self.port_errors.get(subject, 0) + 1

    def rpc_call(self, time: float, subject: str, data: dict[str, object]) -> None:
        key = (subject, data.get("status", 0))
        self.rpc[key] = self.rpc.get(key, 0) + 1


@functools.lru_cache(maxsize=1024)
def status_label(status: object) -> str:
    """An RPC status as a label: the Win32 name, else the HRESULT in hex, else as given."""
    if isinstance(status, int):
        try:
            return Win32(status).name
        except ValueError:
            return f"0x{status & 0xFFFFFFFF:08X}" if status < 0 or status > 0xFFFF else str(status)
    return str(status)


class SimMetrics:
    """The Prometheus metrics of one simulation.

    Args:
        buckets: histogram bounds (simulated seconds) for wait and turnaround.
        clock: read at scrape time for ``spoolsim_simulated_seconds`` (e.g. ``trio.current_time``
            in a live run); None uses :meth:`set_time` or the time of the latest event.

    Attributes:
        registry: the collector registry, holding this object as its one collector.
    """

    def __init__(
        self,
        *,
        buckets: tuple[float, ...] = DEFAULT_BUCKETS,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if list(buckets) != sorted(set(buckets)) or not buckets:
            raise ValueError("buckets must be distinct and increasing")
        self.buckets = tuple(float(b) for b in buckets)
        self._les = (*(floatToGoString(b) for b in self.buckets), "+Inf")
        self._clock = clock
        self._time: float | None = None
        self._watches: dict[int, _Watch] = {}
        self._browse: BrowseWatch | None = None
        self.registry = CollectorRegistry()
        self.registry.register(self)

    # -- wiring ----------------------------------------------------------------------------------

    def attach(self, server: PrintServer) -> None:
        """Count ``server``'s events from now on and read its state at every scrape.

        Raises:
            ValueError: the server is already attached.
        """
        if id(server) in self._watches:
            raise ValueError(f"server {server.name} is already attached")
        watch = _Watch(server, self.buckets)
        self._watches[id(server)] = watch
        server.log.listeners.append(watch.listener)

    def attach_browsing(self, domain: BrowseDomain) -> None:
        """Count print browsing in ``domain`` (``spoolsim.metrics.browsing`` lists the series)."""
        if self._browse is not None:
            self._browse.detach()
        self._browse = BrowseWatch(domain)

    def detach(self, server: PrintServer) -> None:
        """Stop counting ``server``'s events and drop its series."""
        watch = self._watches.pop(id(server))
        server.log.listeners.remove(watch.listener)

    def set_time(self, now: float) -> None:
        """Set ``spoolsim_simulated_seconds`` (without a clock; later events move it on)."""
        self._time = now

    @property
    def now(self) -> float:
        """The simulated time the metrics describe."""
        if self._clock is not None:
            return self._clock()
        latest = max((w.last_time for w in self._watches.values()), default=0.0)
        return latest if self._time is None else max(self._time, latest)

    # -- exposition ------------------------------------------------------------------------------

    def exposition(self) -> bytes:
        """Every series in the Prometheus text format 0.0.4 (:data:`CONTENT_TYPE`)."""
        text = b"\n" + generate_latest(self.registry)
        # prometheus_client names a counter family with _total in HELP and TYPE; the Windows
        # exporter's job counter has no suffix anywhere, so its header must say the sample name.
        for name in RAW_COUNTERS:
            raw = name.encode()
            text = text.replace(b"\n# HELP " + raw + b"_total ", b"\n# HELP " + raw + b" ", 1)
            text = text.replace(b"\n# TYPE " + raw + b"_total ", b"\n# TYPE " + raw + b" ", 1)
        return text[1:]

    def collect(self) -> Iterator[Metric]:
        """The metric families now (the registry's collector protocol)."""
        watches = list(self._watches.values())
        yield GaugeMetricFamily(
            "spoolsim_simulated_seconds", "Simulated time since the start of the run", self.now
        )
        events = CounterMetricFamily(
            "spoolsim_events", "Events in the server's event log", labels=["server"]
        )
        for w in watches:
            events.add_metric([w.server.name], w.server.log.count)
        yield events
        yield from self._job_families(watches)
        yield from state_families(w.server for w in watches)
        yield from self._port_and_rpc_families(watches)
        prefix = len(watches) > 1
        yield from windows_families(
            (w.server, f"\\\\{w.server.name}\\" if prefix else "") for w in watches
        )
        if self._browse is not None:
            yield from self._browse.families(self.now)

    def _job_families(self, watches: list[_Watch]) -> Iterator[Metric]:
        labels = ["server", "printer"]
        counters = {
            "submitted": CounterMetricFamily(
                "spoolsim_jobs_submitted", "Jobs created on the printer", labels=labels
            ),
            "completed": CounterMetricFamily(
                "spoolsim_jobs_completed", "Jobs the printer printed to the end", labels=labels
            ),
            "failed": CounterMetricFamily(
                "spoolsim_jobs_failed",
                "Jobs that left the queue without printing (cancelled, aborted, purged)",
                labels=labels,
            ),
            "rejected": CounterMetricFamily(
                "spoolsim_jobs_rejected", "Jobs a client could not submit", labels=labels
            ),
            "pages": CounterMetricFamily("spoolsim_pages_printed", "Pages printed", labels=labels),
            "bytes": CounterMetricFamily(
                "spoolsim_bytes_spooled", "Bytes of job data spooled", labels=labels
            ),
        }
        wait = HistogramMetricFamily(
            "spoolsim_job_wait_seconds",
            "Simulated seconds from the end of spooling to the start of printing",
            labels=labels,
        )
        turnaround = HistogramMetricFamily(
            "spoolsim_job_turnaround_seconds",
            "Simulated seconds from submission to the end of printing",
            labels=labels,
        )
        les = self._les
        for w in watches:
            for printer in w.server.printers.values():
                w.counts(printer.name)  # every printer has its series, zero or not
            for name, c in w.printers.items():
                values = [w.server.name, name]
                for field, family in counters.items():
                    family.add_metric(values, getattr(c, field))
                wait.add_metric(values, c.wait.buckets(les), c.wait.total)
                turnaround.add_metric(values, c.turnaround.buckets(les), c.turnaround.total)
        yield from counters.values()
        yield from (wait, turnaround)

    def _port_and_rpc_families(self, watches: list[_Watch]) -> Iterator[Metric]:
        errors = CounterMetricFamily(
            "spoolsim_port_errors",
            "Port errors: a device that could not be reached or broke the connection",
            labels=["server", "port"],
        )
        calls = CounterMetricFamily(
            "spoolsim_rpc_calls",
            "Method calls by method name and returned status",
            labels=["server", "method", "status"],
        )
        for w in watches:
            for port, count in w.port_errors.items():
                errors.add_metric([w.server.name, port], count)
            for (method, status), count in w.rpc.items():
                calls.add_metric([w.server.name, method, status_label(status)], count)
        yield from (errors, calls)
