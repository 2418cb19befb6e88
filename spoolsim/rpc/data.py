"""Printer data (MS-PAR 3.1.4.3): Get/Set/Enum/Delete of values and keys, plain and Ex.

On a printer handle the plain methods work on the ``PrinterDriverData`` key. On a server handle,
Get and Set reach the print server's values (fact sheet section 8): an unknown name is
ERROR_INVALID_PARAMETER and, as on Samba, the key name of the Ex forms is not consulted. A data
buffer that is too small is ERROR_MORE_DATA with the size needed.
"""

from __future__ import annotations

from spoolsim.model.constants import PRINTER_DRIVER_DATA_KEY, Access, RegType, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.pointprint import (
    COPYFILE_EVENT_SET_PRINTER_DATAEX,
    COPYFILE_FLAG_SERVER_SPOOLER,
    COPYFILES_KEY,
    PointAndPrintDll,
)
from spoolsim.rpc.core import Call, HandleKind, HandleState, Reply, method, require, sized
from spoolsim.wire.info import PRINTER_ENUM_VALUES
from spoolsim.wire.marshal import MarshalError, pack, pack_multi_sz, pack_string, unpack_string

ANY = (HandleKind.SERVER, HandleKind.PRINTER)


def _get(call: Call, state: HandleState, key: str, name: str, nSize: int) -> Reply:
    if state.kind is HandleKind.SERVER:
        type_, data = call.server.server_value(name)
    else:
        if not state.granted & (Access.PRINTER_ACCESS_USE | Access.PRINTER_ACCESS_ADMINISTER):
            raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "printer access")
        value = state.printer.data.get(key, name)
        type_, data = value.type, value.data
    reply = sized(data, 1, nSize, out="pData", count=None, small=Win32.ERROR_MORE_DATA)
    return Reply(reply.status, {"pType": type_, **reply.out})


# Changing a printer's data: PRINTER_ACCESS_ADMINISTER, or PRINTER_ACCESS_MANAGE_LIMITED, the right
# "to perform printer data management operations" (MS-RPRN 2.2.3.1; PRINTER_DEFAULTS: "such as
# those provided by SetPrinter and SetPrinterData"). Other SetPrinter work keeps needing
# PRINTER_ACCESS_ADMINISTER.
MANAGE_DATA = Access.PRINTER_ACCESS_ADMINISTER | Access.PRINTER_ACCESS_MANAGE_LIMITED


def _require_data_management(state: HandleState) -> None:
    if not state.granted & MANAGE_DATA:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "managing printer data")


def _set(
    call: Call, state: HandleState, key: str, name: str, type_: int, data: bytes, cb: int
) -> Reply:
    server_handle = state.kind is HandleKind.SERVER
    if server_handle:
        require(state, Access.SERVER_ACCESS_ADMINISTER)
    else:
        _require_data_management(state)
    if not key:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pKeyName is empty")
    if data is None or cb != len(data):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "cbData does not match pData")
    if server_handle:
        call.server.set_server_value(name, type_, data, call.now)
    else:
        state.printer.data.set(key, name, type_, data)
        call.server.log.add(call.now, "printer.data_set", state.printer.name, key=key, value=name)
        component = _copyfiles_component(key)
        dll = _module(call, state, key) if component else None
        if dll is not None:
            ok = dll.spooler_copy_file_event(
                state.printer.name, component, COPYFILE_EVENT_SET_PRINTER_DATAEX
            )
            call.server.log.add(
                call.now,
                "pnp.copy_file_event",
                state.printer.name,
                key=key,
                module=dll.name,
                event=COPYFILE_EVENT_SET_PRINTER_DATAEX,
                ok=bool(ok),
            )
    return Reply(0)


def _copyfiles_component(key: str) -> str:
    """``ICM`` for ``CopyFiles\\ICM`` (one level down), else ``""``."""
    head, sep, component = key.strip("\\").partition("\\")
    if sep and head.lower() == COPYFILES_KEY.lower() and component and "\\" not in component:
        return component
    return ""


def _module(call: Call, state: HandleState, key: str) -> PointAndPrintDll | None:
    """The server's Point and Print DLL named by the key's ``Module`` value, if installed."""
    try:
        module = unpack_string(state.printer.data.get(key, "Module").data)
    except (SpoolerError, MarshalError):
        return None
    return call.server.point_and_print_dlls.get(module.lower())


def _copy_file_paths(call: Call, state: HandleState, key: str) -> list[dict[str, object]]:
    """For a ``CopyFiles\\<component>`` key: the SourceDir and TargetDir values the server
    adds to EnumPrinterDataEx, after its Point and Print DLL (if any) has had its say. They are
    never stored."""
    if not _copyfiles_component(key):
        return []
    try:
        directory = unpack_string(state.printer.data.get(key, "Directory").data)
    except (SpoolerError, MarshalError):
        return []
    printer = state.printer.name
    source, target = f"\\\\{call.server.name}\\PRINT$\\{directory}", directory
    dll = _module(call, state, key)
    if dll is not None:
        source, target = dll.generate_copy_file_paths(
            printer, directory, source, target, COPYFILE_FLAG_SERVER_SPOOLER
        )
    call.server.log.add(
        call.now,
        "pnp.copy_file_paths",
        printer,
        key=key,
        module=dll.name if dll else "",
        side="server",
        source=source,
        target=target,
    )
    return [
        {"pValueName": "SourceDir", "dwType": RegType.REG_SZ, "pData": pack_string(source)},
        {"pValueName": "TargetDir", "dwType": RegType.REG_SZ, "pData": pack_string(target)},
    ]


