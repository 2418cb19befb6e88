"""IPP/1.1 (RFC 8011) over the method surface: the print server's Internet Printing service.

Theory of operation
-------------------
Each request is one IPP message (``spoolsim.wire.ipp``) aimed at a printer by its
``printer-uri`` (``ipp://host:port/printers/<name>/.printer``, the URL Windows gives a shared
printer; ``http://`` works the same). The service answers it synchronously with the spooler's own
methods, as the principal the HTTP layer authenticated, so access checks and queues are the ones
RPC clients meet:

* Print-Job is OpenPrinter, StartDocPrinter, WritePrinter, EndDocPrinter, ClosePrinter. The IPP
  ``job-id`` is the spooler's JobId, so the job is in the same queue as RPC jobs and prints on the
  same device. ``document-format`` picks the datatype (``text/plain`` is TEXT, everything else
  RAW, as Windows' IPP service sends unknown formats through untouched).
* Create-Job opens the printer and starts the document; Send-Document writes and, with
  ``last-document`` true, ends it. Until then the job is SPOOLING (IPP ``processing`` with
  ``job-incoming``).
* Cancel-Job aborts a job still being sent, or deletes a queued or printing one (SetJob
  JOB_CONTROL_DELETE); Pause-, Resume-Printer and Purge-Jobs are SetPrinter's PAUSE, RESUME and
  PURGE, which need PRINTER_ACCESS_ADMINISTER.
* Get-Jobs, Get-Job-Attributes and Get-Printer-Attributes read JOB_INFO_2 and PRINTER_INFO_2
  through the buffer contract. A job leaves the spooler's queue once printed; the service keeps
  the last ``history`` finished jobs (from the event log) so ``which-jobs=completed`` and a
  Get-Job-Attributes after the end still answer, as RFC 8011 5.3.7.2 expects of a Printer.

Win32 failures become IPP status codes (``STATUS_OF``): ERROR_ACCESS_DENIED is
client-error-not-authorized (client-error-not-authenticated for an anonymous caller, who may
retry with credentials), an unknown printer or job client-error-not-found, and so on. Malformed
messages are answered with the codec's status; nothing here raises for a client's mistake.

Unauthenticated callers are allowed only when the web site allows anonymous access; they act as
the name they give in ``requesting-user-name`` (as RFC 8011 9.3 lets a Printer do) with no group
beyond Everyone, so they may print and manage their own jobs, never administer the printer.
"""

from __future__ import annotations

import collections
import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence

import attrs

from spoolsim.model.constants import (
    Access,
    JobControl,
    JobStatus,
    PrinterControl,
    PrinterStatus,
    Win32,
)
from spoolsim.model.security import EVERYONE, Principal
from spoolsim.model.server import PrintServer
from spoolsim.net.ippattributes import (
    CANCELED,
    COMPLETED,
    FORMATS,
    JOB_DEFAULT,
    OPERATIONS,
    STATE_NAMES,
    TEMPLATE,
    Finished,
    JobFacts,
    finished_facts,
    job_attributes,
    job_state,
    printer_attributes,
    printer_uri,
)
from spoolsim.rpc.client import Client
from spoolsim.rpc.core import Container, Surface
from spoolsim.wire import ipp
from spoolsim.wire.ipp import Attribute, Group, IPPError, Message, Op, Status, Tag

# document-format -> the datatype the job is spooled as.

STATUS_OF: Mapping[int, Status] = {
    Win32.ERROR_ACCESS_DENIED: Status.CLIENT_ERROR_NOT_AUTHORIZED,
    Win32.ERROR_INVALID_PRINTER_NAME: Status.CLIENT_ERROR_NOT_FOUND,
    Win32.ERROR_INVALID_PARAMETER: Status.CLIENT_ERROR_NOT_FOUND,  # SetJob/GetJob on no such job
    Win32.ERROR_INVALID_DATATYPE: Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
    Win32.ERROR_PRINTER_DELETED: Status.SERVER_ERROR_NOT_ACCEPTING_JOBS,
    Win32.ERROR_INVALID_PRINTER_STATE: Status.CLIENT_ERROR_NOT_POSSIBLE,
    Win32.RPC_S_SERVER_UNAVAILABLE: Status.SERVER_ERROR_SERVICE_UNAVAILABLE,
    Win32.ERROR_PRINT_CANCELLED: Status.SERVER_ERROR_JOB_CANCELED,
}


