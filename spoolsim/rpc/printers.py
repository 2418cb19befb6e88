"""Printer management: open, add, delete, set, get, close and enumerate (MS-PAR 3.1.4.1)."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

import attrs

from spoolsim.model import security
from spoolsim.model.constants import (
    Access,
    PrinterAttributes,
    PrinterControl,
    PrinterEnum,
    Win32,
)
from spoolsim.model.errors import SpoolerError
from spoolsim.model.jobs import Job
from spoolsim.model.printbrowse import receive_announcement
from spoolsim.model.printers import Printer, printer_name_ok
from spoolsim.rpc.core import (
    Call,
    Container,
    HandleKind,
    HandleState,
    Reply,
    buffered,
    check_level,
    check_server_access,
    check_server_name,
    method,
    require,
)
from spoolsim.rpc.records import printer_info
from spoolsim.rpc.secdesc import decode_descriptor

MAX_NAME = 260  # MAX_PATH: the longest printer-name string OpenPrinter accepts
SERVER_BITS = Access.SERVER_ACCESS_ADMINISTER | Access.SERVER_ACCESS_ENUMERATE
PRINTER_BITS = (
    Access.PRINTER_ACCESS_ADMINISTER
    | Access.PRINTER_ACCESS_USE
    | Access.PRINTER_ACCESS_MANAGE_LIMITED
    | Access.JOB_ACCESS_ADMINISTER
    | Access.JOB_ACCESS_READ
)
GET_LEVELS = (0, 1, 2, 3, 4, 5, 6, 7, 8)
ENUM_LEVELS = (0, 1, 2, 4, 5)
SET_LEVELS = (0, 2, 3, 4, 5, 6, 7, 8, 9)
LOCAL_PROVIDER = "Windows NT Local Print Providor"  # Windows' own spelling
DSPRINT_PUBLISH, DSPRINT_UPDATE, DSPRINT_UNPUBLISH = 1, 2, 4


def _field(info: Mapping[str, Any] | None, key: str, default: Any = None) -> Any:
    value = (info or {}).get(key, default)
    return default if value is None else value


def _parse_name(call: Call, name: str | None) -> tuple[HandleKind, str]:
    """Split an OpenPrinter name into the kind of handle and the object it names.

    Forms: NULL / ``""`` / ``\\\\SERVER`` (server), ``[\\\\SERVER\\]Printer``,
    ``Printer, Job N``, ``Port, Port``, ``,XcvMonitor Monitor`` and ``,XcvPort Port``.
    """
    if name is not None and len(name) > MAX_NAME:
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, "name too long")
    rest = name or ""
    if rest.startswith("\\\\"):
        server, _, rest = rest[2:].partition("\\")
        if not call.server.answers_to(server):
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"server {server!r}")
    if not rest:
        return HandleKind.SERVER, ""
    obj, comma, suffix = rest.partition(",")
    suffix = suffix.strip()
    if not comma or suffix.lower() in ("localonly", "localsplonly"):
        return HandleKind.PRINTER, obj
    if not obj and suffix.startswith(("XcvMonitor ", "XcvPort ")):
        return HandleKind.XCV, suffix
    if suffix.startswith("Job "):
        return HandleKind.JOB, rest
    if suffix == "Port":
        return HandleKind.PORT, obj.strip()
    raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"name {name!r}")


def _open_server(call: Call, access: int, kind: HandleKind, xcv: str | None = None) -> HandleState:
    wanted = security.SERVER_MAPPING.map(access) & ~PRINTER_BITS
    if kind is HandleKind.XCV:
        wanted |= Access.SERVER_ACCESS_ADMINISTER
        target = xcv.split(" ", 1)[1] if xcv else ""
        known = call.server.monitors if xcv and xcv.startswith("XcvMonitor") else call.server.ports
        if target.lower() not in known:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"no Xcv target {target!r}")
    ok, granted = security.check(
        call.server.security,
        call.principal,
        wanted or Access.SERVER_ACCESS_ENUMERATE,
        security.SERVER_MAPPING,
    )
    if not ok:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "server access")
    return HandleState(kind, call.session.id, granted, xcv=xcv)


def _open_printer(
    call: Call, printer: Printer, access: int, datatype: str | None, job: Job | None = None
) -> HandleState:
    """A printer handle, or with ``job`` a job handle (``Printer, Job N``).

    A job is its own object (MS-RPRN 2.2.3.1: the JOB_* values open print jobs): GENERIC_* map to
    the JOB_* rights, and the printer's descriptor decides with the job's submitter as CREATOR
    OWNER, as for SetJob, so a user may open their own job with JOB_ACCESS_ADMINISTER or
    JOB_ACCESS_READ and not another user's.
    """
    mapping = security.PRINTER_MAPPING if job is None else security.JOB_MAPPING
    wanted = mapping.map(access) & ~SERVER_BITS
    if not wanted & ~Access.SYNCHRONIZE:
        wanted |= Access.PRINTER_ACCESS_USE  # as Samba: no access asked means "to print"
    owner = None if job is None else job.user
    ok, granted = security.check(printer.security, call.principal, wanted, mapping, owner=owner)
    if not ok:
        what = printer.name if job is None else f"job {job.job_id} on {printer.name}"
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, f"access to {what}")
    if datatype and not call.server.processor(printer.print_processor).supports(datatype):
        raise SpoolerError(Win32.ERROR_INVALID_DATATYPE, f"datatype {datatype!r}")
    if job is not None:
        return HandleState(
            HandleKind.JOB, call.session.id, granted, printer, job_id=job.job_id, datatype=datatype
        )
    return HandleState(HandleKind.PRINTER, call.session.id, granted, printer, datatype=datatype)


@method(0)
def RpcAsyncOpenPrinter(
    call: Call,
    pPrinterName: str | None,
    pDatatype: str | None,
    pDevModeContainer: Container | None,
    AccessRequired: int,
    pClientInfo: Container | None = None,
) -> Reply:
    kind, target = _parse_name(call, pPrinterName)
    if kind in (HandleKind.SERVER, HandleKind.XCV):
        state = _open_server(call, AccessRequired, kind, target or None)
    elif kind is HandleKind.PORT:
        if target.lower() not in call.server.ports:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"no port {target!r}")
        state = _open_server(call, AccessRequired, HandleKind.SERVER)
        state = attrs.evolve(
            state, kind=HandleKind.PORT, port=call.server.ports[target.lower()].name
        )
    elif kind is HandleKind.JOB:
        pname, _, jobpart = target.partition(",")
        printer = _openable(call, pname)
        try:
            job = call.server.job(int(jobpart.strip()[4:]), printer)
        except (ValueError, SpoolerError):
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, target) from None
        state = _open_printer(call, printer, AccessRequired, pDatatype, job)
    else:
        state = _open_printer(call, _openable(call, target), AccessRequired, pDatatype)
    return Reply(0, {"pHandle": call.surface.new_handle(state)})


def _openable(call: Call, name: str) -> Printer:
    """A printer by name or share name. MS-RPRN 3.1.4.2.4: a printer pending deletion takes no
    new opens; open handles go on."""
    server = call.server
    key = name.lower()
    printer = server.printers.get(key) or next(
        (p for p in server.printers.values() if p.share_name and p.share_name.lower() == key),
        None,
    )
    if printer is None:
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"no printer {name!r}")
    if printer.pending_deletion:
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"{name} is pending deletion")
    return printer


def _printer_from_info(info: Mapping[str, Any], sd: security.SecurityDescriptor) -> Printer:
    name = _field(info, "pPrinterName", "")
    if not printer_name_ok(name):
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"printer name {name!r}")
    ports = [p.strip() for p in _field(info, "pPortName", "").split(",") if p.strip()]
    attributes = PrinterAttributes(_field(info, "Attributes", PrinterAttributes.QUEUED))
    return Printer(
        name=name,
        ports=ports,
        driver_name=_field(info, "pDriverName", ""),
        share_name=_field(info, "pShareName", "")
        or (name if attributes & PrinterAttributes.SHARED else ""),
        comment=_field(info, "pComment", ""),
        location=_field(info, "pLocation", ""),
        sep_file=_field(info, "pSepFile", ""),
        print_processor=_field(info, "pPrintProcessor", ""),
        datatype=_field(info, "pDatatype", "RAW"),
        parameters=_field(info, "pParameters", ""),
        attributes=attributes | PrinterAttributes.LOCAL,
        priority=_field(info, "Priority", 1),
        default_priority=_field(info, "DefaultPriority", 0),
        start_time=_field(info, "StartTime", 0),
        until_time=_field(info, "UntilTime", 0),
        devmode=_field(info, "pDevMode"),
        security=sd,
    )


@method(1)
def RpcAsyncAddPrinter(
    call: Call,
    pName: str | None,
    pPrinterContainer: Container,
    pDevModeContainer: Container | None,
    pSecurityContainer: bytes | None,
    pClientInfo: Container | None = None,
) -> Reply:
    check_server_name(call.server, pName)
    check_level(pPrinterContainer.Level, (1, 2))
    if pPrinterContainer.Level == 1:
        return _announced(call, pPrinterContainer.info)
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER)
    if pPrinterContainer.info is None:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "no PRINTER_INFO_2")
    sd = (
        decode_descriptor(pSecurityContainer)
        if pSecurityContainer
        else security.default_printer_security()
    )
    printer = _printer_from_info(pPrinterContainer.info, sd)
    if pDevModeContainer is not None and pDevModeContainer.info:
        printer.devmode = pDevModeContainer.info.get("pDevMode")
    call.server.add_printer(printer, call.now)
    _, granted = security.check(
        sd, call.principal, Access.PRINTER_ALL_ACCESS, security.PRINTER_MAPPING
    )
    state = HandleState(HandleKind.PRINTER, call.session.id, granted, printer)
    return Reply(0, {"pHandle": call.surface.new_handle(state)})


def _announced(call: Call, info: Mapping[str, Any] | None) -> Reply:
    """AddPrinter at level 1: another server's thread announces a shared printer (MS-RPRN
    3.2.4.2.5). It joins or refreshes this server's network-printer cache; nothing is created
    here, so no handle comes back. Announcements arrive under the sending server's machine
    account, which holds SERVER_ACCESS_ENUMERATE like any authenticated principal."""
    check_server_access(call, Access.SERVER_ACCESS_ENUMERATE)
    if info is None:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "no PRINTER_INFO_1")
    receive_announcement(call.server, info, call.now)
    return Reply(0, {"pHandle": None})


@method(7)
def RpcAsyncDeletePrinter(call: Call, hPrinter: bytes) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    require(state, Access.DELETE)
    call.server.delete_printer(state.printer, call.now)
    return Reply(0)


@method(9)
def RpcAsyncGetPrinter(call: Call, hPrinter: bytes, Level: int, cbBuf: int) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    if Level == 9:
        raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, "level 9 is per-user, not over RPC")
    check_level(Level, GET_LEVELS)
    if Level == 3:  # the security descriptor: READ_CONTROL is the right that reads it
        require(state, Access.READ_CONTROL)
    elif not state.granted & (Access.PRINTER_ACCESS_USE | Access.PRINTER_ACCESS_ADMINISTER):
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "printer access")
    rec = printer_info(call.server, state.printer, Level, call.now, "")
    return buffered("PRINTER_INFO", Level, [rec], cbBuf, out="pPrinter", count=None)


def _set_level2(call: Call, p: Printer, info: Mapping[str, Any]) -> None:
    changes: dict[str, Any] = {}
    simple = {
        "pShareName": "share_name",
        "pDriverName": "driver_name",
        "pComment": "comment",
        "pLocation": "location",
        "pSepFile": "sep_file",
        "pPrintProcessor": "print_processor",
        "pDatatype": "datatype",
        "pParameters": "parameters",
        "Priority": "priority",
        "DefaultPriority": "default_priority",
        "StartTime": "start_time",
        "UntilTime": "until_time",
        "pDevMode": "devmode",
    }
    for src, dst in simple.items():
        if info.get(src) is not None:
            changes[dst] = info[src]
    if info.get("pPortName") is not None:
        changes["ports"] = [x.strip() for x in info["pPortName"].split(",") if x.strip()]
    if info.get("Attributes") is not None:
        changes["attributes"] = PrinterAttributes(info["Attributes"]) | PrinterAttributes.LOCAL
    new_name = info.get("pPrinterName")
    if new_name and new_name.lower() != p.name.lower():
        if not printer_name_ok(new_name):
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"printer name {new_name!r}")
        if new_name.lower() in call.server.printers:
            raise SpoolerError(Win32.ERROR_PRINTER_ALREADY_EXISTS, new_name)
    call.server.check_printer_config(attrs.evolve(p, **changes))
    for key, value in changes.items():
        setattr(p, key, value)
    if "ports" in changes:
        call.server.ports_changed()
    if new_name and new_name != p.name:
        call.server.rename_printer(p, new_name, call.now)


@method(8)
def RpcAsyncSetPrinter(
    call: Call,
    hPrinter: bytes,
    pPrinterContainer: Container,
    pDevModeContainer: Container | None,
    pSecurityContainer: bytes | None,
    Command: int,
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    level = pPrinterContainer.Level
    check_level(level, SET_LEVELS)
    require(state, Access.PRINTER_ACCESS_ADMINISTER)
    p, info, server = state.printer, pPrinterContainer.info or {}, call.server
    if Command:
        if level != 0 or Command not in tuple(PrinterControl)[1:]:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"command {Command} at level {level}")
        if Command == PrinterControl.PAUSE:
            server.pause_printer(p, call.now)
        elif Command == PrinterControl.RESUME:
            server.resume_printer(p, call.now)
        elif Command == PrinterControl.PURGE:
            server.purge_printer(p, call.now)
        else:
            server.set_printer_status(p, _field(info, "Status", 0), call.now)
        return Reply(0)
    if level == 0:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "level 0 needs a command")
    if level == 2:
        _set_level2(call, p, info)
    elif level == 3:
        if not pSecurityContainer and not info.get("pSecurityDescriptor"):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "no security descriptor")
        require(state, Access.WRITE_DAC)
        p.security = decode_descriptor(pSecurityContainer or info["pSecurityDescriptor"])
    elif level == 4:
        p.attributes = (
            PrinterAttributes(_field(info, "Attributes", p.attributes)) | PrinterAttributes.LOCAL
        )
    elif level == 5:
        ports = [x.strip() for x in _field(info, "pPortName", p.port_name).split(",") if x.strip()]
        server.check_printer_config(attrs.evolve(p, ports=ports))
        p.ports = ports
        server.ports_changed()
        p.attributes = (
            PrinterAttributes(_field(info, "Attributes", p.attributes)) | PrinterAttributes.LOCAL
        )
        p.device_not_selected_timeout = _field(
            info, "DeviceNotSelectedTimeout", p.device_not_selected_timeout
        )
        p.transmission_retry_timeout = _field(
            info, "TransmissionRetryTimeout", p.transmission_retry_timeout
        )
    elif level == 6:
        server.set_printer_status(p, _field(info, "dwStatus", 0), call.now)
    elif level == 7:
        _publish(p, _field(info, "dwAction", 0))
    else:
        fallback = (pDevModeContainer.info or {}).get("pDevMode") if pDevModeContainer else None
        p.devmode = _field(info, "pDevMode", fallback)
    server.log.add(call.now, "printer.set", p.name, level=level)
    return Reply(0)


def _publish(p: Printer, action: int) -> None:
    if action in (DSPRINT_PUBLISH, DSPRINT_UPDATE):
        p.attributes |= PrinterAttributes.PUBLISHED
        crc = zlib.crc32(p.name.lower().encode())
        p.object_guid = p.object_guid or f"{{{crc:08X}-0000-4000-8000-000000000000}}"
    elif action == DSPRINT_UNPUBLISH:
        p.attributes &= ~PrinterAttributes.PUBLISHED
        p.object_guid = ""
    else:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"dwAction {action}")
    p.ds_action = action


@method(20)
def RpcAsyncClosePrinter(call: Call, phPrinter: bytes) -> Reply:
    """Close a printer, server, job, port or Xcv handle. A document still open is ended as by
    EndDocPrinter, so what was written is printed (the local spooler ends an outstanding StartDoc
    on close). The change notifications registered through the handle end with it.

    Notification and IC handles are other context-handle types (RMTNTFY_HANDLE, GDI_HANDLE):
    they close with their own methods (opnums 59 and 37)."""
    state = call.surface.lookup(phPrinter, call.session)
    if state is None or state.kind in (HandleKind.NOTIFY, HandleKind.IC):
        raise SpoolerError(Win32.ERROR_INVALID_HANDLE, "handle")
    if state.doc_job is not None and state.doc_job in call.server.jobs:
        call.server.end_doc(call.server.jobs[state.doc_job], call.now)
    for handle in call.surface.notifier.owned_by(phPrinter):
        call.surface.drop_handle(handle)
        call.surface.notifier.remove(handle)
    call.surface.drop_handle(phPrinter)
    return Reply(0, {"phPrinter": None})


@method(38)
def RpcAsyncEnumPrinters(call: Call, Flags: int, Name: str | None, Level: int, cbBuf: int) -> Reply:
    check_level(Level, ENUM_LEVELS)
    if Flags & (PrinterEnum.REMOTE | PrinterEnum.NETWORK) and Level != 1:
        raise SpoolerError(Win32.ERROR_INVALID_LEVEL, "REMOTE and NETWORK take level 1")
    server = call.server
    named = bool(Flags & PrinterEnum.NAME)
    if named and not Name and Level == 1:
        provider = {
            "Flags": PrinterEnum.EXPAND | PrinterEnum.CONTAINER | 0x00010000,
            "pDescription": LOCAL_PROVIDER,
            "pName": LOCAL_PROVIDER,
            "pComment": "Locally connected printers",
        }
        return buffered("PRINTER_INFO", 1, [provider], cbBuf, out="pPrinterEnum")
    if named:
        check_server_name(server, Name)
    printers: list[Printer] = []
    if Flags & (PrinterEnum.LOCAL | PrinterEnum.NAME | PrinterEnum.SHARED):
        printers = [p for p in server.printers.values() if not p.pending_deletion]
        if Flags & PrinterEnum.SHARED:
            printers = [p for p in printers if p.shared]
    prefix = f"\\\\{server.name}\\" if named and Name else ""
    records = [printer_info(server, p, Level, call.now, prefix) for p in printers]
    # PRINTER_ENUM_NETWORK lists this server's network-printer cache (print browsing; the Name
    # is ignored without PRINTER_ENUM_NAME, as in the KB Q161734 trace). PRINTER_ENUM_CONNECTIONS
    # lists per-user connections, which live on clients.
    if Flags & PrinterEnum.NETWORK:
        records += [entry.record() for entry in server.browse.listing(call.now)]
    return buffered("PRINTER_INFO", Level, records, cbBuf, out="pPrinterEnum")
