"""What the print server's Internet Printing web site shows and does, as plain functions.

Theory of operation
-------------------
Windows serves its print queues on the web at ``http://server/printers/``: a list of the shared
printers, one page per printer with its properties and documents, and buttons that pause, resume
and cancel. Here those pages are read and changed only through the MS-PAR method surface, as the
logged-in person (a :class:`~spoolsim.rpc.Client` bound to their principal), so the spooler's
access checks decide what they may see and do, exactly as for any other client:

- :func:`printers_view` is one ``RpcAsyncEnumPrinters`` (PRINTER_ENUM_LOCAL | PRINTER_ENUM_SHARED,
  PRINTER_INFO_2) made with the buffer contract;
- :func:`printer_view` opens the printer for PRINTER_ACCESS_USE, reads PRINTER_INFO_2 and every
  job as JOB_INFO_2, and closes it;
- :func:`act` opens the printer with the access the action needs and makes one
  ``RpcAsyncSetPrinter`` (PRINTER_CONTROL_PAUSE / RESUME / PURGE) or ``RpcAsyncSetJob`` call.

The web site addresses printers by share name, so a page names only a shared printer: a printer
that is not shared is "not found" here (ERROR_INVALID_PRINTER_NAME), as it is on Windows' site.

Every outcome is a value carrying the Win32 code of the first call that failed (0 when all went
well) and a sentence for a person; nothing raises. The HTML pages that show these values are
rendered in :mod:`spoolsim.net.html` and re-exported here (:func:`render_printers`,
:func:`render_printer`); the HTTP glue (routes, authentication, forms) calls them.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from spoolsim.model.constants import (
    Access,
    JobControl,
    JobStatus,
    PrinterAttributes,
    PrinterControl,
    PrinterEnum,
    PrinterStatus,
    Win32,
)
from spoolsim.model.printers import printer_name_ok
from spoolsim.net.html import render_printer, render_printers
from spoolsim.rpc.client import Client
from spoolsim.rpc.core import Container

__all__ = [
    "ACTIONS",
    "ConnectShown",
    "JobRow",
    "Outcome",
    "PrinterDetail",
    "PrinterRow",
    "View",
    "act",
    "code_name",
    "job_status_text",
    "printer_status_text",
    "printer_url",
    "printer_view",
    "printers_view",
    "render_printer",
    "render_printers",
    "to_json",
]

ALL_JOBS = 0xFFFFFFFF  # EnumJobs NoJobs: every job from FirstJob on
MAX_DWORD = 0xFFFFFFFF

# PRINTER_STATUS_* bits as Windows' queue windows word them, most telling first.
PRINTER_STATUS_WORDS: tuple[tuple[PrinterStatus, str], ...] = (
    (PrinterStatus.PENDING_DELETION, "Deleting"),
    (PrinterStatus.PAUSED, "Paused"),
    (PrinterStatus.ERROR, "Error"),
    (PrinterStatus.OFFLINE, "Offline"),
    (PrinterStatus.SERVER_OFFLINE, "Server Offline"),
    (PrinterStatus.SERVER_UNKNOWN, "Server Unknown"),
    (PrinterStatus.NOT_AVAILABLE, "Not Available"),
    (PrinterStatus.PAPER_JAM, "Paper Jam"),
    (PrinterStatus.PAPER_OUT, "Paper Out"),
    (PrinterStatus.PAPER_PROBLEM, "Paper Problem"),
    (PrinterStatus.MANUAL_FEED, "Manual Feed"),
    (PrinterStatus.DOOR_OPEN, "Door Open"),
    (PrinterStatus.NO_TONER, "No Toner"),
    (PrinterStatus.TONER_LOW, "Toner Low"),
    (PrinterStatus.OUTPUT_BIN_FULL, "Output Bin Full"),
    (PrinterStatus.PAGE_PUNT, "Page Punt"),
    (PrinterStatus.OUT_OF_MEMORY, "Out of Memory"),
    (PrinterStatus.USER_INTERVENTION, "User Intervention"),
    (PrinterStatus.DRIVER_UPDATE_NEEDED, "Driver Update Needed"),
    (PrinterStatus.PRINTING, "Printing"),
    (PrinterStatus.PROCESSING, "Processing"),
    (PrinterStatus.BUSY, "Busy"),
    (PrinterStatus.IO_ACTIVE, "I/O Active"),
    (PrinterStatus.WAITING, "Waiting"),
    (PrinterStatus.INITIALIZING, "Initializing"),
    (PrinterStatus.WARMING_UP, "Warming Up"),
    (PrinterStatus.POWER_SAVE, "Power Save"),
)

# JOB_STATUS_* bits, most telling first ("Deleting, Printing" for a job cancelled mid-print).
JOB_STATUS_WORDS: tuple[tuple[JobStatus, str], ...] = (
    (JobStatus.DELETING, "Deleting"),
    (JobStatus.DELETED, "Deleted"),
    (JobStatus.PAUSED, "Paused"),
    (JobStatus.ERROR, "Error"),
    (JobStatus.OFFLINE, "Offline"),
    (JobStatus.PAPEROUT, "Paper Out"),
    (JobStatus.USER_INTERVENTION, "User Intervention"),
    (JobStatus.BLOCKED_DEVQ, "Blocked"),
    (JobStatus.RESTART, "Restarting"),
    (JobStatus.SPOOLING, "Spooling"),
    (JobStatus.PRINTING, "Printing"),
    (JobStatus.PRINTED, "Printed"),
    (JobStatus.COMPLETE, "Complete"),
    (JobStatus.RETAINED, "Retained"),
    (JobStatus.RENDERING_LOCALLY, "Rendering Locally"),
)

ATTRIBUTE_WORDS: tuple[tuple[PrinterAttributes, str], ...] = (
    (PrinterAttributes.SHARED, "shared"),
    (PrinterAttributes.QUEUED, "queued"),
    (PrinterAttributes.DIRECT, "direct"),
    (PrinterAttributes.DEFAULT, "default"),
    (PrinterAttributes.LOCAL, "local"),
    (PrinterAttributes.NETWORK, "network"),
    (PrinterAttributes.HIDDEN, "hidden"),
    (PrinterAttributes.PUBLISHED, "published"),
    (PrinterAttributes.KEEPPRINTEDJOBS, "keeps printed jobs"),
    (PrinterAttributes.DO_COMPLETE_FIRST, "prints spooled documents first"),
    (PrinterAttributes.ENABLE_DEVQ, "holds mismatched documents"),
    (PrinterAttributes.WORK_OFFLINE, "works offline"),
    (PrinterAttributes.ENABLE_BIDI, "bidirectional"),
    (PrinterAttributes.RAW_ONLY, "raw only"),
    (PrinterAttributes.FAX, "fax"),
    (PrinterAttributes.TS, "terminal services"),
)

# What Windows' system messages say for the codes these pages meet; other codes are worded from
# their names ("ERROR_PRINTER_DELETED" -> "printer deleted").
CODE_TEXT: dict[int, str] = {
    Win32.ERROR_ACCESS_DENIED: "access is denied",
    Win32.ERROR_INVALID_HANDLE: "the handle is invalid",
    Win32.ERROR_INVALID_PARAMETER: "the parameter is incorrect",
    Win32.ERROR_INVALID_PRINTER_NAME: "the printer name is invalid",
    Win32.ERROR_INVALID_PRINTER_STATE: "the state of the printer or document does not allow it",
    Win32.ERROR_PRINTER_DELETED: "the printer has been deleted",
    Win32.ERROR_INVALID_LEVEL: "the system call level is not correct",
    Win32.ERROR_NOT_SUPPORTED: "the request is not supported",
}


# -- values ----------------------------------------------------------------------------------------


@attrs.frozen
class PrinterRow:
    """One line of ``/printers/``.

    Attributes:
        name: pPrinterName.
        share_name: pShareName.
        url: the printer's page, ``/printers/<share name>/`` (percent-encoded).
        status: readable PRINTER_STATUS_* words ("Ready" when none).
        status_code: the Status bits.
        location: pLocation.
        jobs: cJobs.
        model: pDriverName.
        comment: pComment.
    """

    name: str
    share_name: str
    url: str
    status: str
    status_code: int
    location: str
    jobs: int
    model: str
    comment: str


@attrs.frozen
class PrinterDetail:
    """A printer's properties, from PRINTER_INFO_2.

    Attributes:
        server: ``\\\\SERVER``, the server the printer is on.
        port: pPortName (a pool's ports joined by commas).
        attributes: readable words for the Attributes bits ("shared", "queued", ...).
        attributes_code: the Attributes bits.
        average_ppm: AveragePPM, or None when the spooler does not know it (0).

    The other attributes are as in :class:`PrinterRow`.
    """

    name: str
    share_name: str
    url: str
    server: str
    status: str
    status_code: int
    location: str
    comment: str
    model: str
    port: str
    datatype: str
    jobs: int
    attributes: tuple[str, ...]
    attributes_code: int
    priority: int
    average_ppm: int | None


@attrs.frozen
class JobRow:
    """One document in a printer's queue, from JOB_INFO_2.

    Attributes:
        id: JobId.
        document: pDocument.
        status: pStatus when the job has one, else readable JOB_STATUS_* words ("Queued" when
            none).
        status_code: the Status bits.
        owner: pUserName.
        machine: pMachineName.
        pages: what a person reads: "3", or "1 of 3" while the job prints.
        total_pages: TotalPages.
        pages_printed: PagesPrinted.
        size: Size in bytes.
        submitted: Submitted as ``YYYY-MM-DD HH:MM:SS`` (UTC).
        position: Position in the queue (1-based).
        priority: Priority.
    """

    id: int
    document: str
    status: str
    status_code: int
    owner: str
    machine: str
    pages: str
    total_pages: int
    pages_printed: int
    size: int
    submitted: str
    position: int
    priority: int


@attrs.frozen
class View:
    """What a page shows. ``status`` is the Win32 code of the first call that failed (0 when all
    succeeded) and ``message`` says in words what went wrong ("" when nothing did).

    Attributes:
        printers: the shared printers (:func:`printers_view`).
        printer: one printer's properties (:func:`printer_view`; None on failure).
        jobs: that printer's documents in queue order.
    """

    status: int = 0
    message: str = ""
    printers: tuple[PrinterRow, ...] = ()
    printer: PrinterDetail | None = None
    jobs: tuple[JobRow, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == 0


@attrs.frozen
class Outcome:
    """What an action did: the Win32 code (0 for success) and a sentence saying so."""

    status: int
    message: str

    @property
    def ok(self) -> bool:
        return self.status == 0


def _events(value: Iterable[tuple[object, str, str]]) -> tuple[tuple[object, str, str], ...]:
    return tuple((time, kind, text) for time, kind, text in value)


@attrs.frozen
class ConnectShown:
    """The result of a Connect (a Point and Print or web connection) as the printer page shows it.

    Attributes:
        message: the headline ("Printer Installation Failed, Error Code = E0000102",
            "Connected to Laser1 from WS01").
        ok: whether the connection succeeded.
        events: the timeline, ``(time, kind, text)`` each; a numeric time is simulated seconds.
        status: the connection's Win32 / SetupAPI code (0 when it succeeded).
    """

    message: str
    ok: bool
    events: tuple[tuple[object, str, str], ...] = attrs.field(default=(), converter=_events)
    status: int = 0


# -- words -----------------------------------------------------------------------------------------


def code_name(code: int) -> str:
    """The Win32 name of ``code`` (``ERROR_ACCESS_DENIED``), or its hex spelling when unnamed."""
    try:
        return Win32(code).name
    except ValueError:
        return f"0x{code & 0xFFFFFFFF:08X}"


def _code_text(code: int) -> str:
    if code in CODE_TEXT:
        return CODE_TEXT[code]
    name = code_name(code)
    return name.removeprefix("ERROR_").replace("_", " ").lower() if name[:2] != "0x" else name


def _reason(code: int) -> str:
    """``access is denied (ERROR_ACCESS_DENIED, 5)``."""
    return f"{_code_text(code)} ({code_name(code)}, {code})"


def _words(bits: int, table: Sequence[tuple[int, str]], none: str) -> str:
    words = [word for bit, word in table if bits & bit]
    return ", ".join(words) if words else none


def printer_status_text(status: int) -> str:
    """PRINTER_STATUS_* bits in words: "Ready" for none, else e.g. "Paused, Paper Out"."""
    return _words(status, PRINTER_STATUS_WORDS, "Ready")


def job_status_text(status: int) -> str:
    """JOB_STATUS_* bits in words: "Queued" for none, else e.g. "Deleting, Printing"."""
    return _words(status, JOB_STATUS_WORDS, "Queued")


def printer_url(name: str) -> str:
    """The page of the printer shared as (or named) ``name``: ``/printers/<name>/``, with every
    character that is not unreserved percent-encoded (``Laser 1`` -> ``/printers/Laser%201/``)."""
    return f"/printers/{urllib.parse.quote(name, safe='')}/"


def _systemtime(value: object) -> str:
    """A SYSTEMTIME tuple (year, month, weekday, day, hour, minute, second, ms) as text."""
    if not isinstance(value, Sequence) or len(value) < 7:
        return ""
    year, month, _, day, hour, minute, second = (int(v) for v in value[:7])
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"


def _s(record: dict[str, object], key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value)


def _n(record: dict[str, object], key: str) -> int:
    value = record.get(key)
    return int(value) if isinstance(value, int) else 0


def _user(client: Client) -> str:
    return client.principal.user


# -- reading ---------------------------------------------------------------------------------------


def _row(record: dict[str, object]) -> PrinterRow:
    name, share = _s(record, "pPrinterName"), _s(record, "pShareName")
    status = _n(record, "Status")
    return PrinterRow(
        name=name,
        share_name=share,
        url=printer_url(share or name),
        status=printer_status_text(status),
        status_code=status,
        location=_s(record, "pLocation"),
        jobs=_n(record, "cJobs"),
        model=_s(record, "pDriverName"),
        comment=_s(record, "pComment"),
    )


def printers_view(client: Client) -> View:
    """The shared printers of the client's server, as ``/printers/`` lists them.

    Args:
        client: the surface, as the logged-in person.

    Returns:
        A :class:`View` whose ``printers`` are the shared printers sorted by name, ignoring case;
        on failure its ``status`` is the EnumPrinters code.
    """
    flags = PrinterEnum.LOCAL | PrinterEnum.SHARED
    status, records = client.fetch(
        "RpcAsyncEnumPrinters", flags, None, family="PRINTER_INFO", level=2, out="pPrinterEnum"
    )
    if status:
        message = f"{_user(client)} may not list the printers: {_reason(status)}."
        return View(status, message)
    shared = [r for r in records if _n(r, "Attributes") & PrinterAttributes.SHARED]
    rows = sorted((_row(r) for r in shared), key=lambda row: (row.name.lower(), row.name))
    return View(printers=tuple(rows))


def _detail(client: Client, record: dict[str, object]) -> PrinterDetail:
    row = _row(record)
    attributes = _n(record, "Attributes")
    ppm = _n(record, "AveragePPM")
    # PRINTER_INFO_2 from GetPrinter carries no server name (the handle was opened by a local
    # name); the site names the server it runs on.
    server = _s(record, "pServerName") or f"\\\\{client.surface.server.name}"
    return PrinterDetail(
        name=row.name,
        share_name=row.share_name,
        url=row.url,
        server=server,
        status=row.status,
        status_code=row.status_code,
        location=row.location,
        comment=row.comment,
        model=row.model,
        port=_s(record, "pPortName"),
        datatype=_s(record, "pDatatype"),
        jobs=row.jobs,
        attributes=tuple(word for bit, word in ATTRIBUTE_WORDS if attributes & bit),
        attributes_code=attributes,
        priority=_n(record, "Priority"),
        average_ppm=ppm or None,
    )


def _job(record: dict[str, object]) -> JobRow:
    status = _n(record, "Status")
    total, printed = _n(record, "TotalPages"), _n(record, "PagesPrinted")
    pages = f"{printed} of {total}" if status & JobStatus.PRINTING else str(total)
    return JobRow(
        id=_n(record, "JobId"),
        document=_s(record, "pDocument"),
        status=_s(record, "pStatus") or job_status_text(status),
        status_code=status,
        owner=_s(record, "pUserName"),
        machine=_s(record, "pMachineName"),
        pages=pages,
        total_pages=total,
        pages_printed=printed,
        size=_n(record, "Size"),
        submitted=_systemtime(record.get("Submitted")),
        position=_n(record, "Position"),
        priority=_n(record, "Priority"),
    )


def _open(client: Client, name: str, access: int) -> tuple[int, bytes | None]:
    """Open the shared printer ``name`` (a share name or a printer name) for ``access``.

    Names OpenPrinter would read as something else (the server, ``Printer, Job 7``, ``,XcvPort
    ...``) and printers that are not shared are ERROR_INVALID_PRINTER_NAME.
    """
    if not printer_name_ok(name):
        return Win32.ERROR_INVALID_PRINTER_NAME, None
    reply = client.RpcAsyncOpenPrinter(name, None, None, access)
    if reply.status:
        return reply.status, None
    handle = reply.pHandle
    status, records = client.fetch(
        "RpcAsyncGetPrinter", handle, family="PRINTER_INFO", level=4, out="pPrinter"
    )
    if status == 0 and not _n(records[0], "Attributes") & PrinterAttributes.SHARED:
        status = Win32.ERROR_INVALID_PRINTER_NAME
    if status:
        client.RpcAsyncClosePrinter(handle)
        return status, None
    return 0, handle


def _not_opened(client: Client, name: str, doing: str, status: int) -> str:
    if status == Win32.ERROR_INVALID_PRINTER_NAME:
        server = client.surface.server.name
        return f"There is no shared printer named {name!r} on {server}: {_reason(status)}."
    verb = "may not" if status == Win32.ERROR_ACCESS_DENIED else "could not"
    return f"{_user(client)} {verb} {doing}: {_reason(status)}."


def printer_view(client: Client, name: str) -> View:
    """One printer's page: its properties and its documents.

    Args:
        client: the surface, as the logged-in person.
        name: the printer's share name (or its printer name), as the URL gives it.

    Returns:
        A :class:`View` with ``printer`` and ``jobs``; on failure its ``status`` is the first
        failing call's code (ERROR_INVALID_PRINTER_NAME for a printer that is not there or not
        shared, ERROR_ACCESS_DENIED for one the person may not use) and ``printer`` is None.
    """
    status, handle = _open(client, name, Access.PRINTER_ACCESS_USE)
    if handle is None:
        return View(status, _not_opened(client, name, f"view {name}", status))
    try:
        status, printers = client.fetch(
            "RpcAsyncGetPrinter", handle, family="PRINTER_INFO", level=2, out="pPrinter"
        )
        if status:
            return View(status, f"{_user(client)} could not read {name}: {_reason(status)}.")
        status, jobs = client.fetch(
            "RpcAsyncEnumJobs", handle, 0, ALL_JOBS, family="JOB_INFO", level=2, out="pJob"
        )
        if status:
            message = f"{_user(client)} could not list the documents on {name}: {_reason(status)}."
            return View(status, message)
    finally:
        client.RpcAsyncClosePrinter(handle)
    return View(printer=_detail(client, printers[0]), jobs=tuple(_job(j) for j in jobs))


# -- acting ----------------------------------------------------------------------------------------


@attrs.frozen
class _Action:
    command: int
    job: bool
    verb: str  # "pause" in "alice may not pause Laser1"
    done: str  # "paused" in "Laser1 paused."


# Cancel uses JOB_CONTROL_DELETE: the Win32 SetJob documentation says not to use
# JOB_CONTROL_CANCEL and to delete a job with JOB_CONTROL_DELETE, which is what Windows' own queue
# windows send. (This model treats both alike.)
ACTIONS: dict[str, _Action] = {
    "pause": _Action(PrinterControl.PAUSE, False, "pause", "paused"),
    "resume": _Action(PrinterControl.RESUME, False, "resume", "resumed"),
    "purge": _Action(PrinterControl.PURGE, False, "cancel all documents on", "cancelled"),
    "pause-job": _Action(JobControl.PAUSE, True, "pause", "paused"),
    "resume-job": _Action(JobControl.RESUME, True, "resume", "resumed"),
    "restart-job": _Action(JobControl.RESTART, True, "restart", "restarted"),
    "cancel-job": _Action(JobControl.DELETE, True, "cancel", "cancelled"),
}


def _job_id(value: object) -> int | None:
    """A job id from a form field or a caller: a decimal DWORD above 0, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_DWORD else None


