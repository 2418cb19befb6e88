"""Links: how a port monitor moves a job to what is behind the port.

* :class:`LocalLink` — the Local Port monitor: a file (``FILE:``, or a port named by a path) or a
  sink (``NUL:``, and ``LPTn:``/``COMn:`` with nothing attached). Written at once; no bidi.
* :class:`DirectLink` — a Standard TCP/IP port in the direct path: the engine of the device at
  the port's address is called in the deadline loop, no bytes at all.
* ``wire.py`` — the same port over PJL or LPR bytes on a stream.

Every link reports through the job's :class:`~spoolsim.runtime.monitor.Activity`.
"""

from __future__ import annotations

import pathlib
from functools import partial
from typing import TYPE_CHECKING

from devices.engine import EngineEvent
from devices.printer import STATUS_KINDS, VirtualPrinter
from spoolsim.model.jobs import Job
from spoolsim.model.ports import LPR
from spoolsim.runtime.loop import DeadlineLoop
from spoolsim.runtime.monitor import Activity, job_pages

if TYPE_CHECKING:
    from spoolsim.runtime.network import VirtualNetwork


def job_bytes(job: Job) -> bytes:
    """The job's spooled data; a job made without data (by a scenario) gets synthetic pages of
    its size, each ended by a form feed, so a device counts the pages the job claims."""
    if job.data:
        return bytes(job.data)
    pages = max(job.total_pages, 1)
    per_page = max(job.size // pages, 1)
    return (b"x" * (per_page - 1) + b"\f") * pages


class LocalLink:
    """Local Port: write the job to a file under ``output_dir`` (when set), or discard it."""

    def __init__(self, output_dir: pathlib.Path | None) -> None:
        self.output_dir = output_dir

    def target(self, act: Activity) -> str | None:
        """The file a job goes to (a Windows path), or None for a sink."""
        name = act.port.name
        if name.upper() == "FILE:":
            return act.job.output_file or f"FILE-{act.job.job_id}.prn"
        if name.upper() in ("NUL:", "NUL") or name.upper().rstrip(":")[:3] in ("LPT", "COM"):
            return None
        return name

    def start(self, act: Activity, now: float) -> None:
        target = self.target(act)
        data = job_bytes(act.job)
        written = None
        if target is not None and self.output_dir is not None:
            path = self.output_dir / pathlib.PureWindowsPath(target).name
            with path.open("ab") as f:
                f.write(data)
            written = str(path)
        act.spooler.server.log.add(
            now, "port.wrote", act.port.name, bytes=len(data), file=written or target or ""
        )
        act.finished(now, job_pages(act.job), ejected=False)


class DirectDevice:
    """A virtual printer's engine driven from the deadline loop (the direct path).

    The engine is armed only while a job of ours is on it (watched by its activity, or sent
    without bidi); between jobs it catches up when next used, which is what a wire monitor sees
    too (it is not listening between jobs). Operator actions reach us through its listeners.
    """

    def __init__(self, printer: VirtualPrinter, loop: DeadlineLoop) -> None:
        self.printer = printer
        self._loop = loop
        self._jobs: dict[int, Activity] = {}
        self._unwatched: set[int] = set()  # jobs the device prints with nobody listening
        self._armed: float | None = None
        self.coarse = False  # wake at quiet_until, not every page (no page events wanted)
        printer.listeners.append(self._on_events)

    def submit(self, act: Activity, now: float) -> None:
        tcp = act.port.tcp
        bidi = tcp is None or (tcp.bidi and tcp.protocol != LPR)
        self.printer.catch_up(now)
        if bidi:
            self._report(act, now)
            act.spooler.reached(act)
        device_job = self.printer.submit(act.job.document, job_pages(act.job), now=now)
        if bidi:
            self._jobs[device_job] = act
        else:
            self._unwatched.add(device_job)
            act.taken(now)
        self._arm()

    def _report(self, act: Activity, now: float) -> None:
        """What a bidi monitor reads when it reaches the device: status, supplies, page count."""
        st = self.printer.engine.status()
        act.status(now, st.code, st.alerts)
        act.supplies(self.printer.supplies(), st.page_count)

    def _arm(self) -> None:
        engine = self.printer.engine
        when = engine.next_deadline()
        if self.coarse and when is not None:
            when = max(when, engine.quiet_until() or when)
        busy = self._jobs or self._unwatched
        if when is None or not busy or (self._armed is not None and self._armed <= when):
            return
        self._armed = when
        self._loop.call_at(when, self._tick)

    def _tick(self, now: float) -> None:
        if self._armed != now:
            return  # superseded by an earlier arming
        self._armed = None
        self.printer.catch_up(now)
        self._arm()

    def _on_events(self, events: list[EngineEvent]) -> None:
        st = None
        for event in events:
            if event.kind in STATUS_KINDS:
                st = st or self.printer.engine.status()
                for act in list(self._jobs.values()):
                    act.status(event.time, st.code, st.alerts)
            elif event.kind == "page" and event.job in self._jobs:
                self._jobs[event.job].page(event.time, event.page or 0)
            elif event.kind == "job_end" and event.job in self._unwatched:
                self._unwatched.discard(event.job)
            elif event.kind == "job_end" and event.job in self._jobs:
                act = self._jobs.pop(event.job)
                act.finished(event.time, event.pages)
                act.supplies(self.printer.supplies(), self.printer.engine.status().page_count)
        self._arm()


class DirectLink:
    """A Standard TCP/IP port reaching its device's engine directly."""

    def __init__(
        self, network: VirtualNetwork, connect_timeout: float, *, coarse: bool = False
    ) -> None:
        self.network = network
        self.connect_timeout = connect_timeout
        self.coarse = coarse

    def start(self, act: Activity, now: float) -> None:
        tcp = act.port.tcp
        assert tcp is not None
        device = self.network.direct_device(tcp.host, tcp.port_number)
        if device is None:
            act.spooler.loop.call_at(
                now + self.connect_timeout, partial(act.failed, reason="device did not answer")
            )
            return
        device.coarse = self.coarse
        device.submit(act, now)
