"""The method signatures of MS-PAR (IRemoteWinspool) and MS-RPRN (winspool), for NDR 2.0.

Each :class:`Method` lists its parameters in IDL order with their direction; the request body is
the ``[in]`` parameters in that order and the response body the ``[out]`` parameters, then the
DWORD (or HRESULT) return value. ``handle_t hRemoteBinding`` is an explicit binding handle and is
not on the wire. A top-level ``[ref]`` pointer adds nothing on the wire, so such parameters are
declared with their referent's type; ``[unique]`` ones with :class:`~spoolsim.wire.ndr.Unique`.

``size_is`` on a parameter records which parameter sizes an array the server sends back (``[in,
out, unique, size_is(cbBuf)] BYTE* pPrinterEnum``, ``[out, size_is(cbValueName/sizeof(wchar_t))]
wchar_t* pValueName``): the response array has exactly that many elements.

The MS-RPRN table holds the counterparts of the MS-PAR methods (fact sheet section 2) and the
MS-RPRN-only variants RpcOpenPrinter (1), RpcAddPrinter (5), RpcAddPrinterDriver (9) and
RpcGetPrinterDriver (11). Methods without a counterpart (the back-channel notifications, the
reserved opnums, RpcDeletePort, RpcFlushPrinter, the IPP methods) are not listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from spoolsim.wire import winspooltypes as t
from spoolsim.wire.ndr import (
    BYTES,
    DWORD,
    FILETIME,
    GUID,
    HYPER,
    LONG,
    PBYTES,
    PWCHARS,
    PWSTR,
    WCHARS,
    WSTR,
    ConformantArray,
    NdrType,
    Unique,
    decode,
    encode,
)

IN, OUT, INOUT = "in", "out", "in,out"
H = t.PRINTER_HANDLE


@attrs.frozen
class Param:
    """One parameter: IDL name, wire type, direction, and for arrays the server sends back, the
    parameter giving their length (``size_div`` divides it: ``cbValueName/sizeof(wchar_t)``)."""

    name: str
    type: NdrType
    direction: str = IN
    size_is: str | None = None
    size_div: int = 1

    @property
    def is_in(self) -> bool:
        return self.direction != OUT

    @property
    def is_out(self) -> bool:
        return self.direction != IN


@attrs.frozen
class Method:
    """A method of one interface: IDL name, opnum, parameters, and whether it returns HRESULT."""

    name: str
    opnum: int
    params: tuple[Param, ...]
    hresult: bool = False

    def ins(self) -> list[tuple[str, NdrType]]:
        return [(p.name, p.type) for p in self.params if p.is_in]

    def outs(self) -> list[tuple[str, NdrType]]:
        return [(p.name, p.type) for p in self.params if p.is_out]

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def decode_request(self, stub: bytes) -> dict[str, Any]:
        """The ``[in]`` parameters (server side). Raises NdrError."""
        return decode(self.ins(), stub, self.name)

    def encode_request(self, values: Mapping[str, Any]) -> bytes:
        """The request body (client side)."""
        return encode(self.ins(), values, self.name)

    def encode_response(self, values: Mapping[str, Any], status: int) -> bytes:
        """The ``[out]`` parameters and the return value (server side)."""
        values = {**values, "return": status & 0xFFFFFFFF}
        return encode([*self.outs(), ("return", DWORD)], values, self.name)

    def decode_response(self, stub: bytes) -> dict[str, Any]:
        """The ``[out]`` parameters and ``return`` (client side). Raises NdrError."""
        return decode([*self.outs(), ("return", DWORD)], stub, self.name)


def _p(name: str, type_: NdrType, direction: str = IN, size_is: str | None = None, div: int = 1):
    return Param(name, type_, direction, size_is, div)


def _buffer(name: str, size: str = "cbBuf") -> list[Param]:
    """``[in, out, unique, size_is(cbBuf)] BYTE* name, [in] DWORD cbBuf``."""
    return [_p(name, PBYTES, INOUT, size), _p(size, DWORD)]


def _enum(name: str) -> list[Param]:
    return [*_buffer(name), _p("pcbNeeded", DWORD, OUT), _p("pcReturned", DWORD, OUT)]


def _get(name: str) -> list[Param]:
    return [*_buffer(name), _p("pcbNeeded", DWORD, OUT)]


HP = _p("hPrinter", H)
DEVMODE = _p("pDevModeContainer", t.DEVMODE_CONTAINER)

# Signatures by MS-PAR method name (the MS-RPRN counterparts share them).
SIGNATURES: dict[str, list[Param]] = {
    "RpcAsyncOpenPrinter": [
        _p("pPrinterName", PWSTR),
        _p("pHandle", H, OUT),
        _p("pDatatype", PWSTR),
        DEVMODE,
        _p("AccessRequired", DWORD),
        _p("pClientInfo", t.SPLCLIENT_CONTAINER),
    ],
    "RpcAsyncAddPrinter": [
        _p("pName", PWSTR),
        _p("pPrinterContainer", t.PRINTER_CONTAINER),
        DEVMODE,
        _p("pSecurityContainer", t.SECURITY_CONTAINER),
        _p("pClientInfo", t.SPLCLIENT_CONTAINER),
        _p("pHandle", H, OUT),
    ],
    "RpcAsyncSetJob": [
        HP,
        _p("JobId", DWORD),
        _p("pJobContainer", Unique(t.JOB_CONTAINER)),
        _p("Command", DWORD),
    ],
    "RpcAsyncGetJob": [HP, _p("JobId", DWORD), _p("Level", DWORD), *_get("pJob")],
    "RpcAsyncEnumJobs": [
        HP,
        _p("FirstJob", DWORD),
        _p("NoJobs", DWORD),
        _p("Level", DWORD),
        *_enum("pJob"),
    ],
    "RpcAsyncAddJob": [HP, _p("Level", DWORD), *_get("pAddJob")],
    "RpcAsyncScheduleJob": [HP, _p("JobId", DWORD)],
    "RpcAsyncDeletePrinter": [HP],
    "RpcAsyncSetPrinter": [
        HP,
        _p("pPrinterContainer", t.PRINTER_CONTAINER),
        DEVMODE,
        _p("pSecurityContainer", t.SECURITY_CONTAINER),
        _p("Command", DWORD),
    ],
    "RpcAsyncGetPrinter": [HP, _p("Level", DWORD), *_get("pPrinter")],
    "RpcAsyncStartDocPrinter": [
        HP,
        _p("pDocInfoContainer", t.DOC_INFO_CONTAINER),
        _p("pJobId", DWORD, OUT),
    ],
    "RpcAsyncStartPagePrinter": [HP],
    "RpcAsyncWritePrinter": [
        HP,
        _p("pBuf", BYTES),
        _p("cbBuf", DWORD),
        _p("pcWritten", DWORD, OUT),
    ],
    "RpcAsyncEndPagePrinter": [HP],
    "RpcAsyncEndDocPrinter": [HP],
    "RpcAsyncAbortPrinter": [HP],
    "RpcAsyncGetPrinterData": [
        HP,
        _p("pValueName", WSTR),
        _p("pType", DWORD, OUT),
        _p("pData", BYTES, OUT, "nSize"),
        _p("nSize", DWORD),
        _p("pcbNeeded", DWORD, OUT),
    ],
    "RpcAsyncGetPrinterDataEx": [
        HP,
        _p("pKeyName", WSTR),
        _p("pValueName", WSTR),
        _p("pType", DWORD, OUT),
        _p("pData", BYTES, OUT, "nSize"),
        _p("nSize", DWORD),
        _p("pcbNeeded", DWORD, OUT),
    ],
    "RpcAsyncSetPrinterData": [
        HP,
        _p("pValueName", WSTR),
        _p("Type", DWORD),
        _p("pData", BYTES),
        _p("cbData", DWORD),
    ],
    "RpcAsyncSetPrinterDataEx": [
        HP,
        _p("pKeyName", WSTR),
        _p("pValueName", WSTR),
        _p("Type", DWORD),
        _p("pData", BYTES),
        _p("cbData", DWORD),
    ],
    "RpcAsyncClosePrinter": [_p("phPrinter", H, INOUT)],
    "RpcAsyncAddForm": [HP, _p("pFormInfoContainer", t.FORM_CONTAINER)],
    "RpcAsyncDeleteForm": [HP, _p("pFormName", WSTR)],
    "RpcAsyncGetForm": [HP, _p("pFormName", WSTR), _p("Level", DWORD), *_get("pForm")],
    "RpcAsyncSetForm": [HP, _p("pFormName", WSTR), _p("pFormInfoContainer", t.FORM_CONTAINER)],
    "RpcAsyncEnumForms": [HP, _p("Level", DWORD), *_enum("pForm")],
    "RpcAsyncGetPrinterDriver": [
        HP,
        _p("pEnvironment", PWSTR),
        _p("Level", DWORD),
        *_get("pDriver"),
        _p("dwClientMajorVersion", DWORD),
        _p("dwClientMinorVersion", DWORD),
        _p("pdwServerMaxVersion", DWORD, OUT),
        _p("pdwServerMinVersion", DWORD, OUT),
    ],
    "RpcAsyncEnumPrinterData": [
        HP,
        _p("dwIndex", DWORD),
        _p("pValueName", WCHARS, OUT, "cbValueName", 2),
        _p("cbValueName", DWORD),
        _p("pcbValueName", DWORD, OUT),
        _p("pType", DWORD, OUT),
        _p("pData", BYTES, OUT, "cbData"),
        _p("cbData", DWORD),
        _p("pcbData", DWORD, OUT),
    ],
    "RpcAsyncEnumPrinterDataEx": [
        HP,
        _p("pKeyName", WSTR),
        _p("pEnumValues", BYTES, OUT, "cbEnumValues"),
        _p("cbEnumValues", DWORD),
        _p("pcbEnumValues", DWORD, OUT),
        _p("pnEnumValues", DWORD, OUT),
    ],
    "RpcAsyncEnumPrinterKey": [
        HP,
        _p("pKeyName", WSTR),
        _p("pSubkey", WCHARS, OUT, "cbSubkey", 2),
        _p("cbSubkey", DWORD),
        _p("pcbSubkey", DWORD, OUT),
    ],
    "RpcAsyncDeletePrinterData": [HP, _p("pValueName", WSTR)],
    "RpcAsyncDeletePrinterDataEx": [HP, _p("pKeyName", WSTR), _p("pValueName", WSTR)],
    "RpcAsyncDeletePrinterKey": [HP, _p("pKeyName", WSTR)],
    "RpcAsyncXcvData": [
        _p("hXcv", H),
        _p("pszDataName", WSTR),
        _p("pInputData", BYTES),
        _p("cbInputData", DWORD),
        _p("pOutputData", BYTES, OUT, "cbOutputData"),
        _p("cbOutputData", DWORD),
        _p("pcbOutputNeeded", DWORD, OUT),
        _p("pdwStatus", DWORD, INOUT),
    ],
    "RpcAsyncSendRecvBidiData": [
        HP,
        _p("pAction", PWSTR),
        _p("pReqData", t.RPC_BIDI_REQUEST_CONTAINER),
        _p("ppRespData", Unique(t.RPC_BIDI_RESPONSE_CONTAINER), OUT),
    ],
    "RpcAsyncCreatePrinterIC": [HP, _p("pHandle", t.GDI_HANDLE, OUT), DEVMODE],
    "RpcAsyncPlayGdiScriptOnPrinterIC": [
        _p("hPrinterIC", t.GDI_HANDLE),
        _p("pIn", BYTES),
        _p("cIn", DWORD),
        _p("pOut", BYTES, OUT, "cOut"),
        _p("cOut", DWORD),
        _p("ul", DWORD),
    ],
    "RpcAsyncDeletePrinterIC": [_p("phPrinterIC", t.GDI_HANDLE, INOUT)],
    "RpcAsyncEnumPrinters": [
        _p("Flags", DWORD),
        _p("Name", PWSTR),
        _p("Level", DWORD),
        *_enum("pPrinterEnum"),
    ],
    "RpcAsyncAddPrinterDriver": [
        _p("pName", PWSTR),
        _p("pDriverContainer", t.DRIVER_CONTAINER),
        _p("dwFileCopyFlags", DWORD),
    ],
    "RpcAsyncEnumPrinterDrivers": [
        _p("pName", PWSTR),
        _p("pEnvironment", PWSTR),
        _p("Level", DWORD),
        *_enum("pDrivers"),
    ],
    "RpcAsyncGetPrinterDriverDirectory": [
        _p("pName", PWSTR),
        _p("pEnvironment", PWSTR),
        _p("Level", DWORD),
        *_get("pDriverDirectory"),
    ],
    "RpcAsyncDeletePrinterDriver": [
        _p("pName", PWSTR),
        _p("pEnvironment", WSTR),
        _p("pDriverName", WSTR),
    ],
    "RpcAsyncDeletePrinterDriverEx": [
        _p("pName", PWSTR),
        _p("pEnvironment", WSTR),
        _p("pDriverName", WSTR),
        _p("dwDeleteFlag", DWORD),
        _p("dwVersionNum", DWORD),
    ],
    "RpcAsyncAddPrintProcessor": [
        _p("pName", PWSTR),
        _p("pEnvironment", WSTR),
        _p("pPathName", WSTR),
        _p("pPrintProcessorName", WSTR),
    ],
    "RpcAsyncEnumPrintProcessors": [
        _p("pName", PWSTR),
        _p("pEnvironment", PWSTR),
        _p("Level", DWORD),
        *_enum("pPrintProcessorInfo"),
    ],
    "RpcAsyncGetPrintProcessorDirectory": [
        _p("pName", PWSTR),
        _p("pEnvironment", PWSTR),
        _p("Level", DWORD),
        *_get("pPrintProcessorDirectory"),
    ],
    "RpcAsyncEnumPorts": [_p("pName", PWSTR), _p("Level", DWORD), *_enum("pPort")],
    "RpcAsyncEnumMonitors": [_p("pName", PWSTR), _p("Level", DWORD), *_enum("pMonitor")],
    "RpcAsyncAddPort": [
        _p("pName", PWSTR),
        _p("pPortContainer", t.PORT_CONTAINER),
        _p("pPortVarContainer", t.PORT_VAR_CONTAINER),
        _p("pMonitorName", WSTR),
    ],
    "RpcAsyncSetPort": [
        _p("pName", PWSTR),
        _p("pPortName", PWSTR),
        _p("pPortContainer", t.PORT_CONTAINER),
    ],
    "RpcAsyncAddMonitor": [_p("Name", PWSTR), _p("pMonitorContainer", t.MONITOR_CONTAINER)],
    "RpcAsyncDeleteMonitor": [
        _p("Name", PWSTR),
        _p("pEnvironment", PWSTR),
        _p("pMonitorName", WSTR),
    ],
    "RpcAsyncDeletePrintProcessor": [
        _p("Name", PWSTR),
        _p("pEnvironment", PWSTR),
        _p("pPrintProcessorName", WSTR),
    ],
    "RpcAsyncEnumPrintProcessorDatatypes": [
        _p("pName", PWSTR),
        _p("pPrintProcessorName", PWSTR),
        _p("Level", DWORD),
        *_enum("pDatatypes"),
    ],
    "RpcAsyncAddPerMachineConnection": [
        _p("pServer", PWSTR),
        _p("pPrinterName", WSTR),
        _p("pPrintServer", WSTR),
        _p("pProvider", WSTR),
    ],
    "RpcAsyncDeletePerMachineConnection": [_p("pServer", PWSTR), _p("pPrinterName", WSTR)],
    "RpcAsyncEnumPerMachineConnections": [_p("pServer", PWSTR), *_enum("pPrinterEnum")],
    "RpcSyncRegisterForRemoteNotifications": [
        HP,
        _p("pNotifyFilter", t.RpcPrintPropertiesCollection),
        _p("phRpcHandle", t.RMTNTFY_HANDLE, OUT),
    ],
    "RpcSyncUnRegisterForRemoteNotifications": [_p("phRpcHandle", t.RMTNTFY_HANDLE, INOUT)],
    "RpcSyncRefreshRemoteNotifications": [
        _p("hRpcHandle", t.RMTNTFY_HANDLE),
        _p("pNotifyFilter", t.RpcPrintPropertiesCollection),
        _p("ppNotifyData", Unique(t.RpcPrintPropertiesCollection), OUT),
    ],
    "RpcAsyncGetRemoteNotifications": [
        _p("hRpcHandle", t.RMTNTFY_HANDLE),
        _p("ppNotifyData", Unique(t.RpcPrintPropertiesCollection), OUT),
    ],
    "RpcAsyncInstallPrinterDriverFromPackage": [
        _p("pszServer", PWSTR),
        _p("pszInfPath", PWSTR),
        _p("pszDriverName", WSTR),
        _p("pszEnvironment", WSTR),
        _p("dwFlags", DWORD),
    ],
    "RpcAsyncUploadPrinterDriverPackage": [
        _p("pszServer", PWSTR),
        _p("pszInfPath", WSTR),
        _p("pszEnvironment", WSTR),
        _p("dwFlags", DWORD),
        _p("pszDestInfPath", PWCHARS, INOUT, "pcchDestInfPath"),
        _p("pcchDestInfPath", DWORD, INOUT),
    ],
    "RpcAsyncGetCorePrinterDrivers": [
        _p("pszServer", PWSTR),
        _p("pszEnvironment", WSTR),
        _p("cchCoreDrivers", DWORD),
        _p("pszzCoreDriverDependencies", WCHARS),
        _p("cCorePrinterDrivers", DWORD),
        _p(
            "pCorePrinterDrivers",
            ConformantArray(t.CORE_PRINTER_DRIVER),
            OUT,
            "cCorePrinterDrivers",
        ),
    ],
    "RpcAsyncCorePrinterDriverInstalled": [
        _p("pszServer", PWSTR),
        _p("pszEnvironment", WSTR),
        _p("CoreDriverGUID", GUID),
        _p("ftDriverDate", FILETIME),
        _p("dwlDriverVersion", HYPER),
        _p("pbDriverInstalled", LONG, OUT),
    ],
    "RpcAsyncGetPrinterDriverPackagePath": [
        _p("pszServer", PWSTR),
        _p("pszEnvironment", WSTR),
        _p("pszLanguage", PWSTR),
        _p("pszPackageID", WSTR),
        _p("pszDriverPackageCab", PWCHARS, INOUT, "cchDriverPackageCab"),
        _p("cchDriverPackageCab", DWORD),
        _p("pcchRequiredSize", DWORD, OUT),
    ],
    "RpcAsyncDeletePrinterDriverPackage": [
        _p("pszServer", PWSTR),
        _p("pszInfPath", WSTR),
        _p("pszEnvironment", WSTR),
    ],
    "RpcAsyncReadPrinter": [
        HP,
        _p("pBuf", BYTES, OUT, "cbBuf"),
        _p("cbBuf", DWORD),
        _p("pcNoBytesRead", DWORD, OUT),
    ],
    "RpcAsyncResetPrinter": [HP, _p("pDatatype", PWSTR), DEVMODE],
    "RpcAsyncGetJobNamedPropertyValue": [
        HP,
        _p("JobId", DWORD),
        _p("pszName", WSTR),
        _p("pValue", t.RPC_PrintPropertyValue, OUT),
    ],
    "RpcAsyncSetJobNamedProperty": [
        HP,
        _p("JobId", DWORD),
        _p("pProperty", t.RPC_PrintNamedProperty),
    ],
    "RpcAsyncDeleteJobNamedProperty": [HP, _p("JobId", DWORD), _p("pszName", WSTR)],
    "RpcAsyncEnumJobNamedProperties": [
        HP,
        _p("JobId", DWORD),
        _p("pcProperties", DWORD, OUT),
        _p("ppProperties", Unique(ConformantArray(t.RPC_PrintNamedProperty)), OUT),
    ],
    "RpcAsyncLogJobInfoForBranchOffice": [
        HP,
        _p("pBranchOfficeJobDataContainer", t.RPC_BranchOfficeJobDataContainer),
    ],
}

HRESULT_METHODS = frozenset(
    {
        "RpcSyncRegisterForRemoteNotifications",
        "RpcSyncUnRegisterForRemoteNotifications",
        "RpcSyncRefreshRemoteNotifications",
        "RpcAsyncGetRemoteNotifications",
        "RpcAsyncInstallPrinterDriverFromPackage",
        "RpcAsyncUploadPrinterDriverPackage",
        "RpcAsyncGetCorePrinterDrivers",
        "RpcAsyncCorePrinterDriverInstalled",
        "RpcAsyncGetPrinterDriverPackagePath",
        "RpcAsyncDeletePrinterDriverPackage",
    }
)

# MS-PAR opnums (MS-PAR 3.1.4; fact sheet section 2).
PAR_OPNUMS: dict[int, str] = {
    i: name
    for i, name in enumerate(
        """RpcAsyncOpenPrinter RpcAsyncAddPrinter RpcAsyncSetJob RpcAsyncGetJob RpcAsyncEnumJobs
        RpcAsyncAddJob RpcAsyncScheduleJob RpcAsyncDeletePrinter RpcAsyncSetPrinter
        RpcAsyncGetPrinter RpcAsyncStartDocPrinter RpcAsyncStartPagePrinter RpcAsyncWritePrinter
        RpcAsyncEndPagePrinter RpcAsyncEndDocPrinter RpcAsyncAbortPrinter RpcAsyncGetPrinterData
        RpcAsyncGetPrinterDataEx RpcAsyncSetPrinterData RpcAsyncSetPrinterDataEx
        RpcAsyncClosePrinter RpcAsyncAddForm RpcAsyncDeleteForm RpcAsyncGetForm RpcAsyncSetForm
        RpcAsyncEnumForms RpcAsyncGetPrinterDriver RpcAsyncEnumPrinterData
        RpcAsyncEnumPrinterDataEx RpcAsyncEnumPrinterKey RpcAsyncDeletePrinterData
        RpcAsyncDeletePrinterDataEx RpcAsyncDeletePrinterKey RpcAsyncXcvData
        RpcAsyncSendRecvBidiData RpcAsyncCreatePrinterIC RpcAsyncPlayGdiScriptOnPrinterIC
        RpcAsyncDeletePrinterIC RpcAsyncEnumPrinters RpcAsyncAddPrinterDriver
        RpcAsyncEnumPrinterDrivers RpcAsyncGetPrinterDriverDirectory RpcAsyncDeletePrinterDriver
        RpcAsyncDeletePrinterDriverEx RpcAsyncAddPrintProcessor RpcAsyncEnumPrintProcessors
        RpcAsyncGetPrintProcessorDirectory RpcAsyncEnumPorts RpcAsyncEnumMonitors RpcAsyncAddPort
        RpcAsyncSetPort RpcAsyncAddMonitor RpcAsyncDeleteMonitor RpcAsyncDeletePrintProcessor
        RpcAsyncEnumPrintProcessorDatatypes RpcAsyncAddPerMachineConnection
        RpcAsyncDeletePerMachineConnection RpcAsyncEnumPerMachineConnections
        RpcSyncRegisterForRemoteNotifications RpcSyncUnRegisterForRemoteNotifications
        RpcSyncRefreshRemoteNotifications RpcAsyncGetRemoteNotifications
        RpcAsyncInstallPrinterDriverFromPackage RpcAsyncUploadPrinterDriverPackage
        RpcAsyncGetCorePrinterDrivers RpcAsyncCorePrinterDriverInstalled
        RpcAsyncGetPrinterDriverPackagePath RpcAsyncDeletePrinterDriverPackage RpcAsyncReadPrinter
        RpcAsyncResetPrinter RpcAsyncGetJobNamedPropertyValue RpcAsyncSetJobNamedProperty
        RpcAsyncDeleteJobNamedProperty RpcAsyncEnumJobNamedProperties
        RpcAsyncLogJobInfoForBranchOffice""".split()
    )
}

# MS-RPRN opnum -> (IDL name, the MS-PAR method whose signature it shares, parameters it lacks).
_RPRN: dict[int, tuple[str, str, tuple[str, ...]]] = {
    0: ("RpcEnumPrinters", "RpcAsyncEnumPrinters", ()),
    1: ("RpcOpenPrinter", "RpcAsyncOpenPrinter", ("pClientInfo",)),
    2: ("RpcSetJob", "RpcAsyncSetJob", ()),
    3: ("RpcGetJob", "RpcAsyncGetJob", ()),
    4: ("RpcEnumJobs", "RpcAsyncEnumJobs", ()),
    5: ("RpcAddPrinter", "RpcAsyncAddPrinter", ("pClientInfo",)),
    6: ("RpcDeletePrinter", "RpcAsyncDeletePrinter", ()),
    7: ("RpcSetPrinter", "RpcAsyncSetPrinter", ()),
    8: ("RpcGetPrinter", "RpcAsyncGetPrinter", ()),
    9: ("RpcAddPrinterDriver", "RpcAsyncAddPrinterDriver", ("dwFileCopyFlags",)),
    10: ("RpcEnumPrinterDrivers", "RpcAsyncEnumPrinterDrivers", ()),
    11: (
        "RpcGetPrinterDriver",
        "RpcAsyncGetPrinterDriver",
        (
            "dwClientMajorVersion",
            "dwClientMinorVersion",
            "pdwServerMaxVersion",
            "pdwServerMinVersion",
        ),
    ),
    12: ("RpcGetPrinterDriverDirectory", "RpcAsyncGetPrinterDriverDirectory", ()),
    13: ("RpcDeletePrinterDriver", "RpcAsyncDeletePrinterDriver", ()),
    14: ("RpcAddPrintProcessor", "RpcAsyncAddPrintProcessor", ()),
    15: ("RpcEnumPrintProcessors", "RpcAsyncEnumPrintProcessors", ()),
    16: ("RpcGetPrintProcessorDirectory", "RpcAsyncGetPrintProcessorDirectory", ()),
    17: ("RpcStartDocPrinter", "RpcAsyncStartDocPrinter", ()),
    18: ("RpcStartPagePrinter", "RpcAsyncStartPagePrinter", ()),
    19: ("RpcWritePrinter", "RpcAsyncWritePrinter", ()),
    20: ("RpcEndPagePrinter", "RpcAsyncEndPagePrinter", ()),
    21: ("RpcAbortPrinter", "RpcAsyncAbortPrinter", ()),
    22: ("RpcReadPrinter", "RpcAsyncReadPrinter", ()),
    23: ("RpcEndDocPrinter", "RpcAsyncEndDocPrinter", ()),
    24: ("RpcAddJob", "RpcAsyncAddJob", ()),
    25: ("RpcScheduleJob", "RpcAsyncScheduleJob", ()),
    26: ("RpcGetPrinterData", "RpcAsyncGetPrinterData", ()),
    27: ("RpcSetPrinterData", "RpcAsyncSetPrinterData", ()),
    29: ("RpcClosePrinter", "RpcAsyncClosePrinter", ()),
    30: ("RpcAddForm", "RpcAsyncAddForm", ()),
    31: ("RpcDeleteForm", "RpcAsyncDeleteForm", ()),
    32: ("RpcGetForm", "RpcAsyncGetForm", ()),
    33: ("RpcSetForm", "RpcAsyncSetForm", ()),
    34: ("RpcEnumForms", "RpcAsyncEnumForms", ()),
    35: ("RpcEnumPorts", "RpcAsyncEnumPorts", ()),
    36: ("RpcEnumMonitors", "RpcAsyncEnumMonitors", ()),
    40: ("RpcCreatePrinterIC", "RpcAsyncCreatePrinterIC", ()),
    41: ("RpcPlayGdiScriptOnPrinterIC", "RpcAsyncPlayGdiScriptOnPrinterIC", ()),
    42: ("RpcDeletePrinterIC", "RpcAsyncDeletePrinterIC", ()),
    46: ("RpcAddMonitor", "RpcAsyncAddMonitor", ()),
    47: ("RpcDeleteMonitor", "RpcAsyncDeleteMonitor", ()),
    48: ("RpcDeletePrintProcessor", "RpcAsyncDeletePrintProcessor", ()),
    51: ("RpcEnumPrintProcessorDatatypes", "RpcAsyncEnumPrintProcessorDatatypes", ()),
    52: ("RpcResetPrinter", "RpcAsyncResetPrinter", ()),
    53: ("RpcGetPrinterDriver2", "RpcAsyncGetPrinterDriver", ()),
    61: ("RpcAddPortEx", "RpcAsyncAddPort", ()),
    69: ("RpcOpenPrinterEx", "RpcAsyncOpenPrinter", ()),
    70: ("RpcAddPrinterEx", "RpcAsyncAddPrinter", ()),
    71: ("RpcSetPort", "RpcAsyncSetPort", ()),
    72: ("RpcEnumPrinterData", "RpcAsyncEnumPrinterData", ()),
    73: ("RpcDeletePrinterData", "RpcAsyncDeletePrinterData", ()),
    77: ("RpcSetPrinterDataEx", "RpcAsyncSetPrinterDataEx", ()),
    78: ("RpcGetPrinterDataEx", "RpcAsyncGetPrinterDataEx", ()),
    79: ("RpcEnumPrinterDataEx", "RpcAsyncEnumPrinterDataEx", ()),
    80: ("RpcEnumPrinterKey", "RpcAsyncEnumPrinterKey", ()),
    81: ("RpcDeletePrinterDataEx", "RpcAsyncDeletePrinterDataEx", ()),
    82: ("RpcDeletePrinterKey", "RpcAsyncDeletePrinterKey", ()),
    84: ("RpcDeletePrinterDriverEx", "RpcAsyncDeletePrinterDriverEx", ()),
    85: ("RpcAddPerMachineConnection", "RpcAsyncAddPerMachineConnection", ()),
    86: ("RpcDeletePerMachineConnection", "RpcAsyncDeletePerMachineConnection", ()),
    87: ("RpcEnumPerMachineConnections", "RpcAsyncEnumPerMachineConnections", ()),
    88: ("RpcXcvData", "RpcAsyncXcvData", ()),
    89: ("RpcAddPrinterDriverEx", "RpcAsyncAddPrinterDriver", ()),
    97: ("RpcSendRecvBidiData", "RpcAsyncSendRecvBidiData", ()),
    102: ("RpcGetCorePrinterDrivers", "RpcAsyncGetCorePrinterDrivers", ()),
    104: ("RpcGetPrinterDriverPackagePath", "RpcAsyncGetPrinterDriverPackagePath", ()),
    110: ("RpcGetJobNamedPropertyValue", "RpcAsyncGetJobNamedPropertyValue", ()),
    111: ("RpcSetJobNamedProperty", "RpcAsyncSetJobNamedProperty", ()),
    112: ("RpcDeleteJobNamedProperty", "RpcAsyncDeleteJobNamedProperty", ()),
    113: ("RpcEnumJobNamedProperties", "RpcAsyncEnumJobNamedProperties", ()),
    116: ("RpcLogJobInfoForBranchOffice", "RpcAsyncLogJobInfoForBranchOffice", ()),
}

PAR: dict[int, Method] = {
    opnum: Method(name, opnum, tuple(SIGNATURES[name]), name in HRESULT_METHODS)
    for opnum, name in PAR_OPNUMS.items()
}
RPRN: dict[int, Method] = {
    opnum: Method(
        name,
        opnum,
        tuple(p for p in SIGNATURES[par] if p.name not in lacks),
        par in HRESULT_METHODS,
    )
    for opnum, (name, par, lacks) in _RPRN.items()
}
# The MS-PAR method each MS-RPRN opnum shares its signature and semantics with.
RPRN_COUNTERPART: dict[int, str] = {opnum: par for opnum, (_, par, _) in _RPRN.items()}
