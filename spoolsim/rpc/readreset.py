"""Reading a job's data back and resetting a handle's defaults: opnums 68 and 69.

Theory of operation
-------------------
``RpcAsyncReadPrinter`` (MS-RPRN 3.1.4.9.6) is how a print processor, or any tool with the right,
pulls a job's spooled bytes back out of the spooler. It works on a *job handle*, the one
OpenPrinter gives for ``"Printer, Job N"``, or on a *port handle* (``"Port, Port"``); a plain
printer handle, a server handle or anything else is ERROR_INVALID_HANDLE.

On a job handle the spooled data (:attr:`spoolsim.model.jobs.Job.data`) is read like a file: each
call returns up to ``cbBuf`` bytes starting where the previous call on the same handle stopped, and
moves the handle's ``read_offset`` on by what it returned. Another handle on the same job reads
from the start on its own. Once the offset reaches the end the call still succeeds, with 0 bytes:
that is how a reader knows it has everything. A job still spooling returns what has been written
so far and a later read picks up what arrives after; Windows would block the reader until the
writer added more, which a synchronous model cannot do, and 0 bytes with success is what the
reader sees once the wait ends. The checks, in order:

1. the handle (ERROR_INVALID_HANDLE; ERROR_PRINTER_DELETED if its printer is gone);
2. the job is still there and not being deleted, else ERROR_PRINT_CANCELLED: the spec's "printing
   of the job has not been canceled" (a job cancelled while queued is removed at once, one
   cancelled while spooling or printing is DELETING until its holder lets go; either way its data
   is no longer the spooler's to hand out);
3. JOB_ACCESS_READ, "read rights for the spool file" (MS-RPRN 2.2.3.1), else ERROR_ACCESS_DENIED.
   It is a right on the *job*, so it is checked as SetJob checks JOB_ACCESS_ADMINISTER: against
   the printer's descriptor with the job's submitter as CREATOR OWNER. With the default
   descriptors the owner and Administrators/Print Operators may read a job; other users may not;
4. ``cbBuf`` is a DWORD (ERROR_INVALID_PARAMETER otherwise). MS-PAR's ``pBuf`` is out-only, so
   the spec's "pBuf not NULL" check has nothing to look at.

On a port handle the spec returns "the data that is returned by the port monitor". The ports here
keep no back-channel bytes for a reader (what devices say travels through bidi and the port's
status, not through a byte queue), so a port read succeeds with 0 bytes, as a monitor's ReadPort
does when the device has sent nothing. No access check applies beyond the handle itself.

``RpcAsyncResetPrinter`` (MS-RPRN 3.1.4.2.13) changes the defaults a printer handle carries for the
documents it will start: the datatype and the DEVMODE. It takes a printer handle only and, as the
spec says, no further access check. ``pDatatype`` follows the Datatype Name Parameters (3.1.4.1.1):

* NULL puts the handle back on the printer's own default datatype, as if it had been opened with
  none; a later StartDocPrinter without a datatype then takes the printer's;
* any string must be a datatype the printer's print processor supports, compared without regard
  to case, else ERROR_INVALID_DATATYPE. An empty string is a string, and names no datatype, so it
  is refused too (OpenPrinter and StartDocPrinter in this model treat "" as NULL; ResetPrinter
  follows the spec's wording instead).

The DEVMODE container is checked by the DEVMODE_CONTAINER rules (ERROR_INVALID_PARAMETER, see
:func:`spoolsim.rpc.printeric.devmode_from`); a NULL one puts the handle back on the printer's
DEVMODE. Both parameters are validated before either changes, so a refused call changes nothing.
A document already open on the handle keeps the datatype it started with (SetJob is what changes
a started job). The handle's DEVMODE (``HandleState.devmode``) is the one later documents started
on it get.
"""

from __future__ import annotations

from spoolsim.model.constants import Access, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.jobs import Job, Phase
from spoolsim.rpc.core import Call, Container, HandleKind, HandleState, Reply, method
from spoolsim.rpc.jobs import check_job_access
from spoolsim.rpc.printeric import DWORD_MAX, devmode_from


def _readable_job(call: Call, state: HandleState) -> Job:
    job = call.server.jobs.get(state.job_id)
    if job is None or job.printer_name != state.printer.name or job.phase is Phase.DELETING:
        raise SpoolerError(Win32.ERROR_PRINT_CANCELLED, f"job {state.job_id} was cancelled")
    check_job_access(call, job, Access.JOB_ACCESS_READ)
    return job


@method(68)
def RpcAsyncReadPrinter(call: Call, hPrinter: bytes, cbBuf: int) -> Reply:
    state = call.handle(hPrinter, HandleKind.JOB, HandleKind.PORT)
    job = _readable_job(call, state) if state.kind is HandleKind.JOB else None
    if cbBuf is None or not 0 <= cbBuf <= DWORD_MAX:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"cbBuf {cbBuf!r}")
    if job is None:
        return Reply(0, {"pBuf": b"", "pcNoBytesRead": 0})  # the port has nothing to hand back
    data = bytes(job.data[state.read_offset : state.read_offset + cbBuf])
    state.read_offset += len(data)
    return Reply(0, {"pBuf": data, "pcNoBytesRead": len(data)})


@method(69)
def RpcAsyncResetPrinter(
    call: Call, hPrinter: bytes, pDatatype: str | None, pDevModeContainer: Container | None
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    if pDatatype is not None:
        processor = call.server.processor(state.printer.print_processor)
        if not processor.supports(pDatatype):
            raise SpoolerError(Win32.ERROR_INVALID_DATATYPE, f"datatype {pDatatype!r}")
    devmode = devmode_from(pDevModeContainer)
    state.datatype = pDatatype
    state.devmode = devmode
    return Reply(0)
