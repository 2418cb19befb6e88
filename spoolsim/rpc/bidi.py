"""RpcAsyncSendRecvBidiData (opnum 34): what the port monitor knows of the device, by schema.

The Standard TCP/IP port monitor keeps the device's last reported state on the port (see
``spoolsim/runtime/monitor.py``); this method reads it through the bidi schema (Windows driver
docs, "Bidi Communication Schema"):

* ``\\Printer.Status.Summary:State`` (BIDI_STRING): ``Idle``, ``Processing`` or ``Stopped``;
* ``\\Printer.Status.Summary:StateReason`` (BIDI_STRING): space-delimited reasons from the
  schema's list (``MediaJam``, ``MediaEmpty``, ``DoorOpen``, ``MarkerSupplyEmpty``,
  ``MarkerSupplyLow``, ``AttentionRequired``, ``Paused``) or ``None``;
* ``\\Printer.Consumables.<Name>:Level`` (BIDI_INT): percent left, for every consumable the
  device reported (``Toner``, and each input tray as ``Tray1``, ``Tray2``...).

Actions: ``Get`` answers each request's schema; ``GetAll`` and ``Enum`` answer every value under
the given path. ``Set`` is refused per request with ERROR_BIDI_SCHEMA_READ_ONLY; an unknown
schema gets ERROR_BIDI_SCHEMA_NOT_SUPPORTED in its response, and the call still returns 0. A
port without bidi (Local Port, LPR) answers ERROR_NOT_SUPPORTED (ERROR_BIDI_NOT_SUPPORTED);
a device never reached, or unreachable now, ERROR_BIDI_DEVICE_OFFLINE.
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import Access, PortStatus, PrinterStatus, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.ports import RAW, Port
from spoolsim.rpc.core import Call, HandleKind, Reply, method, require

BIDI_NULL, BIDI_INT, BIDI_STRING = 0, 1, 4
ACTIONS = ("Get", "Set", "Enum", "GetAll", "GetWithArgument")
SUMMARY = "\\Printer.Status.Summary"
CONSUMABLES = "\\Printer.Consumables"

_REASONS = (
    (PrinterStatus.PAPER_JAM, "MediaJam"),
    (PrinterStatus.PAPER_OUT, "MediaEmpty"),
    (PrinterStatus.DOOR_OPEN, "DoorOpen"),
    (PrinterStatus.NO_TONER, "MarkerSupplyEmpty"),
    (PrinterStatus.TONER_LOW, "MarkerSupplyLow"),
    (PrinterStatus.OFFLINE | PrinterStatus.USER_INTERVENTION, "AttentionRequired"),
)
_STOPPED = (
    PrinterStatus.PAPER_JAM
    | PrinterStatus.PAPER_OUT
    | PrinterStatus.DOOR_OPEN
    | PrinterStatus.NO_TONER
    | PrinterStatus.OFFLINE
    | PrinterStatus.USER_INTERVENTION
)
_WORKING = PrinterStatus.PRINTING | PrinterStatus.WARMING_UP | PrinterStatus.BUSY


@attrs.frozen
class BidiRequest:
    """RPC_BIDI_REQUEST_DATA: a request number, a schema path, and data for Set."""

    dwReqNumber: int
    pSchema: str
    dwBidiType: int = BIDI_NULL
    value: object = None


@attrs.frozen
class BidiResponse:
    """RPC_BIDI_RESPONSE_DATA: the result for one request (or one of an Enum's answers)."""

    dwResult: int
    dwReqNumber: int
    pSchema: str
    dwBidiType: int = BIDI_NULL
    value: object = None


def _values(port: Port, paused: bool) -> dict[str, tuple[int, object]]:
    """Every schema value the port can answer, by path."""
    bits = port.device_bits
    reasons = [name for flag, name in _REASONS if bits & flag]
    if paused:
        reasons.append("Paused")
    state = "Stopped" if bits & _STOPPED or paused else "Processing" if bits & _WORKING else "Idle"
    out: dict[str, tuple[int, object]] = {
        f"{SUMMARY}:State": (BIDI_STRING, state),
        f"{SUMMARY}:StateReason": (BIDI_STRING, " ".join(reasons) or "None"),
    }
    for name, level in sorted(port.supplies.items()):
        out[f"{CONSUMABLES}.{name.capitalize()}:Level"] = (BIDI_INT, level)
    return out


def _bidi_port(call: Call, hPrinter: bytes) -> tuple[Port, bool]:
    state = call.handle(hPrinter, HandleKind.PRINTER, HandleKind.PORT)
    if state.kind is HandleKind.PRINTER:
        require(state, Access.PRINTER_ACCESS_USE)
        printer = state.printer
        assert printer is not None
        names, paused = printer.ports, bool(printer.status & PrinterStatus.PAUSED)
    else:
        names, paused = [state.port or ""], False
    for name in names:
        port = call.server.ports.get(name.lower())
        if port is not None and port.tcp is not None and port.tcp.bidi and port.tcp.protocol == RAW:
            return port, paused
    raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, "the port monitor has no bidi for this port")


@method(34)
def RpcAsyncSendRecvBidiData(
    call: Call, hPrinter: bytes, pAction: str, pReqData: list[BidiRequest]
) -> Reply:
    port, paused = _bidi_port(call, hPrinter)
    if pAction not in ACTIONS:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"bidi action {pAction!r}")
    if port.device_code is None or port.status == PortStatus.OFFLINE:
        raise SpoolerError(Win32.ERROR_BIDI_DEVICE_OFFLINE, f"{port.name}: device not reachable")
    values = _values(port, paused)
    responses: list[BidiResponse] = []
    for req in pReqData or []:
        if pAction == "Set":
            responses.append(
                BidiResponse(Win32.ERROR_BIDI_SCHEMA_READ_ONLY, req.dwReqNumber, req.pSchema)
            )
            continue
        if pAction in ("GetAll", "Enum"):
            prefix = req.pSchema.rstrip("\\")
            found = [path for path in values if path.startswith((prefix + ":", prefix + "."))]
        else:
            found = [req.pSchema] if req.pSchema in values else []
        if not found:
            responses.append(
                BidiResponse(Win32.ERROR_BIDI_SCHEMA_NOT_SUPPORTED, req.dwReqNumber, req.pSchema)
            )
        for path in found:
            responses.append(BidiResponse(0, req.dwReqNumber, path, *values[path]))
    return Reply(
        0, {"ppRespData": {"Version": 1, "Flags": 0, "Count": len(responses), "aData": responses}}
    )
