"""The IPP attributes of the print server's printers and jobs (RFC 8011 sections 5.2-5.4).

A Windows printer and job are described by PRINTER_INFO_2 and JOB_INFO_2; this module says what
IPP makes of them: job states from JOB_STATUS_* bits, printer-state-reasons from PRINTER_STATUS_*
bits, the operations, formats and job template values the printers support, and the selection
``requested-attributes`` makes (names and the group keywords ``all``, ``job-template``,
``printer-description``, ``job-description``).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence

import attrs

from spoolsim.model.constants import JobStatus, PrinterAttributes, PrinterStatus
from spoolsim.wire import ipp
from spoolsim.wire.ipp import Attribute, Op

FORMATS: Mapping[str, str] = {
    "application/octet-stream": "RAW",
    "text/plain": "TEXT",
    "application/pdf": "RAW",
    "application/postscript": "RAW",
    "application/vnd.hp-pcl": "RAW",
}
OPERATIONS = (
    Op.PRINT_JOB,
    Op.VALIDATE_JOB,
    Op.CREATE_JOB,
    Op.SEND_DOCUMENT,
    Op.CANCEL_JOB,
    Op.GET_JOB_ATTRIBUTES,
    Op.GET_JOBS,
    Op.GET_PRINTER_ATTRIBUTES,
    Op.PAUSE_PRINTER,
    Op.RESUME_PRINTER,
    Op.PURGE_JOBS,
)
# Job template attributes a job may carry, with the values the printers accept.
MEDIA = ("iso_a4_210x297mm", "na_letter_8.5x11in")
TEMPLATE: Mapping[str, tuple[object, ...]] = {
    "copies": (1,),
    "media": MEDIA,
    "sides": ("one-sided",),
    "orientation-requested": (3, 4),
    "job-sheets": ("none",),
    "number-up": (1,),
    "finishings": (3,),
}
JOB_DEFAULT = ("job-uri", "job-id")  # what Get-Jobs returns without requested-attributes
PENDING, HELD, PROCESSING, STOPPED, CANCELED, ABORTED, COMPLETED = 3, 4, 5, 6, 7, 8, 9


@attrs.frozen
class Finished:
    """A job that left the queue, as Get-Jobs (which-jobs=completed) still shows it."""

    job_id: int
    printer: str
    name: str
    user: str
    state: int
    created: float
    processing: float | None
    completed: float
    size: int
    pages: int


@attrs.frozen
class JobFacts:
    job_id: int
    name: str
    user: str
    state: int
    reasons: tuple[str, ...]
    message: str
    created: float
    processing: float | None
    completed: float | None
    size: int
    pages: int
    printed: int
    position: int
    priority: int
    port: str | None


STATE_NAMES = {
    PENDING: "pending",
    HELD: "pending-held",
    PROCESSING: "processing",
    STOPPED: "processing-stopped",
    CANCELED: "canceled",
    ABORTED: "aborted",
    COMPLETED: "completed",
}
_STOPPED_BITS = (
    JobStatus.ERROR
    | JobStatus.OFFLINE
    | JobStatus.PAPEROUT
    | JobStatus.BLOCKED_DEVQ
    | JobStatus.USER_INTERVENTION
)
# Attribute group keywords (RFC 8011 4.2.5.1): which names "job-template" and
# "printer-description" stand for; "all" is every attribute.
JOB_GROUPS: Mapping[str, frozenset[str]] = {
    "job-description": frozenset(
        {
            "job-uri",
            "job-id",
            "job-printer-uri",
            "job-more-info",
            "job-name",
            "job-originating-user-name",
            "job-state",
            "job-state-reasons",
            "job-state-message",
            "number-of-documents",
            "time-at-creation",
            "time-at-processing",
            "time-at-completed",
            "job-printer-up-time",
            "number-of-intervening-jobs",
            "job-k-octets",
            "job-impressions",
            "job-impressions-completed",
            "output-device-assigned",
        }
    ),
    "job-template": frozenset({"job-priority"}),
}
PRINTER_GROUPS: Mapping[str, frozenset[str]] = {
    "job-template": frozenset(
        {
            "job-priority-default",
            "job-priority-supported",
            "copies-default",
            "copies-supported",
            "media-default",
            "media-supported",
            "sides-default",
            "sides-supported",
            "orientation-requested-default",
            "orientation-requested-supported",
            "job-sheets-default",
            "job-sheets-supported",
            "number-up-default",
            "number-up-supported",
            "finishings-default",
            "finishings-supported",
            "printer-resolution-default",
            "printer-resolution-supported",
        }
    ),
}


def _select(
    attributes: Sequence[Attribute], wanted: set[str], groups: Mapping[str, frozenset[str]]
) -> tuple[Attribute, ...]:
    if "all" in wanted:
        return tuple(attributes)
    names = set(wanted)
    for keyword, members in groups.items():
        if keyword in wanted:
            names |= members
    if "printer-description" in wanted:
        template = groups.get("job-template", frozenset())
        names |= {a.name for a in attributes if a.name not in template}
    return tuple(a for a in attributes if a.name in names)


def job_state(bits: JobStatus, printer_paused: bool) -> tuple[int, tuple[str, ...]]:
    if bits & (JobStatus.DELETED | JobStatus.DELETING):
        return CANCELED if bits & JobStatus.DELETED else PROCESSING, ("processing-to-stop-point",)
    if bits & (JobStatus.PRINTED | JobStatus.COMPLETE):
        return COMPLETED, ("job-completed-successfully",)
    if bits & _STOPPED_BITS:
        return STOPPED, ("printer-stopped",)
    if bits & JobStatus.PAUSED:
        return HELD, ("job-hold-until-specified",)
    if bits & JobStatus.SPOOLING:
        return PROCESSING, ("job-incoming",)
    if bits & JobStatus.PRINTING:
        return PROCESSING, ("job-printing",)
    return PENDING, ("printer-stopped",) if printer_paused else ("none",)


def finished_facts(f: Finished) -> JobFacts:
    reason = "job-completed-successfully" if f.state == COMPLETED else "job-canceled-by-user"
    return JobFacts(
        job_id=f.job_id,
        name=f.name,
        user=f.user,
        state=f.state,
        reasons=(reason,),
        message=STATE_NAMES[f.state],
        created=f.created,
        processing=f.processing,
        completed=f.completed,
        size=f.size,
        pages=f.pages,
        printed=f.pages,
        position=0,
        priority=1,
        port=None,
    )


_REASONS = (
    (PrinterStatus.PAUSED, "paused"),
    (PrinterStatus.PAPER_JAM, "media-jam-error"),
    (PrinterStatus.PAPER_OUT, "media-empty-error"),
    (PrinterStatus.OFFLINE, "offline-report"),
    (PrinterStatus.DOOR_OPEN, "door-open-error"),
    (PrinterStatus.TONER_LOW, "toner-low-warning"),
    (PrinterStatus.NO_TONER, "toner-empty-error"),
    (PrinterStatus.OUTPUT_BIN_FULL, "output-area-full-error"),
    (PrinterStatus.ERROR, "other-error"),
)


def _printer_reasons(status: PrinterStatus) -> tuple[str, ...]:
    return tuple(reason for bit, reason in _REASONS if status & bit) or ("none",)


def _printer_message(status: PrinterStatus, state: int) -> str:
    if status & PrinterStatus.PAUSED:
        return "Paused"
    if status & ~PrinterStatus.PRINTING & ~PrinterStatus.BUSY:
        return ", ".join(n.lower().replace("_", " ") for n in _names(status))
    return "Printing" if state == 4 else "Ready"


def _names(status: PrinterStatus) -> list[str]:
    return [f.name or "" for f in PrinterStatus if f.value and status & f.value]


def clip(text: str, octets: int) -> str:
    """``text`` cut to the most UTF-8 octets an attribute's syntax allows (RFC 8011 5.1)."""
    return text.encode("utf-8")[:octets].decode("utf-8", errors="ignore")


