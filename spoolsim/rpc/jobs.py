"""Jobs (MS-PAR 3.1.4.2) and job printing (3.1.4.9): SetJob/GetJob/EnumJobs, StartDoc ... EndDoc.

Printing on a handle follows the spec's order: StartDocPrinter creates a spooling job and ties it to
the handle; StartPagePrinter/EndPagePrinter bracket pages (EndPagePrinter counts one page);
WritePrinter appends data; EndDocPrinter queues the job, AbortPrinter deletes it. Any of these
without a StartDocPrinter is ERROR_SPL_NO_STARTDOC; a second StartDocPrinter before EndDocPrinter is
ERROR_INVALID_PRINTER_STATE; writing to a job someone cancelled is ERROR_PRINT_CANCELLED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spoolsim.model import security
from spoolsim.model.constants import (
    JOB_POSITION_UNSPECIFIED,
    MAX_PRIORITY,
    MIN_PRIORITY,
    Access,
    Win32,
)
from spoolsim.model.errors import SpoolerError
from spoolsim.model.jobs import Job
from spoolsim.rpc.core import (
    Call,
    Container,
    HandleKind,
    HandleState,
    Reply,
    buffered,
    check_level,
    method,
    require,
)
from spoolsim.rpc.records import job_info

JOB_LEVELS = (1, 2, 3, 4)
PRINTER_OR_JOB = (HandleKind.PRINTER, HandleKind.JOB)


def check_job_access(call: Call, job: Job, mask: int) -> None:
    """ERROR_ACCESS_DENIED unless the caller holds ``mask`` (JOB_ACCESS_ADMINISTER,
    JOB_ACCESS_READ) on ``job``: its printer's descriptor decides, with the job's submitter as
    CREATOR OWNER, so the owner and the document managers may."""
    ok, _ = security.check(
        call.server.printer(job.printer_name).security,
        call.principal,
        mask,
        security.JOB_MAPPING,
        owner=job.user,
    )
    if not ok:
        raise SpoolerError(
            Win32.ERROR_ACCESS_DENIED, f"job {job.job_id} of {job.user}: access 0x{mask:08x}"
        )


def _apply_job_info(call: Call, job: Job, level: int, info: Mapping[str, Any]) -> None:
    """SetJob levels 1, 2 and 4: validate every field first, then change them together."""
    server = call.server
    priority = info.get("Priority") or 0
    position = info.get("Position") or JOB_POSITION_UNSPECIFIED
    datatype = info.get("pDatatype")
    if priority and not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise SpoolerError(Win32.ERROR_INVALID_PRIORITY, f"priority {priority}")
    queue_len = len(server.printer(job.printer_name).queue)
    if position and not 1 <= position <= queue_len:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"position {position}")
    if datatype and not server.processor(job.print_processor).supports(datatype):
        raise SpoolerError(Win32.ERROR_INVALID_DATATYPE, f"datatype {datatype!r}")
    times = [info.get(k) for k in ("StartTime", "UntilTime")] if level != 1 else []
    if any(t is not None and not 0 <= t < 1440 for t in times):
        raise SpoolerError(Win32.ERROR_INVALID_TIME, "start/until time")
    if priority:
        job.priority = priority
    if position:
        server.set_job_position(job, position, call.now)
    if datatype:
        job.datatype = datatype
    for key, attr in (("pDocument", "document"), ("pStatus", "status_text")):
        if info.get(key) is not None:
            setattr(job, attr, info[key])
    if level != 1:
        for key, attr in (
            ("pNotifyName", "notify_name"),
            ("pParameters", "parameters"),
            ("StartTime", "start_time"),
            ("UntilTime", "until_time"),
        ):
            if info.get(key) is not None:
                setattr(job, attr, info[key])
    server.log.add(call.now, "job.set", f"{job.printer_name}/{job.job_id}", level=level)


@method(2)
def RpcAsyncSetJob(
    call: Call, hPrinter: bytes, JobId: int, pJobContainer: Container | None, Command: int
) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_JOB)
    level = pJobContainer.Level if pJobContainer is not None else 0
    if pJobContainer is not None:
        check_level(level, JOB_LEVELS)
    job = call.server.job(JobId, state.printer)
    check_job_access(call, job, Access.JOB_ACCESS_ADMINISTER)
    call.server.check_control(job, Command)
    if level == 3:
        raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, "linking jobs (level 3)")
    if pJobContainer is not None and pJobContainer.info is not None:
        _apply_job_info(call, job, level, pJobContainer.info)
    call.server.control_job(job, Command, call.now)
    return Reply(0)


def _check_read(state: HandleState) -> None:
    if not state.granted & (Access.PRINTER_ACCESS_USE | Access.PRINTER_ACCESS_ADMINISTER):
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "printer access")


@method(3)
def RpcAsyncGetJob(call: Call, hPrinter: bytes, JobId: int, Level: int, cbBuf: int) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_JOB)
    check_level(Level, JOB_LEVELS)
    _check_read(state)
    job = call.server.job(JobId, state.printer)
    rec = job_info(call.server, state.printer, job, Level, call.now)
    return buffered("JOB_INFO", Level, [rec], cbBuf, out="pJob", count=None)


@method(4)
def RpcAsyncEnumJobs(
    call: Call, hPrinter: bytes, FirstJob: int, NoJobs: int, Level: int, cbBuf: int
) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_JOB)
    check_level(Level, JOB_LEVELS)
    _check_read(state)
    p, server = state.printer, call.server
    ids = p.queue[FirstJob : FirstJob + NoJobs] if FirstJob >= 0 and NoJobs > 0 else []
    records = [job_info(server, p, server.jobs[i], Level, call.now) for i in ids]
    return buffered("JOB_INFO", Level, records, cbBuf, out="pJob")


@method(5)
def RpcAsyncAddJob(
    call: Call, hPrinter: bytes, Level: int, pAddJob: bytes | None, cbBuf: int
) -> Reply:
    """MS-PAR 3.1.4.7.4: the server does not support AddJob over this protocol."""
    return Reply(Win32.ERROR_INVALID_PARAMETER, {"pcbNeeded": 0})


@method(6)
def RpcAsyncScheduleJob(call: Call, hPrinter: bytes, JobId: int) -> Reply:
    """MS-PAR 3.1.4.7.5: there is never an AddJob job to schedule."""
    return Reply(Win32.ERROR_SPL_NO_ADDJOB)


def _doc_job(call: Call, hPrinter: bytes) -> tuple[HandleState, Job]:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    if state.doc_job is None:
        raise SpoolerError(Win32.ERROR_SPL_NO_STARTDOC, "no StartDocPrinter on this handle")
    return state, call.server.jobs[state.doc_job]


@method(10)
def RpcAsyncStartDocPrinter(call: Call, hPrinter: bytes, pDocInfoContainer: Container) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    check_level(pDocInfoContainer.Level, (1,))
    require(state, Access.PRINTER_ACCESS_USE)
    if state.doc_job is not None:
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_STATE, "a document is already open")
    info = pDocInfoContainer.info or {}
    job = call.server.create_job(
        state.printer,
        document=info.get("pDocName") or "",
        datatype=info.get("pDatatype") or state.datatype,
        user=call.principal.user,
        machine=call.principal.machine,
        output_file=info.get("pOutputFile"),
        now=call.now,
    )
    if state.devmode is not None:  # set by ResetPrinter on this handle
        job.devmode = state.devmode
    state.doc_job = job.job_id
    state.page_open = False
    return Reply(0, {"pJobId": job.job_id})


@method(11)
def RpcAsyncStartPagePrinter(call: Call, hPrinter: bytes) -> Reply:
    state, _ = _doc_job(call, hPrinter)
    state.page_open = True
    return Reply(0)


@method(12)
def RpcAsyncWritePrinter(call: Call, hPrinter: bytes, pBuf: bytes, cbBuf: int) -> Reply:
    _, job = _doc_job(call, hPrinter)
    if pBuf is None or cbBuf != len(pBuf):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "cbBuf does not match pBuf")
    return Reply(0, {"pcWritten": call.server.write_job(job, pBuf, call.now)})


@method(13)
def RpcAsyncEndPagePrinter(call: Call, hPrinter: bytes) -> Reply:
    state, job = _doc_job(call, hPrinter)
    if state.page_open:
        call.server.end_page(job)
    state.page_open = False
    return Reply(0)


def _finish_doc(call: Call, hPrinter: bytes) -> Job:
    """Untie the handle's document from the handle and return its job."""
    state, job = _doc_job(call, hPrinter)
    state.doc_job = None
    state.page_open = False
    return job


@method(14)
def RpcAsyncEndDocPrinter(call: Call, hPrinter: bytes) -> Reply:
    call.server.end_doc(_finish_doc(call, hPrinter), call.now)
    return Reply(0)


@method(15)
def RpcAsyncAbortPrinter(call: Call, hPrinter: bytes) -> Reply:
    call.server.abort_job(_finish_doc(call, hPrinter), call.now)
    return Reply(0)
