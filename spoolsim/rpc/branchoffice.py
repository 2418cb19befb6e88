"""Branch office print remote logging (MS-PAR opnum 74; MS-RPRN 3.1.4.13.1, 2.2.1.15.x).

Theory of operation
-------------------
In Branch Office Direct Printing a client prints straight to the device and the print server
never sees the job. So that the server's administrators still get the usual print-service
events, the client sends what it would have logged, in one call to
``RpcAsyncLogJobInfoForBranchOffice``: a container (``RPC_BranchOfficeJobDataContainer``, MS-RPRN
2.2.1.2.17) of ``cJobDataEntries`` entries, each an ``RPC_BranchOfficeJobData`` (2.2.1.15.2): an
event type, the client's JobId and the event's data in the union arm the type selects. The server
turns every entry into a record in its Windows event channels
(:mod:`spoolsim.model.eventchannels`):

======================  ============================================  ===========  ===  ===========
eEventType              JobInfo structure (MS-RPRN section)           channel      id   level
======================  ============================================  ===========  ===  ===========
1 kLogJobPrinted        BranchOfficeJobDataPrinted 2.2.1.15.5         Operational  307  Information
2 kLogJobRendered       BranchOfficeJobDataRendered 2.2.1.15.6        Operational  805  Information
3 kLogJobError          BranchOfficeJobDataError 2.2.1.15.3           Admin        372  Error
4 kLogJobPipelineError  BranchOfficeJobDataPipelineFailed 2.2.1.15.4  Operational  824  Error
5 kLogOfflineFileFull   BranchOfficeLogOfflineFileFull 2.2.1.15.7     Admin        868  Warning
======================  ============================================  ===========  ===  ===========

The channel and event id of each row are the spec's (each structure's section names them). The
levels are not in the spec or in any source read for this module: 307 and 805 as Information and
372 as Error follow what those events are (a document printed, a job rendered, a job that failed);
824 as Error and 868 as Warning are this model's guesses.

Each record's fields are ``JobId`` and then the structure's members by their spec names, in
structure order; the printer of the handle is in the ``branch.logged`` event that the server's own
event log gets for every entry (with the event type, channel and event id).

Validation, in order: ``hPrinter`` must be a printer handle (ERROR_INVALID_HANDLE otherwise, this
surface's handle code). The spec then says the handle needs no further access check, so there is
none. A NULL container is ERROR_INVALID_PARAMETER. The IDL puts no ``range`` on
``cJobDataEntries`` (MS-RPRN 2.2.1.2.17; Samba's IDL agrees), so the count is any DWORD that
matches the entries sent (a mismatch, which NDR would not unmarshal, is ERROR_INVALID_PARAMETER);
an empty container logs nothing and succeeds. Each entry needs an event type 1-5 and the matching
structure; type 0 (kInvalidJobState) or any other is ERROR_INVALID_PARAMETER (on the wire an
unknown union arm would fail unmarshaling before the server saw it). Members must fit their IDL
types: DWORD 0..2**32-1, LONGLONG and ``short`` signed 64 and 16 bits, strings ``str`` or NULL.
The structures' own "MUST be greater than zero" remarks (TotalSize, PrintedSize) bind the client;
the server's validation list does not check them and neither does this model. Every entry is
checked before any is written, so a refused call logs nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

import attrs

from spoolsim.model.constants import Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.eventchannels import ADMIN, OPERATIONAL, Level
from spoolsim.rpc.core import Call, HandleKind, Reply, method

# IDL types of the structures' members, kept as attrs metadata under this key.
WIRE = "idl"
DWORD, LONGLONG, SHORT, STRING = "DWORD", "LONGLONG", "short", "string"
_RANGES = {
    DWORD: (0, 2**32 - 1),
    LONGLONG: (-(2**63), 2**63 - 1),
    SHORT: (-(2**15), 2**15 - 1),
}


def _dword() -> Any:
    return attrs.field(default=0, metadata={WIRE: DWORD})


def _longlong() -> Any:
    return attrs.field(default=0, metadata={WIRE: LONGLONG})


def _short() -> Any:
    return attrs.field(default=0, metadata={WIRE: SHORT})


def _string() -> Any:
    return attrs.field(default=None, metadata={WIRE: STRING})


class EBranchOfficeJobEventType(enum.IntEnum):
    """MS-RPRN 2.2.1.15.1 (fact sheet section 5k)."""

    kInvalidJobState = 0
    kLogJobPrinted = 1
    kLogJobRendered = 2
    kLogJobError = 3
    kLogJobPipelineError = 4
    kLogOfflineFileFull = 5


E = EBranchOfficeJobEventType


@attrs.frozen
class BranchOfficeJobDataPrinted:
    """RPC_BranchOfficeJobDataPrinted (2.2.1.15.5): event 307, a document printed."""

    Status: int = _dword()
    pDocumentName: str | None = _string()
    pUserName: str | None = _string()
    pMachineName: str | None = _string()
    pPrinterName: str | None = _string()
    pPortName: str | None = _string()
    Size: int = _longlong()
    TotalPages: int = _dword()


@attrs.frozen
class BranchOfficeJobDataRendered:
    """RPC_BranchOfficeJobDataRendered (2.2.1.15.6): event 805, how a job was rendered."""

    Size: int = _longlong()
    ICMMethod: int = _dword()
    Color: int = _short()
    PrintQuality: int = _short()
    YResolution: int = _short()
    Copies: int = _short()
    TTOption: int = _short()


@attrs.frozen
class BranchOfficeJobDataError:
    """RPC_BranchOfficeJobDataError (2.2.1.15.3): event 372, a job that failed to print."""

    LastError: int = _dword()
    pDocumentName: str | None = _string()
    pUserName: str | None = _string()
    pPrinterName: str | None = _string()
    pDataType: str | None = _string()
    TotalSize: int = _longlong()
    PrintedSize: int = _longlong()
    TotalPages: int = _dword()
    PrintedPages: int = _dword()
    pMachineName: str | None = _string()
    pJobError: str | None = _string()
    pErrorDescription: str | None = _string()


@attrs.frozen
class BranchOfficeJobDataPipelineFailed:
    """RPC_BranchOfficeJobDataPipelineFailed (2.2.1.15.4): event 824, a print pipeline failure."""

    pDocumentName: str | None = _string()
    pPrinterName: str | None = _string()
    pExtraErrorInfo: str | None = _string()


@attrs.frozen
class BranchOfficeLogOfflineFileFull:
    """RPC_BranchOfficeLogOfflineFileFull (2.2.1.15.7): event 868, the client's offline
    archive of log entries outgrew its maximum size."""

    pMachineName: str | None = _string()


@attrs.frozen
class BranchOfficeJobData:
    """RPC_BranchOfficeJobData (2.2.1.15.2): the event type, the client's JobId and the data."""

    eEventType: int
    JobId: int
    JobInfo: object