@attrs.define
class _Sending:
    """A job created by Create-Job, waiting for its documents."""

    client: Client
    handle: bytes
    printer: str


class _Refused(Exception):
    """An operation that ends with an IPP status (raised and caught inside the service)."""

    def __init__(self, status: Status, message: str, *unsupported: Attribute) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.unsupported = unsupported


@attrs.frozen
class Caller:
    """Who sends a request: the authenticated principal, or None for an anonymous caller."""

    principal: Principal | None
    host: str  # the authority the client used, "host:port", for the URIs we hand out


class IppService:
    """The IPP operations of one print server.

    Args:
        server: the print server (its event log tells the service when jobs finish).
        surface: the server's method surface; every operation goes through it.
        history: how many finished jobs Get-Jobs can still show.
    """

    def __init__(self, server: PrintServer, surface: Surface, *, history: int = 500) -> None:
        self.server = server
        self.surface = surface
        self._sending: dict[int, _Sending] = {}
        self._finished: collections.OrderedDict[int, Finished] = collections.OrderedDict()
        self._history = history
        server.log.listeners.append(self._on_event)

    # -- entry points ------------------------------------------------------------------------------

    def handle(self, body: bytes, caller: Caller, now: float) -> bytes:
        """Answer one request body with the response body (always a valid IPP message)."""
        try:
            request = ipp.decode(body)
        except IPPError as error:
            return ipp.encode(ipp.response_to(error.request_id, error.status, message=str(error)))
        return ipp.encode(self.respond(request, caller, now))

    def respond(self, request: Message, caller: Caller, now: float) -> Message:
        """Answer one decoded request."""
        try:
            ipp.check_request(request)
        except IPPError as error:
            return ipp.response_to(request, error.status, message=str(error))
        try:
            groups = self._operation(request, caller, now)
        except _Refused as refused:
            extra = (
                (Group(Tag.UNSUPPORTED_GROUP, refused.unsupported),) if refused.unsupported else ()
            )
            return ipp.response_to(request, refused.status, *extra, message=refused.message)
        status = Status.SUCCESSFUL_OK
        if any(g.tag == Tag.UNSUPPORTED_GROUP for g in groups):
            status = Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
        return ipp.response_to(request, status, *groups)

    # -- dispatch ------------------------------------------------------------------------------

    def _operation(self, request: Message, caller: Caller, now: float) -> list[Group]:
        try:
            op = Op(request.code)
        except ValueError:
            op = None
        if op not in OPERATIONS:
            raise _Refused(
                Status.SERVER_ERROR_OPERATION_NOT_SUPPORTED,
                f"operation 0x{request.code:04x} is not supported",
            )
        printer, job_id = self._target(request)
        client = self._client(request, caller)
        ctx = _Context(self, request, caller, client, printer, now)
        if op in (Op.PRINT_JOB, Op.VALIDATE_JOB, Op.CREATE_JOB):
            return ctx.submit(op)
        if op is Op.GET_PRINTER_ATTRIBUTES:
            return ctx.printer_attributes()
        if op is Op.GET_JOBS:
            return ctx.jobs()
        if op in (Op.PAUSE_PRINTER, Op.RESUME_PRINTER, Op.PURGE_JOBS):
            return ctx.control(op)
        job = job_id if job_id is not None else _integer(request, "job-id")
        if op is Op.SEND_DOCUMENT:
            return ctx.send_document(job)
        if op is Op.CANCEL_JOB:
            return ctx.cancel(job)
        return ctx.job_attributes(job)

    def _target(self, request: Message) -> tuple[str, int | None]:
        """The printer (and job, for a job-uri) a request is aimed at."""
        target = request.operation_attribute("printer-uri")
        job_uri = request.operation_attribute("job-uri")
        if target is None and job_uri is None:
            raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, "no printer-uri operation attribute")
        uri = str((target or job_uri).value)
        try:
            parts = urllib.parse.urlsplit(uri)
        except ValueError as error:
            raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, f"{uri!r}: {error}") from None
        if parts.scheme not in ("ipp", "ipps", "http", "https"):
            raise _Refused(
                Status.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED, f"{uri}: scheme {parts.scheme!r}"
            )
        name = printer_of_path(parts.path)
        if name is None or self.server.printers.get(name.lower()) is None:
            raise _Refused(Status.CLIENT_ERROR_NOT_FOUND, f"{uri}: no such printer on this server")
        job_id = None
        if target is None:
            query = urllib.parse.parse_qs(parts.query)
            if not re.fullmatch(r"[0-9]{1,10}", query.get("job", [""])[0]):
                raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, f"{uri}: not a job-uri")
            job_id = int(query["job"][0])
        return self.server.printers[name.lower()].name, job_id

    def _client(self, request: Message, caller: Caller) -> Client:
        principal = caller.principal
        if principal is None:
            named = request.operation_attribute("requesting-user-name")
            who = _c_string(named.value) if named is not None and named.value else ""
            who = who or "anonymous"
            principal = Principal(who, "IPP", frozenset({EVERYONE}))
        return Client(self.surface, principal)

    # -- history -------------------------------------------------------------------------------

    def _on_event(self, time: float, kind: str, subject: str, data: dict[str, object]) -> None:
        if kind not in ("job.completed", "job.deleted"):
            return
        job = self.server.jobs.get(int(subject.rpartition("/")[2]))
        if job is None:
            return
        if kind == "job.completed":
            state = COMPLETED
        else:
            state = CANCELED
        self._sending.pop(job.job_id, None)
        self._finished[job.job_id] = Finished(
            job.job_id,
            job.printer_name,
            job.document,
            job.user,
            state,
            job.submitted,
            job.started,
            time,
            job.size,
            job.pages_printed,
        )
        while len(self._finished) > self._history:
            self._finished.popitem(last=False)


