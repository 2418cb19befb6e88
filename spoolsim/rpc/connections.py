"""Per-machine connections (MS-PAR 3.1.4.1.x, counterparts MS-RPRN 3.1.4.2.24-26, opnums 55-57).

A per-machine connection is a printer connection a machine makes for every user who logs on to
it; a client's spooler holds the list. Adding one for a printer already listed replaces it.
Deleting one that is not listed is ERROR_INVALID_PRINTER_NAME (MS-RPRN 3.1.4.2.25). Enumerating
returns PRINTER_INFO_4 records and, as the spec says, checks no access; adding and deleting are
remote administration of the machine and need SERVER_ACCESS_ADMINISTER (our choice: the spec
leaves their access checks to the implementation).
"""

from __future__ import annotations

from spoolsim.model.constants import Access, PrinterAttributes, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.pointprint import MachineConnection
from spoolsim.model.printbrowse import host_of
from spoolsim.rpc.core import Call, Reply, buffered, check_server_access, check_server_name, method


def _connection_name(name: str | None) -> str:
    """A printer connection is named ``\\\\SERVER\\Printer``."""
    if host_of(name or "") is None or "," in (name or ""):
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"{name!r} is not \\\\SERVER\\Printer")
    return name or ""


@method(55)
def RpcAsyncAddPerMachineConnection(
    call: Call, pServer: str | None, pPrinterName: str, pPrintServer: str, pProvider: str
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER, pServer)
    printer = _connection_name(pPrinterName)
    if not pPrintServer or not pPrintServer.startswith("\\\\") or len(pPrintServer) < 3:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"pPrintServer {pPrintServer!r}")
    if not pProvider:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pProvider is empty")
    call.server.machine_connections[printer.lower()] = MachineConnection(
        printer, pPrintServer, pProvider
    )
    call.server.log.add(call.now, "connection.added", printer, server=pPrintServer)
    return Reply(0)


@method(56)
def RpcAsyncDeletePerMachineConnection(call: Call, pServer: str | None, pPrinterName: str) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER, pServer)
    printer = _connection_name(pPrinterName)
    if call.server.machine_connections.pop(printer.lower(), None) is None:
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"no per-machine connection {printer}")
    call.server.log.add(call.now, "connection.deleted", printer)
    return Reply(0)


@method(57)
def RpcAsyncEnumPerMachineConnections(call: Call, pServer: str | None, cbBuf: int) -> Reply:
    check_server_name(call.server, pServer)
    records = [
        {
            "pPrinterName": c.printer,
            "pServerName": c.print_server,
            "Attributes": int(PrinterAttributes.NETWORK),
        }
        for c in call.server.machine_connections.values()
    ]
    return buffered("PRINTER_INFO", 4, records, cbBuf, out="pPrinterEnum")