@attrs.frozen
class BranchOfficeJobDataContainer:
    """RPC_BranchOfficeJobDataContainer (2.2.1.2.17)."""

    cJobDataEntries: int
    JobData: Sequence[BranchOfficeJobData] | None = ()

    @classmethod
    def of(cls, *entries: BranchOfficeJobData) -> BranchOfficeJobDataContainer:
        """A container whose count matches its entries."""
        return cls(len(entries), tuple(entries))


@attrs.frozen
class EventSpec:
    """Where an entry of one event type goes."""

    structure: type
    channel: str
    event_id: int
    level: Level


EVENTS: dict[EBranchOfficeJobEventType, EventSpec] = {
    E.kLogJobPrinted: EventSpec(BranchOfficeJobDataPrinted, OPERATIONAL, 307, Level.INFORMATION),
    E.kLogJobRendered: EventSpec(BranchOfficeJobDataRendered, OPERATIONAL, 805, Level.INFORMATION),
    E.kLogJobError: EventSpec(BranchOfficeJobDataError, ADMIN, 372, Level.ERROR),
    E.kLogJobPipelineError: EventSpec(
        BranchOfficeJobDataPipelineFailed, OPERATIONAL, 824, Level.ERROR
    ),
    # Level unverified (see the module docstring).
    E.kLogOfflineFileFull: EventSpec(BranchOfficeLogOfflineFileFull, ADMIN, 868, Level.WARNING),
}


def _fits(kind: str, value: object) -> bool:
    if kind == STRING:
        return value is None or isinstance(value, str)
    lo, hi = _RANGES[kind]
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def _check_entry(i: int, entry: object) -> tuple[EventSpec, tuple[tuple[str, object], ...]]:
    """The entry's destination and record fields; ERROR_INVALID_PARAMETER if malformed."""
    if not isinstance(entry, BranchOfficeJobData):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"JobData[{i}] is not an entry")
    try:
        spec = EVENTS[EBranchOfficeJobEventType(entry.eEventType)]
    except (ValueError, KeyError):
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER, f"JobData[{i}].eEventType {entry.eEventType!r}"
        ) from None
    if not _fits(DWORD, entry.JobId):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"JobData[{i}].JobId {entry.JobId!r}")
    info = entry.JobInfo
    if type(info) is not spec.structure:
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER,
            f"JobData[{i}].JobInfo is not a {spec.structure.__name__}",
        )
    fields: list[tuple[str, object]] = [("JobId", entry.JobId)]
    for a in attrs.fields(spec.structure):
        value = getattr(info, a.name)
        if not _fits(a.metadata[WIRE], value):
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER, f"JobData[{i}].JobInfo.{a.name} {value!r}"
            )
        fields.append((a.name, value))
    return spec, tuple(fields)


@method(74)
def RpcAsyncLogJobInfoForBranchOffice(
    call: Call,
    hPrinter: bytes,
    pBranchOfficeJobDataContainer: BranchOfficeJobDataContainer | None,
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    box = pBranchOfficeJobDataContainer
    if not isinstance(box, BranchOfficeJobDataContainer):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pBranchOfficeJobDataContainer is NULL")
    entries = tuple(box.JobData or ())
    if not _fits(DWORD, box.cJobDataEntries) or box.cJobDataEntries != len(entries):
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER,
            f"cJobDataEntries {box.cJobDataEntries!r} for {len(entries)} entries",
        )
    checked = [_check_entry(i, e) for i, e in enumerate(entries)]
    printer = state.printer.name
    for entry, (spec, fields) in zip(entries, checked, strict=True):
        record = call.server.channels.write(
            call.now, spec.channel, spec.event_id, spec.level, fields
        )
        call.server.log.add(
            call.now,
            "branch.logged",
            printer,
            event_type=int(entry.eEventType),
            job_id=entry.JobId,
            channel=spec.channel,
            event_id=spec.event_id,
            record_id=record.record_id,
            user=call.principal.user,
        )
    return Reply(0)