@method(16)
def RpcAsyncGetPrinterData(call: Call, hPrinter: bytes, pValueName: str, nSize: int) -> Reply:
    state = call.handle(hPrinter, *ANY)
    return _get(call, state, PRINTER_DRIVER_DATA_KEY, pValueName, nSize)


@method(17)
def RpcAsyncGetPrinterDataEx(
    call: Call, hPrinter: bytes, pKeyName: str, pValueName: str, nSize: int
) -> Reply:
    state = call.handle(hPrinter, *ANY)
    if pKeyName is None:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pKeyName is NULL")
    return _get(call, state, pKeyName, pValueName, nSize)


@method(18)
def RpcAsyncSetPrinterData(
    call: Call, hPrinter: bytes, pValueName: str, Type: int, pData: bytes, cbData: int
) -> Reply:
    state = call.handle(hPrinter, *ANY)
    return _set(call, state, PRINTER_DRIVER_DATA_KEY, pValueName, Type, pData, cbData)


@method(19)
def RpcAsyncSetPrinterDataEx(
    call: Call,
    hPrinter: bytes,
    pKeyName: str,
    pValueName: str,
    Type: int,
    pData: bytes,
    cbData: int,
) -> Reply:
    state = call.handle(hPrinter, *ANY)
    return _set(call, state, pKeyName, pValueName, Type, pData, cbData)


def _utf16_size(s: str) -> int:
    return len(s.encode("utf-16-le")) + 2


@method(27)
def RpcAsyncEnumPrinterData(
    call: Call, hPrinter: bytes, dwIndex: int, cbValueName: int, cbData: int
) -> Reply:
    """The value at ``dwIndex`` of PrinterDriverData. With cbValueName and cbData both 0 the
    call reports the largest name and data sizes of the key instead (as EnumPrinterData does)."""
    state = call.handle(hPrinter, HandleKind.PRINTER)
    data = state.printer.data
    values = data.values(PRINTER_DRIVER_DATA_KEY) if data.has_key(PRINTER_DRIVER_DATA_KEY) else []
    if dwIndex < 0 or dwIndex >= len(values):
        raise SpoolerError(Win32.ERROR_NO_MORE_ITEMS, f"index {dwIndex}")
    if cbValueName == 0 and cbData == 0:
        return Reply(
            0,
            {
                "pValueName": None,
                "pcbValueName": max(_utf16_size(v.name) for v in values),
                "pType": 0,
                "pData": None,
                "pcbData": max(len(v.data) for v in values),
            },
        )
    value = values[dwIndex]
    name_size = _utf16_size(value.name)
    fits = cbValueName >= name_size and cbData >= len(value.data)
    return Reply(
        0 if fits else Win32.ERROR_MORE_DATA,
        {
            "pValueName": value.name if fits else None,
            "pcbValueName": name_size,
            "pType": value.type,
            "pData": value.data if fits else None,
            "pcbData": len(value.data),
        },
    )


@method(28)
def RpcAsyncEnumPrinterDataEx(
    call: Call, hPrinter: bytes, pKeyName: str, cbEnumValues: int
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    if not pKeyName:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pKeyName is empty")
    values = state.printer.data.values(pKeyName)
    records = [
        {"pValueName": v.name, "dwType": v.type, "pData": v.data}  # sizes derived when packed
        for v in values
    ]
    records.extend(_copy_file_paths(call, state, pKeyName))
    data = pack(PRINTER_ENUM_VALUES, records)
    return sized(
        data,
        len(records),
        cbEnumValues,
        out="pEnumValues",
        needed="pcbEnumValues",
        count="pnEnumValues",
        small=Win32.ERROR_MORE_DATA,
    )


@method(29)
def RpcAsyncEnumPrinterKey(call: Call, hPrinter: bytes, pKeyName: str, cbSubkey: int) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    if pKeyName is None:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pKeyName is NULL")
    subkeys = state.printer.data.subkeys(pKeyName)
    data = pack_multi_sz(subkeys)
    return sized(
        data,
        len(subkeys),
        cbSubkey,
        out="pSubkey",
        needed="pcbSubkey",
        count=None,
        small=Win32.ERROR_MORE_DATA,
    )


def _admin_printer(call: Call, hPrinter: bytes) -> HandleState:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    _require_data_management(state)
    return state


@method(30)
def RpcAsyncDeletePrinterData(call: Call, hPrinter: bytes, pValueName: str) -> Reply:
    state = _admin_printer(call, hPrinter)
    state.printer.data.delete_value(PRINTER_DRIVER_DATA_KEY, pValueName)
    return Reply(0)


@method(31)
def RpcAsyncDeletePrinterDataEx(
    call: Call, hPrinter: bytes, pKeyName: str, pValueName: str
) -> Reply:
    state = _admin_printer(call, hPrinter)
    if not pKeyName:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pKeyName is empty")
    state.printer.data.delete_value(pKeyName, pValueName)
    return Reply(0)


@method(32)
def RpcAsyncDeletePrinterKey(call: Call, hPrinter: bytes, pKeyName: str) -> Reply:
    state = _admin_printer(call, hPrinter)
    if not pKeyName:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pKeyName is empty")
    state.printer.data.delete_key(pKeyName)
    return Reply(0)
