"""Jobs and their life cycle.

Theory of operation
-------------------
A job's life is a *phase* plus *modifier* bits. The phase says where the job is; the modifiers say
what is wrong with it or what a user did to it. ``JOB_INFO_n.Status`` is computed from both.

Phases and the events that move between them (``TRANSITIONS``; anything not in the table is
refused with ERROR_INVALID_PRINTER_STATE by the caller):

==========  ======================  ==========  ===============================================
from        event                   to          what causes it
==========  ======================  ==========  ===============================================
SPOOLING    end_doc                 QUEUED      EndDocPrinter (or ClosePrinter mid-document)
SPOOLING    abort                   GONE        AbortPrinter
SPOOLING    delete                  DELETING    SetJob CANCEL/DELETE while data still arrives;
                                                further WritePrinter gets ERROR_PRINT_CANCELLED
QUEUED      start                   PRINTING    the scheduler hands the job to a port
QUEUED      delete                  GONE        SetJob CANCEL/DELETE, purge
QUEUED      restart                 QUEUED      SetJob RESTART (sets RESTART, clears errors)
PRINTING    sent                    PRINTED     the port monitor sent the last byte
                                                (JOB_CONTROL_SENT_TO_PRINTER)
PRINTING    delete                  DELETING    cancel while the port holds the job
PRINTING    restart                 QUEUED      SetJob RESTART: the port lets go, printing
                                                starts over from page one
PRINTING    fail                    QUEUED      a port error: the job keeps ERROR and waits for
                                                a retry (RestartJobOnPoolError)
PRINTED     ejected                 PRINTED     JOB_CONTROL_LAST_PAGE_EJECTED sets COMPLETE
PRINTED     retire                  GONE        the spooler deletes a printed job unless the
                                                printer keeps printed jobs
PRINTED     delete                  GONE        a kept printed job deleted by a user
PRINTED     restart                 QUEUED      a kept printed job printed again
DELETING    end_doc, abort, retire  GONE        the last holder (writer or port) let go
DELETING    delete                  DELETING    deleting twice is harmless
==========  ======================  ==========  ===============================================

Pause and resume set and clear the PAUSED modifier in every phase but GONE; a paused job is never
scheduled. Position is the 1-based index in the printer's queue; scheduling picks the highest
priority, then the lowest position, among QUEUED jobs that are not paused.

What of a job outlives the spooler service (its spool and shadow files), and how it comes back
when the service starts again, is in ``spooldir.py``.
"""

from __future__ import annotations

import enum

import attrs

from spoolsim.model.constants import DEF_PRIORITY, JobStatus


class Phase(enum.Enum):
    SPOOLING = "spooling"
    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    DELETING = "deleting"
    GONE = "gone"


S, Q, P, D, X, G = (
    Phase.SPOOLING,
    Phase.QUEUED,
    Phase.PRINTING,
    Phase.PRINTED,
    Phase.DELETING,
    Phase.GONE,
)

TRANSITIONS: dict[tuple[Phase, str], Phase] = {
    (S, "end_doc"): Q,
    (S, "abort"): G,
    (S, "delete"): X,
    (Q, "start"): P,
    (Q, "delete"): G,
    (Q, "restart"): Q,
    (P, "sent"): D,
    (P, "delete"): X,
    (P, "restart"): Q,
    (P, "fail"): Q,
    (D, "ejected"): D,
    (D, "retire"): G,
    (D, "delete"): G,
    (D, "restart"): Q,
    (X, "end_doc"): G,
    (X, "abort"): G,
    (X, "retire"): G,
    (X, "delete"): X,
}

_PHASE_BITS = {
    S: JobStatus.SPOOLING,
    Q: JobStatus.QUEUED,
    P: JobStatus.PRINTING,
    D: JobStatus.PRINTED,
    X: JobStatus.DELETING,
    G: JobStatus.DELETED,
}

# Modifier bits a job can carry on top of its phase.
MODIFIERS = (
    JobStatus.PAUSED
    | JobStatus.ERROR
    | JobStatus.OFFLINE
    | JobStatus.PAPEROUT
    | JobStatus.BLOCKED_DEVQ
    | JobStatus.USER_INTERVENTION
    | JobStatus.RESTART
    | JobStatus.COMPLETE
)


@attrs.define(eq=False)
class Job:
    """One print job. Entities are mutated only by :class:`spoolsim.model.server.PrintServer`."""

    job_id: int
    printer_name: str
    document: str
    datatype: str
    user: str
    machine: str
    submitted: float
    print_processor: str
    driver_name: str
    notify_name: str = ""
    output_file: str | None = None
    parameters: str = ""
    status_text: str | None = None
    priority: int = DEF_PRIORITY
    phase: Phase = Phase.SPOOLING
    modifiers: JobStatus = JobStatus.QUEUED
    size: int = 0
    total_pages: int = 0
    pages_printed: int = 0
    bytes_printed: int = 0
    start_time: int = 0
    until_time: int = 0
    port: str | None = None
    started: float | None = None
    finished: float | None = None
    attempts: int = 0
    # dwReboots: print starts not yet ended, for a job that is not RAW (spooldir.py).
    reboots: int = 0
    devmode: bytes | None = None
    data: bytearray = attrs.Factory(bytearray)
    # Job Named Properties (MS-RPRN 3.1.1) by lower-cased name; the values are opaque here.
    properties: dict[str, object] = attrs.Factory(dict)

    @property
    def status(self) -> JobStatus:
        bits = _PHASE_BITS[self.phase] | self.modifiers
        if self.phase is Phase.DELETING and self.port is not None:
            bits |= JobStatus.PRINTING
        return JobStatus(bits)

    @property
    def subject(self) -> str:
        """How the event log names the job: ``Printer/7``."""
        return f"{self.printer_name}/{self.job_id}"

    @property
    def live(self) -> bool:
        return self.phase is not Phase.GONE

    def elapsed_ms(self, now: float) -> int:
        """JOB_INFO_2.Time: milliseconds since printing began (0 before)."""
        if self.started is None:
            return 0
        end = self.finished if self.finished is not None else now
        return int((end - self.started) * 1000)


def next_phase(phase: Phase, event: str) -> Phase | None:
    """The phase ``event`` leads to from ``phase``, or None when the table forbids it."""
    return TRANSITIONS.get((phase, event))