def _invalid(message: str) -> Outcome:
    code = Win32.ERROR_INVALID_PARAMETER
    return Outcome(code, f"{message} ({code_name(code)}, {int(code)}).")


def act(client: Client, printer: str, action: str, job_id: Any = None) -> Outcome:
    """Do one of the page's actions as the logged-in person.

    Printer actions ("pause", "resume", "purge" = Cancel All Documents) open the printer for
    PRINTER_ACCESS_ADMINISTER and call RpcAsyncSetPrinter with PRINTER_CONTROL_PAUSE, RESUME or
    PURGE. Job actions ("pause-job", "resume-job", "restart-job", "cancel-job") call
    RpcAsyncSetJob with JOB_CONTROL_PAUSE, RESUME, RESTART or DELETE on a handle opened for
    PRINTER_ACCESS_ADMINISTER, or, when that is denied, for PRINTER_ACCESS_USE: the spooler
    then lets a document's owner manage it and no one else.

    Args:
        client: the surface, as the logged-in person.
        printer: the printer's share name (or printer name).
        action: one of :data:`ACTIONS`.
        job_id: the job, for a job action: an int or the form field's decimal text.

    Returns:
        An :class:`Outcome`: 0 and "Laser1 paused." / "Job 7 cancelled.", or the failing code
        and a sentence naming the person, the action and the code. An unknown action, or a job
        action without a valid job id, is ERROR_INVALID_PARAMETER and calls nothing.
    """
    spec = ACTIONS.get(action)
    if spec is None:
        known = ", ".join(ACTIONS)
        return _invalid(f"Unknown action {action!r}: the action field takes one of {known}")
    job = None
    if spec.job:
        job = _job_id(job_id)
        if job is None:
            what = "is missing" if job_id in (None, "") else f"{job_id!r} is not a job id"
            return _invalid(f"The job field {what}: {spec.verb} needs a document's job number")
    target = f"job {job} on {printer}" if spec.job else printer
    doing = f"{spec.verb} {target}"
    status, handle = _open(client, printer, Access.PRINTER_ACCESS_ADMINISTER)
    if spec.job and status == Win32.ERROR_ACCESS_DENIED:
        status, handle = _open(client, printer, Access.PRINTER_ACCESS_USE)
    if handle is None:
        return Outcome(status, _not_opened(client, printer, doing, status))
    try:
        if spec.job:
            reply = client.RpcAsyncSetJob(handle, job, None, spec.command)
        else:
            reply = client.RpcAsyncSetPrinter(handle, Container(0), None, None, spec.command)
        status = reply.status
    finally:
        client.RpcAsyncClosePrinter(handle)
    if status:
        return Outcome(status, _not_opened(client, printer, doing, status))
    if spec.job:
        return Outcome(0, f"Job {job} {spec.done}.")
    if action == "purge":
        return Outcome(0, f"All documents on {printer} cancelled.")
    return Outcome(0, f"{printer} {spec.done}.")


