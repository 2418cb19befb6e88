"""Ports, port monitors and print processors (MS-PAR 3.1.4.7, 3.1.4.8)."""

from __future__ import annotations

from spoolsim.model.constants import Access, PortSeverity, PortStatus, Win32
from spoolsim.model.drivers import canonical_environment
from spoolsim.model.errors import SpoolerError
from spoolsim.model.ports import Monitor, Port, PrintProcessor
from spoolsim.rpc.core import (
    Call,
    Container,
    Reply,
    buffered,
    check_level,
    check_server_access,
    method,
    sized,
)
from spoolsim.rpc.drivers import SPOOL_ROOT, directory
from spoolsim.rpc.records import monitor_info, port_info
from spoolsim.wire.marshal import pack_string

ADMIN = Access.SERVER_ACCESS_ADMINISTER
ENUMERATE = Access.SERVER_ACCESS_ENUMERATE
PORT_INFO_FF = 0x00FFFFFF


def _env(call: Call, environment: str | None) -> str:
    return canonical_environment(environment) if environment else call.server.environment


@method(44)
def RpcAsyncAddPrintProcessor(
    call: Call, pName: str | None, pEnvironment: str, pPathName: str, pPrintProcessorName: str
) -> Reply:
    check_server_access(call, ADMIN, pName)
    env = canonical_environment(pEnvironment)
    if not pPrintProcessorName or not pPathName:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "processor name and DLL required")
    if pPrintProcessorName.lower() in call.server.processors:
        raise SpoolerError(Win32.ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED, pPrintProcessorName)
    # A third-party processor is only known to pass RAW through.
    proc = PrintProcessor(pPrintProcessorName, env, pPathName, ("RAW",))
    call.server.processors[pPrintProcessorName.lower()] = proc
    call.server.log.add(call.now, "processor.added", pPrintProcessorName)
    return Reply(0)


@method(45)
def RpcAsyncEnumPrintProcessors(
    call: Call, pName: str | None, pEnvironment: str | None, Level: int, cbBuf: int
) -> Reply:
    check_server_access(call, ENUMERATE, pName)
    check_level(Level, (1,))
    env = _env(call, pEnvironment)
    procs = [p for p in call.server.processors.values() if p.environment == env]
    return buffered(
        "PRINTPROCESSOR_INFO",
        1,
        [{"pName": p.name} for p in procs],
        cbBuf,
        out="pPrintProcessorInfo",
    )


@method(46)
def RpcAsyncGetPrintProcessorDirectory(
    call: Call, pName: str | None, pEnvironment: str | None, Level: int, cbBuf: int
) -> Reply:
    check_server_access(call, ENUMERATE, pName)
    check_level(Level, (1,))
    path = directory(call, pName, _env(call, pEnvironment), SPOOL_ROOT + "\\prtprocs", "prnproc$")
    return sized(pack_string(path), 1, cbBuf, out="pPrintProcessorDirectory", count=None)


@method(47)
def RpcAsyncEnumPorts(call: Call, pName: str | None, Level: int, cbBuf: int) -> Reply:
    check_server_access(call, ENUMERATE, pName)
    check_level(Level, (1, 2))
    records = [port_info(p, Level) for p in call.server.ports.values()]
    return buffered("PORT_INFO", Level, records, cbBuf, out="pPort")


@method(48)
def RpcAsyncEnumMonitors(call: Call, pName: str | None, Level: int, cbBuf: int) -> Reply:
    check_server_access(call, ENUMERATE, pName)
    check_level(Level, (1, 2))
    records = [monitor_info(m, Level) for m in call.server.monitors.values()]
    return buffered("MONITOR_INFO", Level, records, cbBuf, out="pMonitor")


@method(49)
def RpcAsyncAddPort(
    call: Call,
    pName: str | None,
    pPortContainer: Container,
    pPortVarContainer: bytes | None,
    pMonitorName: str,
) -> Reply:
    """RpcAddPortEx semantics: PORT_INFO_1, or PORT_INFO_FF with monitor data."""
    check_server_access(call, ADMIN, pName)
    check_level(pPortContainer.Level & 0x00FFFFFF, (1, PORT_INFO_FF))
    port_name = (pPortContainer.info or {}).get("pPortName")
    if not port_name:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pPortName is empty")
    monitor = call.server.monitors.get((pMonitorName or "").lower())
    if monitor is None:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PRINT_MONITOR, f"no monitor {pMonitorName!r}")
    config = {"monitor_data": bytes(pPortVarContainer)} if pPortVarContainer else {}
    call.server.add_port(Port(port_name, monitor.name, monitor.name, config=config), call.now)
    return Reply(0)


