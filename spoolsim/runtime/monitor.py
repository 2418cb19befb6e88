"""What a port monitor does with what it learns, the same for the wire and the direct path.

A *link* (``links.py``) moves a job to a device and hears back from it: over PJL and LPR bytes on a
stream (wire path) or by calling the print engine (direct path). Whatever the link, it reports in
the same few terms, and :class:`Activity` turns them into model changes: the device's status code
(printer, port and job status bits), a page out, the job's end, a port error. Because both paths
report through this one class at the same simulated instants, they leave the same event log.

Rules a link follows: it reports the device's status when it first reaches the device and on
every change; it stops listening at the job's end (news of the same instant after the end is not
applied, on either path); a port error ends the attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from devices.pages import count_pages
from spoolsim.model.constants import PrinterStatus
from spoolsim.model.jobs import Job, Phase
from spoolsim.model.ports import Port
from spoolsim.model.server import PrintServer
from spoolsim.runtime.status import device_state

if TYPE_CHECKING:
    from spoolsim.runtime.spooler import Spooler

# Printer bits a device alert (a second status code beside the main one) can add.
ALERT_BITS = PrinterStatus.TONER_LOW
# Bits that describe the device working on a job; dropped when the job ends.
BUSY_BITS = PrinterStatus.PRINTING | PrinterStatus.WARMING_UP | PrinterStatus.BUSY


def job_pages(job: Job) -> int:
    """Pages a device will count in the job's data (``links.job_bytes``), without building it."""
    return count_pages(job.data) if job.data else max(job.total_pages, 1)


@attrs.define(eq=False)
class Activity:
    """One attempt to print ``job`` through ``port``."""

    spooler: Spooler
    job: Job
    port: Port
    pages: int = 0
    done: bool = False
    stop: Callable[[], None] | None = None  # how the link's own task is stopped early

    @property
    def server(self) -> PrintServer:
        return self.spooler.server

    def holds_job(self) -> bool:
        job = self.job
        return not self.done and job.live and job.port == self.port.name

    # -- reports from a link -----------------------------------------------------------------------

    def status(self, now: float, code: int | None, alerts: tuple[int, ...] = ()) -> None:
        """The device's status code (and alert codes) as of ``now``."""
        if self.done:
            return
        state = device_state(code)
        bits = state.printer
        for alert in alerts:
            bits |= device_state(alert).printer & ALERT_BITS
        self.server.port_observed(
            self.port, now, bits=bits, status=state.port, severity=state.severity, code=code
        )
        if self.holds_job():
            self.server.set_job_device_status(self.job, state.job, now)

    def supplies(self, levels: dict[str, int], page_count: int | None) -> None:
        """Consumable levels in percent and the device's lifetime page count (kept for bidi)."""
        self.port.supplies = dict(levels)
        if page_count is not None:
            self.port.page_count = page_count

    def page(self, now: float, number: int) -> None:
        """The device delivered the job's ``number``-th page."""
        if not self.holds_job() or number <= self.pages:
            return
        self.pages = number
        self.server.job_progress(self.job, pages=number, nbytes=self.job.size)
        if self.spooler.config.page_events:
            self.server.log.add(now, "job.page", self.job.subject, page=number)

    def finished(self, now: float, pages: int | None = None, *, ejected: bool = True) -> None:
        """The device finished the job (``ejected``), or, without bidi, took all of it."""
        if self.done:
            return
        if pages is not None and pages > self.pages and self.holds_job():
            self.server.job_progress(self.job, pages=pages, nbytes=self.job.size)
        port = self.port
        idle = PrinterStatus(port.device_bits & ~BUSY_BITS)
        if idle != port.device_bits:
            self.server.port_observed(
                port,
                now,
                bits=idle,
                status=port.status,
                severity=port.severity,
                code=port.device_code,
            )
        self.spooler.release(self, now, sent=True, ejected=ejected)

    def taken(self, now: float) -> None:
        """The device took the whole job and nothing will say more (LPR, RAW without bidi)."""
        self.spooler.reached(self)
        self.finished(now, job_pages(self.job), ejected=False)

    def failed(self, now: float, reason: str) -> None:
        """The port could not reach the device (or it stopped answering)."""
        if not self.done:
            self.spooler.port_error(self, now, reason)

    def let_go(self, now: float) -> None:
        """The job was deleted or restarted while printing: stop, and free the port."""
        if self.done:
            return
        if self.stop is not None:
            self.stop()  # the wire task hangs up; the device keeps what it already has
        if self.job.phase is Phase.DELETING and self.job.port == self.port.name:
            self.server.job_sent(self.job, now)  # the last holder lets go: the job is deleted
        self.spooler.release(self, now, sent=False, ejected=False)