# -- JSON ------------------------------------------------------------------------------------------


def to_json(view: View) -> dict[str, Any]:
    """``view`` as JSON-ready data (str, int, bool, None, lists and dicts only).

    Keys:
        status (int): the Win32 code, 0 when all went well.
        error (str | None): its name (``ERROR_ACCESS_DENIED``), None when status is 0.
        message (str): what went wrong, "" when nothing did.
        printers (list): for ``/printers/``: name, share_name, url, status, status_code,
            location, jobs, model, comment per printer.
        printer (dict | None): for a printer's page: name, share_name, url, server, status,
            status_code, location, comment, model, port, datatype, jobs, attributes (list of
            words), attributes_code, priority, average_ppm (int or None).
        jobs (list): that printer's documents: id, document, status, status_code, owner,
            machine, pages, total_pages, pages_printed, size, submitted, position, priority.

    Args:
        view: from :func:`printers_view` or :func:`printer_view`.

    Returns:
        The dict, ready for ``json.dumps``.
    """

    def plain(value: object) -> Any:
        data = attrs.asdict(value, recurse=False)  # type: ignore[arg-type]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    return {
        "status": int(view.status),
        "error": code_name(view.status) if view.status else None,
        "message": view.message,
        "printers": [plain(row) for row in view.printers],
        "printer": plain(view.printer) if view.printer is not None else None,
        "jobs": [plain(job) for job in view.jobs],
    }