@method(50)
def RpcAsyncSetPort(
    call: Call, pName: str | None, pPortName: str, pPortContainer: Container
) -> Reply:
    """Level 3 sets the status a port monitor reports (PORT_INFO_3)."""
    check_server_access(call, ADMIN, pName)
    check_level(pPortContainer.Level, (3,))
    port = call.server.ports.get((pPortName or "").lower())
    if port is None:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PORT, f"no port {pPortName!r}")
    info = pPortContainer.info or {}
    try:
        status = PortStatus(info.get("dwStatus", 0))
        severity = PortSeverity(info.get("dwSeverity", 0))
    except ValueError:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "PORT_INFO_3 status") from None
    port.status, port.severity, port.status_text = status, severity, info.get("pszStatus") or ""
    call.server.log.add(call.now, "port.status", port.name, status=int(status))
    return Reply(0)


@method(51)
def RpcAsyncAddMonitor(call: Call, Name: str | None, pMonitorContainer: Container) -> Reply:
    check_server_access(call, ADMIN, Name)
    check_level(pMonitorContainer.Level, (2,))
    info = pMonitorContainer.info or {}
    name, dll = info.get("pName"), info.get("pDLLName")
    if not name or not dll:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "monitor name and DLL required")
    env = canonical_environment(info.get("pEnvironment"))
    if name.lower() in call.server.monitors:
        raise SpoolerError(Win32.ERROR_PRINT_MONITOR_ALREADY_INSTALLED, name)
    call.server.monitors[name.lower()] = Monitor(name, env, dll)
    call.server.log.add(call.now, "monitor.added", name)
    return Reply(0)


@method(52)
def RpcAsyncDeleteMonitor(
    call: Call, Name: str | None, pEnvironment: str | None, pMonitorName: str
) -> Reply:
    check_server_access(call, ADMIN, Name)
    if pEnvironment:
        canonical_environment(pEnvironment)
    monitor = call.server.monitors.get((pMonitorName or "").lower())
    if monitor is None:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PRINT_MONITOR, f"no monitor {pMonitorName!r}")
    if any(p.monitor == monitor.name for p in call.server.ports.values()):
        raise SpoolerError(Win32.ERROR_PRINT_MONITOR_IN_USE, monitor.name)
    del call.server.monitors[monitor.name.lower()]
    call.server.log.add(call.now, "monitor.deleted", monitor.name)
    return Reply(0)


@method(53)
def RpcAsyncDeletePrintProcessor(
    call: Call, Name: str | None, pEnvironment: str | None, pPrintProcessorName: str
) -> Reply:
    check_server_access(call, ADMIN, Name)
    if pEnvironment:
        canonical_environment(pEnvironment)
    proc = call.server.processor(pPrintProcessorName)
    users = [
        p.name
        for p in call.server.printers.values()
        if p.print_processor.lower() == proc.name.lower()
    ]
    if users:
        # No Win32 code names "processor in use"; ERROR_BUSY is our choice, tested.
        raise SpoolerError(Win32.ERROR_BUSY, f"{proc.name} is used by {users[0]}")
    del call.server.processors[proc.name.lower()]
    call.server.log.add(call.now, "processor.deleted", proc.name)
    return Reply(0)


@method(54)
def RpcAsyncEnumPrintProcessorDatatypes(
    call: Call, pName: str | None, pPrintProcessorName: str, Level: int, cbBuf: int
) -> Reply:
    check_server_access(call, ENUMERATE, pName)
    check_level(Level, (1,))
    proc = call.server.processor(pPrintProcessorName)
    records = [{"pName": d} for d in proc.datatypes]
    return buffered("DATATYPES_INFO", 1, records, cbBuf, out="pDatatypes")
