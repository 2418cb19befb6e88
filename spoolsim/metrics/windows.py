"""The printer series under the names Windows' own exporter uses, and the status mappings.

prometheus-community/windows_exporter's printer collector publishes three series per printer from
WMI's Win32_Printer and Win32_PrintJob. spoolsim publishes the same names, types and labels, so
dashboards built for Windows print servers work on a simulated estate unchanged:

* ``windows_printer_status{printer,status}`` (gauge): one series for each Win32_Printer
  ``PrinterStatus`` value name, 1 for the printer's current one and 0 for the other six.
* ``windows_printer_job_count{printer}`` (counter, with no ``_total`` suffix, as the exporter
  writes it): the printer's job counter, Win32_Printer ``JobCountSinceLastReset``.
* ``windows_printer_job_status{printer,status}`` (gauge): the printer's current jobs counted by
  Win32_PrintJob ``Status``, a CIM_ManagedSystemElement status string.

WMI derives both status values from the spooler's PRINTER_STATUS and JOB_STATUS bits; the
mappings below are ours (the derivation is not published) and are documented in
``scenarios/monitoring/README.md``. Each walks its rows in order and takes the first whose bits
are present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import Metric

from spoolsim.model.constants import JobStatus, PrinterStatus
from spoolsim.model.jobs import Phase
from spoolsim.model.server import PrintServer

S, J = PrinterStatus, JobStatus

# Win32_Printer.PrinterStatus values 1-7 and their names, in value order.
PRINTER_STATUS_VALUES: dict[int, str] = {
    1: "Other",
    2: "Unknown",
    3: "Idle",
    4: "Printing",
    5: "Warmup",
    6: "Stopped Printing",
    7: "Offline",
}

# PRINTER_STATUS bits -> PrinterStatus value; the first row whose bits the printer shows wins.
PRINTER_STATUS_MAP: tuple[tuple[PrinterStatus, int], ...] = (
    (S.OFFLINE | S.SERVER_OFFLINE | S.NOT_AVAILABLE, 7),
    (S.SERVER_UNKNOWN, 2),
    (
        S.PAUSED | S.ERROR | S.PAPER_JAM | S.PAPER_OUT | S.PAPER_PROBLEM | S.MANUAL_FEED
        | S.OUTPUT_BIN_FULL | S.NO_TONER | S.PAGE_PUNT | S.USER_INTERVENTION | S.OUT_OF_MEMORY
        | S.DOOR_OPEN,
        6,
    ),
    (S.DRIVER_UPDATE_NEEDED, 1),
    (S.WARMING_UP | S.INITIALIZING, 5),
    (S.PRINTING | S.PROCESSING | S.BUSY | S.IO_ACTIVE, 4),
)  # fmt: skip
IDLE = 3
PRINTING = 4

# JOB_STATUS bits -> Win32_PrintJob.Status; the first row whose bits the job shows wins.
JOB_STATUS_MAP: tuple[tuple[JobStatus, str], ...] = (
    (J.DELETING | J.DELETED, "Stopping"),
    (J.ERROR | J.PAPEROUT | J.USER_INTERVENTION | J.BLOCKED_DEVQ, "Error"),
    (J.OFFLINE, "No Contact"),
    (J.SPOOLING, "Starting"),
)
JOB_STATUS_OK = "OK"
# Every Status string the map can give: each printer gets a series for each (0 when no job has it).
JOB_STATUS_STRINGS: tuple[str, ...] = (JOB_STATUS_OK, *(name for _, name in JOB_STATUS_MAP))

_PRINTER_ROWS = tuple((int(bits), value) for bits, value in PRINTER_STATUS_MAP)
_JOB_ROWS = tuple((int(bits), name) for bits, name in JOB_STATUS_MAP)
_STATUS_NAMES = tuple(PRINTER_STATUS_VALUES.items())


def win32_printer_status(bits: int, *, printing: bool = False) -> int:
    """Win32_Printer.PrinterStatus (1-7) for a printer showing PRINTER_STATUS ``bits``.

    Args:
        bits: the printer's status with its devices' (``Printer.full_status``).
        printing: one of its jobs holds a port; makes an otherwise idle printer "Printing" (a
            port without bidi never reports PRINTER_STATUS_PRINTING).
    """
    for mask, value in _PRINTER_ROWS:
        if bits & mask:
            return value
    return PRINTING if printing else IDLE


def win32_job_status(bits: int) -> str:
    """Win32_PrintJob.Status for a job showing JOB_STATUS ``bits`` (``Job.status``)."""
    for mask, name in _JOB_ROWS:
        if bits & mask:
            return name
    return JOB_STATUS_OK


# Families whose exposition must keep the sample name (no ``_total``) in HELP and TYPE.
RAW_COUNTERS = ("windows_printer_job_count",)


def windows_families(servers: Iterable[tuple[PrintServer, str]]) -> Iterator[Metric]:
    """The three windows_printer_* families for ``servers``, read from the model now.

    Args:
        servers: ``(server, prefix)`` pairs; a printer's label is ``prefix + name`` (the prefix
            is empty with one server, ``\\\\SERVER\\`` with several).
    """
    status = Metric("windows_printer_status", "Printer status", "gauge")
    job_count = Metric(
        "windows_printer_job_count",
        "Number of jobs processed by the printer since the last reset",
        "counter",
    )
    job_status = Metric(
        "windows_printer_job_status", "A counter of printer jobs by status", "gauge"
    )
    for server, prefix in servers:
        counts: dict[str, dict[str, int]] = {}
        printing: set[str] = set()
        for job in server.jobs.values():
            key = job.printer_name.lower()
            by_status = counts.get(key)
            if by_status is None:
                by_status = counts[key] = dict.fromkeys(JOB_STATUS_STRINGS, 0)
            by_status[win32_job_status(job.status)] += 1
            if job.phase is Phase.PRINTING:
                printing.add(key)
        for key, printer in server.printers.items():
            label = prefix + printer.name
            current = win32_printer_status(printer.full_status, printing=key in printing)
            for value, name in _STATUS_NAMES:
                status.add_sample(
                    "windows_printer_status",
                    {"printer": label, "status": name},
                    1.0 if value == current else 0.0,
                )
            job_count.add_sample(
                "windows_printer_job_count", {"printer": label}, float(printer.total_jobs)
            )
            by_status = counts.get(key) or dict.fromkeys(JOB_STATUS_STRINGS, 0)
            for name, count in by_status.items():
                job_status.add_sample(
                    "windows_printer_job_status",
                    {"printer": label, "status": name},
                    float(count),
                )
    yield from (status, job_count, job_status)