def _uptime(t: float) -> int:
    """Simulated seconds since the estate started, as IPP's up-time (always above 0)."""
    return int(t) + 1


def _time_or_none(name: str, t: float | None) -> Attribute:
    return ipp.integer(name, _uptime(t)) if t is not None else ipp.no_value(name)


def printer_uri(host: str, printer: str, scheme: str = "ipp") -> str:
    """The URI of ``printer`` on the server reached at ``host``."""
    return f"{scheme}://{host}/printers/{urllib.parse.quote(printer)}/.printer"


def job_attributes(
    facts: JobFacts, wanted: set[str], *, printer: str, host: str, now: float
) -> tuple[Attribute, ...]:
    """A job's description attributes, those ``wanted`` (names or group keywords) only.

    Args:
    facts: the job.
    wanted: requested-attributes (``all``, group keywords, names).
    printer: the job's printer.
    host: the authority the client used, for the URIs.
    now: simulated now, for job-printer-up-time.
    """
    uri = printer_uri(host, printer)
    uptime = _uptime
    attrs_ = [
        ipp.uri("job-uri", f"{uri}?job={facts.job_id}"),
        ipp.integer("job-id", facts.job_id),
        ipp.uri("job-printer-uri", uri),
        ipp.uri("job-more-info", f"http://{host}/printers/{urllib.parse.quote(printer)}/"),
        ipp.name("job-name", clip(facts.name, 255)),
        ipp.name("job-originating-user-name", clip(facts.user, 255) or "anonymous"),
        ipp.enum("job-state", facts.state),
        ipp.keyword("job-state-reasons", *facts.reasons),
        ipp.text("job-state-message", clip(facts.message, 1023)),
        ipp.integer("number-of-documents", 1),
        ipp.integer("time-at-creation", uptime(facts.created)),
        _time_or_none("time-at-processing", facts.processing),
        _time_or_none("time-at-completed", facts.completed),
        ipp.integer("job-printer-up-time", uptime(now)),
        ipp.integer("number-of-intervening-jobs", facts.position),
        ipp.integer("job-k-octets", (facts.size + 1023) // 1024),
        ipp.integer("job-impressions", facts.pages),
        ipp.integer("job-impressions-completed", facts.printed),
        ipp.integer("job-priority", min(max(facts.priority, 1), 100)),
    ]
    if facts.port:
        attrs_.append(ipp.name("output-device-assigned", clip(facts.port, 127)))
    return _select(attrs_, wanted, JOB_GROUPS)


def printer_attributes(
    info: Mapping[str, object],
    wanted: set[str],
    *,
    host: str,
    now: float,
    printing: bool,
    accepting: bool,
    anonymous: bool,
) -> tuple[Attribute, ...]:
    """A printer's description and job template attributes, those ``wanted`` only.

    Args:
    info: its PRINTER_INFO_2, decoded.
    wanted: requested-attributes (``all``, group keywords, names).
    host: the authority the client used, for the URIs.
    now: simulated now, for printer-up-time.
    printing: whether a job of it holds a port.
    accepting: whether it takes new jobs.
    anonymous: whether the caller did not authenticate (then requesting-user-name is how
        users are known).
    """
    printer = str(info["pPrinterName"])
    uri = printer_uri(host, printer)
    status = PrinterStatus(int(info["Status"]))
    jobs = int(info["cJobs"])
    if status & PrinterStatus.PAUSED:
        state = 5
    else:
        state = 4 if printing else 3
    reasons = _printer_reasons(status)
    attributes = int(info["Attributes"])
    ppm = int(info["AveragePPM"])
    attrs_ = [
        ipp.uri("printer-uri-supported", uri),
        ipp.keyword(
            "uri-authentication-supported", "requesting-user-name" if anonymous else "basic"
        ),
        ipp.keyword("uri-security-supported", "none"),
        ipp.name("printer-name", clip(printer, 127)),
        ipp.text("printer-location", clip(str(info["pLocation"] or ""), 127)),
        ipp.text("printer-info", clip(str(info["pComment"] or printer), 127)),
        ipp.uri("printer-more-info", f"http://{host}/printers/{urllib.parse.quote(printer)}/"),
        ipp.text("printer-make-and-model", clip(str(info["pDriverName"] or ""), 127)),
        ipp.enum("printer-state", state),
        ipp.keyword("printer-state-reasons", *reasons),
        ipp.text("printer-state-message", _printer_message(status, state)),
        ipp.keyword("ipp-versions-supported", "1.0", "1.1"),
        ipp.enum("operations-supported", *(int(op) for op in OPERATIONS)),
        ipp.boolean("multiple-document-jobs-supported", False),
        ipp.integer("multiple-operation-time-out", 300),
        ipp.charset("charset-configured", "utf-8"),
        ipp.charset("charset-supported", "utf-8", "us-ascii"),
        ipp.language("natural-language-configured", "en"),
        ipp.language("generated-natural-language-supported", "en"),
        ipp.mime("document-format-default", "application/octet-stream"),
        ipp.mime("document-format-supported", *FORMATS),
        ipp.boolean(
            "printer-is-accepting-jobs",
            accepting and not attributes & PrinterAttributes.WORK_OFFLINE,
        ),
        ipp.integer("queued-job-count", jobs),
        ipp.keyword("pdl-override-supported", "not-attempted"),
        ipp.integer("printer-up-time", _uptime(now)),
        ipp.keyword("compression-supported", "none"),
        ipp.boolean("color-supported", False),
        ipp.integer("job-priority-default", min(max(int(info["DefaultPriority"]), 1), 100)),
        ipp.integer("job-priority-supported", 99),
        ipp.integer("copies-default", 1),
        ipp.range_of("copies-supported", 1, 1),
        ipp.keyword("media-default", MEDIA[0]),
        ipp.keyword("media-supported", *MEDIA),
        ipp.keyword("sides-default", "one-sided"),
        ipp.keyword("sides-supported", "one-sided"),
        ipp.enum("orientation-requested-default", 3),
        ipp.enum("orientation-requested-supported", 3, 4),
        ipp.keyword("job-sheets-default", "none"),
        ipp.keyword("job-sheets-supported", "none"),
        ipp.integer("number-up-default", 1),
        ipp.integer("number-up-supported", 1),
        ipp.enum("finishings-default", 3),
        ipp.enum("finishings-supported", 3),
        ipp.resolution("printer-resolution-default", 600, 600),
        ipp.resolution("printer-resolution-supported", 600, 600),
    ]
    if ppm > 0:
        attrs_.append(ipp.integer("pages-per-minute", ppm))
    return _select(attrs_, wanted, PRINTER_GROUPS)