def printer_of_path(path: str) -> str | None:
    """The printer a URL path names: ``/printers/<name>/.printer`` (or without ``.printer``)."""
    parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
    if len(parts) >= 2 and parts[0].lower() == "printers" and parts[1]:
        if len(parts) == 2 or (len(parts) == 3 and parts[2] in (".printer", "")):
            return parts[1]
    return None


@attrs.define
class _Context:
    """One request being answered."""

    service: IppService
    request: Message
    caller: Caller
    client: Client
    printer: str
    now: float

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def uri(self) -> str:
        return printer_uri(self.caller.host, self.printer)

    def fail(self, status: int, what: str) -> _Refused:
        code = Win32(status).name if status in Win32._value2member_map_ else str(status)
        ipp_status = STATUS_OF.get(status, Status.SERVER_ERROR_INTERNAL_ERROR)
        if ipp_status is Status.CLIENT_ERROR_NOT_AUTHORIZED and self.caller.principal is None:
            ipp_status = Status.CLIENT_ERROR_NOT_AUTHENTICATED
        return _Refused(ipp_status, f"{what}: {code} ({status})")

    def open(self, access: Access) -> bytes:
        reply = self.client.RpcAsyncOpenPrinter(self.printer, None, None, access)
        if reply.status:
            raise self.fail(reply.status, f"OpenPrinter {self.printer}")
        return reply.pHandle

    def close(self, handle: bytes) -> None:
        self.client.RpcAsyncClosePrinter(handle)

    def read(self, method: str, *args: object, family: str, out: str) -> list[dict[str, object]]:
        """A level-2 Get/Enum call on the printer, opened for use and let go."""
        handle = self.open(Access.PRINTER_ACCESS_USE)
        try:
            status, infos = self.client.fetch(
                method, handle, *args, family=family, level=2, out=out
            )
        finally:
            self.close(handle)
        if status:
            raise self.fail(status, f"{method.removeprefix('RpcAsync')} on {self.printer}")
        return infos

    def printer_info(self) -> dict[str, object]:
        return self.read("RpcAsyncGetPrinter", family="PRINTER_INFO", out="pPrinter")[0]

    def live_jobs(self) -> list[dict[str, object]]:
        return self.read("RpcAsyncEnumJobs", 0, 0xFFFF, family="JOB_INFO", out="pJob")

    def requested(self, default: Iterable[str] = ("all",)) -> set[str]:
        attr = self.request.operation_attribute("requested-attributes")
        return {str(v) for v in attr.py} if attr is not None else set(default)

    # -- job submission --------------------------------------------------------------------------

    def submit(self, op: Op) -> list[Group]:
        datatype = self.check_document()
        unsupported = self.check_template(op)
        if op is Op.VALIDATE_JOB:
            self.close(self.open(Access.PRINTER_ACCESS_USE))  # the access check, then let go
            return _unsupported(unsupported)
        if self.service.server.printers[self.printer.lower()].pending_deletion:
            raise _Refused(
                Status.SERVER_ERROR_NOT_ACCEPTING_JOBS, f"{self.printer} is being deleted"
            )
        handle = self.open(Access.PRINTER_ACCESS_USE)
        name = _text(self.request, "job-name") or _text(self.request, "document-name") or "IPP job"
        started = self.client.RpcAsyncStartDocPrinter(
            handle, Container(1, {"pDocName": name, "pOutputFile": None, "pDatatype": datatype})
        )
        if started.status:
            self.close(handle)
            raise self.fail(started.status, f"StartDocPrinter on {self.printer}")
        job_id = started.pJobId
        if op is Op.CREATE_JOB:
            self.service._sending[job_id] = _Sending(self.client, handle, self.printer)
        else:
            self.write(self.client, handle, job_id, self.request.data, last=True)
        return [
            self.job_group(
                job_id,
                (
                    "job-uri",
                    "job-id",
                    "job-state",
                    "job-state-reasons",
                    "job-state-message",
                    "number-of-intervening-jobs",
                ),
            ),
            *_unsupported(unsupported),
        ]

    def write(self, client: Client, handle: bytes, job_id: int, data: bytes, *, last: bool) -> None:
        """Send a document's data on the handle ``client`` opened; end the job if ``last``."""
        if data:
            written = client.RpcAsyncWritePrinter(handle, data, len(data))
            if written.status:
                client.RpcAsyncAbortPrinter(handle)
                client.RpcAsyncClosePrinter(handle)
                self.service._sending.pop(job_id, None)
                raise self.fail(written.status, f"WritePrinter job {job_id}")
        if last:
            self.service._sending.pop(job_id, None)
            ended = client.RpcAsyncEndDocPrinter(handle)
            client.RpcAsyncClosePrinter(handle)
            if ended.status:
                raise self.fail(ended.status, f"EndDocPrinter job {job_id}")

    def check_document(self) -> str:
        fmt = self.request.operation_attribute("document-format")
        compression = self.request.operation_attribute("compression")
        if compression is not None and compression.value != "none":
            raise _Refused(
                Status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED,
                f"compression {compression.value!r}: only none",
                compression,
            )
        if fmt is None:
            return FORMATS["application/octet-stream"]
        datatype = FORMATS.get(str(fmt.value).lower())
        if datatype is None:
            raise _Refused(
                Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED,
                f"document-format {fmt.value!r}; supported: {', '.join(FORMATS)}",
                fmt,
            )
        return datatype

    def check_template(self, op: Op) -> list[Attribute]:
        """The job template attributes this printer does not support (RFC 8011 4.1.7)."""
        group = self.request.group(Tag.JOB)
        bad = [
            a
            for a in (group.attributes if group is not None else ())
            if any(v not in TEMPLATE.get(a.name, ()) for v in a.py)
        ]
        fidelity = self.request.operation_attribute("ipp-attribute-fidelity")
        if bad and fidelity is not None and fidelity.value is True:
            names = ", ".join(a.name for a in bad)
            raise _Refused(
                Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                f"{names}: not supported and ipp-attribute-fidelity is true",
                *bad,
            )
        return bad

    def send_document(self, job_id: int) -> list[Group]:
        sending = self.service._sending.get(job_id)
        if sending is None or sending.printer != self.printer:
            if job_id in self.service._finished or job_id in self.service.server.jobs:
                raise _Refused(
                    Status.CLIENT_ERROR_NOT_POSSIBLE, f"job {job_id} is not waiting for documents"
                )
            raise _Refused(Status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id} on {self.printer}")
        last = self.request.operation_attribute("last-document")
        if last is None or last.tag != Tag.BOOLEAN:
            raise _Refused(
                Status.CLIENT_ERROR_BAD_REQUEST, "Send-Document needs last-document (boolean)"
            )
        if sending.client.principal.user.lower() != self.client.principal.user.lower():
            raise _Refused(Status.CLIENT_ERROR_NOT_AUTHORIZED, f"job {job_id} is not yours")
        self.check_document()
        self.write(sending.client, sending.handle, job_id, self.request.data, last=bool(last.value))
        return [self.job_group(job_id, ("job-uri", "job-id", "job-state", "job-state-reasons"))]

    # -- job control -----------------------------------------------------------------------------

    def cancel(self, job_id: int) -> list[Group]:
        if job_id in self.service._finished:
            done = self.service._finished[job_id]
            raise _Refused(
                Status.CLIENT_ERROR_NOT_POSSIBLE,
                f"job {job_id} is already {STATE_NAMES[done.state]}",
            )
        job = self.service.server.jobs.get(job_id)
        if job is None or job.printer_name.lower() != self.printer.lower():
            raise _Refused(Status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id} on {self.printer}")
        if job.status & JobStatus.DELETING:
            raise _Refused(Status.CLIENT_ERROR_NOT_POSSIBLE, f"job {job_id} is being cancelled")
        # The spooler's own check decides who may (the owner, or who administers documents).
        handle = self.open(Access.PRINTER_ACCESS_USE)
        try:
            reply = self.client.RpcAsyncSetJob(handle, job_id, None, JobControl.DELETE)
        finally:
            self.close(handle)
        if reply.status:
            raise self.fail(reply.status, f"SetJob {job_id} JOB_CONTROL_DELETE")
        sending = self.service._sending.pop(job_id, None)
        if sending is not None:  # still being sent: the sender's handle lets go of it
            sending.client.RpcAsyncAbortPrinter(sending.handle)
            sending.client.RpcAsyncClosePrinter(sending.handle)
        return []

    def control(self, op: Op) -> list[Group]:
        command = {
            Op.PAUSE_PRINTER: PrinterControl.PAUSE,
            Op.RESUME_PRINTER: PrinterControl.RESUME,
            Op.PURGE_JOBS: PrinterControl.PURGE,
        }[op]
        handle = self.open(Access.PRINTER_ACCESS_ADMINISTER)
        try:
            reply = self.client.RpcAsyncSetPrinter(handle, Container(0), None, None, command)
        finally:
            self.close(handle)
        if reply.status:
            raise self.fail(reply.status, f"SetPrinter {self.printer} {command.name}")
        if op is Op.PURGE_JOBS:
            for job_id in [
                j for j, s in self.service._sending.items() if s.printer == self.printer
            ]:
                sending = self.service._sending.pop(job_id)
                sending.client.RpcAsyncClosePrinter(sending.handle)
        return []

    # -- reading -----------------------------------------------------------------------------------

    def job_attributes(self, job_id: int) -> list[Group]:
        return [self.job_group(job_id, self.requested())]

    def jobs(self) -> list[Group]:
        which = _text(self.request, "which-jobs") or "not-completed"
        if which not in ("completed", "not-completed", "all"):
            raise _Refused(
                Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED,
                f"which-jobs {which!r}",
                self.request.operation_attribute("which-jobs"),
            )
        limit_attr = self.request.operation_attribute("limit")
        limit = None
        if limit_attr is not None:
            if limit_attr.tag != Tag.INTEGER or not isinstance(limit_attr.value, int):
                raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, "limit must be an integer")
            if limit_attr.value < 1:
                raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, "limit must be at least 1")
            limit = limit_attr.value
        mine = self.request.operation_attribute("my-jobs")
        me = self.client.principal.user.lower() if mine is not None and mine.value else None
        records: list[JobFacts] = []
        if which != "completed":
            records += [self.live_facts(info) for info in self.live_jobs()]
        if which != "not-completed":
            finished = [f for f in self.service._finished.values() if f.printer == self.printer]
            records += [finished_facts(f) for f in reversed(finished)]
        if me is not None:
            records = [r for r in records if r.user.lower() == me]
        wanted = self.requested(JOB_DEFAULT)
        return [Group(Tag.JOB, self.job_attrs(r, wanted)) for r in records[:limit]]

    def job_group(self, job_id: int, wanted: Iterable[str]) -> Group:
        return Group(Tag.JOB, self.job_attrs(self.facts(job_id), set(wanted)))

    def facts(self, job_id: int) -> JobFacts:
        finished = self.service._finished.get(job_id)
        if finished is not None and finished.printer == self.printer:
            return finished_facts(finished)
        job = self.service.server.jobs.get(job_id)
        if job is None or job.printer_name.lower() != self.printer.lower():
            raise _Refused(Status.CLIENT_ERROR_NOT_FOUND, f"no job {job_id} on {self.printer}")
        return self.live_facts(
            self.read("RpcAsyncGetJob", job_id, family="JOB_INFO", out="pJob")[0]
        )

    def live_facts(self, info: Mapping[str, object]) -> JobFacts:
        job_id = int(info["JobId"])
        job = self.service.server.jobs.get(job_id)
        bits = JobStatus(int(info["Status"]))
        state, reasons = job_state(bits, self.printer_paused())
        return JobFacts(
            job_id=job_id,
            name=str(info["pDocument"] or ""),
            user=str(info["pUserName"] or ""),
            state=state,
            reasons=reasons,
            message=str(info["pStatus"] or "") or STATE_NAMES[state],
            created=job.submitted if job is not None else self.now,
            processing=job.started if job is not None else None,
            completed=None,
            size=int(info["Size"]),
            pages=int(info["TotalPages"]),
            printed=int(info["PagesPrinted"]),
            position=max(int(info["Position"]) - 1, 0),
            priority=int(info["Priority"]),
            port=job.port if job is not None and job.port else None,
        )

    def printer_paused(self) -> bool:
        printer = self.service.server.printers[self.printer.lower()]
        return bool(printer.status & PrinterStatus.PAUSED)

    def job_attrs(self, facts: JobFacts, wanted: set[str]) -> tuple[Attribute, ...]:
        return job_attributes(
            facts, wanted, printer=self.printer, host=self.caller.host, now=self.now
        )

    def printer_attributes(self) -> list[Group]:
        info = self.printer_info()
        server = self.service.server
        printing = any(
            j.port is not None
            for j in server.jobs.values()
            if j.printer_name.lower() == self.printer.lower()
        )
        wanted = self.requested()
        attributes = printer_attributes(
            info,
            wanted,
            host=self.caller.host,
            now=self.now,
            printing=printing,
            accepting=not server.printers[self.printer.lower()].pending_deletion,
            anonymous=self.caller.principal is None,
        )
        return [Group(Tag.PRINTER, attributes)]


def _text(request: Message, name: str) -> str | None:
    attr = request.operation_attribute(name)
    return _c_string(attr.value) if attr is not None and attr.value is not None else None


def _c_string(value: object) -> str:
    """A name as the spooler keeps it: up to its first NUL, as a Windows string ends (IPP
    allows NUL in text; the *_INFO structures that carry the name cannot hold one)."""
    return str(value).split("\0", 1)[0]


def _integer(request: Message, name: str) -> int:
    attr = request.operation_attribute(name)
    if attr is None:
        raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, f"no {name} operation attribute")
    if attr.tag != Tag.INTEGER or not isinstance(attr.value, int):
        raise _Refused(Status.CLIENT_ERROR_BAD_REQUEST, f"{name} must be an integer", attr)
    return attr.value


def _unsupported(attributes: Sequence[Attribute]) -> list[Group]:
    return [Group(Tag.UNSUPPORTED_GROUP, tuple(attributes))] if attributes else []
