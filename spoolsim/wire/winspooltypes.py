"""The structures of the MS-RPRN / MS-PAR IDL (MS-RPRN appendix A, MS-PAR appendix A) as NDR types.

Names are the IDL's. Structure values are dicts keyed by field name; a container's union field
holds the selected arm's value (a dict, or None for a NULL arm pointer). Where the two IDLs name
an arm differently (SPLCLIENT_CONTAINER, DRIVER_CONTAINER level 1) MS-RPRN's name is used: the
common structures are MS-RPRN's.

Choices where the sources differ:

* ``pDevMode`` and ``pSecurityDescriptor`` of PRINTER_INFO_2/3/8/9 and JOB_INFO_2/4 are
  ``ULONG_PTR`` in MS-RPRN's IDL but ``DEVMODE*`` / ``SECURITY_DESCRIPTOR*`` in MS-PAR's. They are
  decoded as the 32-bit ``ULONG_PTR`` for both interfaces, as Samba's winspool.idl (which reuses
  the spoolss structures for MS-PAR) does: clients send the DEVMODE and the descriptor in the
  separate DEVMODE_CONTAINER and SECURITY_CONTAINER, and these members are placeholders.
* SPLCLIENT_INFO_1.wProcessorArchitecture is an ``unsigned short``; Samba sends it as a 32-bit
  enum. Read as 16 bits, the two extra octets are the alignment gap before whatever follows
  (always 4-aligned), so both forms decode.
* ``LONG_PTR`` / ``ULONG_PTR`` are 32 bits in NDR 2.0 (``__int3264``).
* ``PORT_INFO_FF.pMonitorData`` is a plain ``BYTE*`` (one octet) in the IDL, with no size_is.
* RPC_V2_NOTIFY_INFO, RPC_BIDI_*_CONTAINER and RPC_BranchOfficeJobDataContainer end in
  ``[size_is(Count)] ... aData[]``: conformant structures (``max_count`` first), as in Samba's
  spoolss.idl.
"""

from __future__ import annotations

from spoolsim.wire.ndr import (
    BYTE,
    CONTEXT_HANDLE,
    CSTR,
    DWORD,
    ENUM,
    FILETIME,
    FLOAT,
    GUID,
    HYPER,
    LONG,
    LONGLONG,
    PBYTES,
    PWCHARS,
    PWSTR,
    SHORT,
    SYSTEMTIME,
    USHORT,
    USHORTS,
    ConformantArray,
    FixedArray,
    FixedWString,
    NdrType,
    Prim,
    Struct,
    Union,
    Unique,
)

ULONG_PTR = Prim("ULONG_PTR", "I")  # __int3264: 32 bits in NDR 2.0
PRINTER_HANDLE = GDI_HANDLE = RMTNTFY_HANDLE = CONTEXT_HANDLE
LANGID = USHORT


def _all(ntype: NdrType, names: str) -> tuple[tuple[str, NdrType], ...]:
    """Consecutive fields of one type: ``_all(DWORD, "Status Priority")``."""
    return tuple((name, ntype) for name in names.split())


def _level(s: dict) -> int:
    return s["Level"]


def container(name: str, arms: dict[int, tuple[str, Struct | None]], **kw) -> Struct:
    """``{DWORD Level; [switch_is(Level)] union {case: T* arm} Info}``."""
    union_name, switch_is = kw.get("union", name.split("_")[0] + "Info"), kw.get("switch", _level)
    union = Union(
        DWORD,
        {case: (arm, None if t is None else Unique(t)) for case, (arm, t) in arms.items()},
        switch_is,
        f"{name}.{union_name}",
    )
    return Struct(name, ("Level", DWORD), (union_name, union))


SIZE = Struct("SIZE", ("cx", LONG), ("cy", LONG))
RECTL = Struct("RECTL", ("left", LONG), ("top", LONG), ("right", LONG), ("bottom", LONG))

# -- byte containers ------------------------------------------------------------------------------

DEVMODE_CONTAINER = Struct("DEVMODE_CONTAINER", ("cbBuf", DWORD), ("pDevMode", PBYTES))
SECURITY_CONTAINER = Struct("SECURITY_CONTAINER", ("cbBuf", DWORD), ("pSecurity", PBYTES))
PORT_VAR_CONTAINER = Struct(
    "PORT_VAR_CONTAINER", ("cbMonitorData", DWORD), ("pMonitorData", PBYTES)
)
STRING_CONTAINER = Struct("STRING_CONTAINER", ("cbBuf", DWORD), ("pszString", PWCHARS))
SYSTEMTIME_CONTAINER = Struct(
    "SYSTEMTIME_CONTAINER", ("cbBuf", DWORD), ("pSystemTime", Unique(SYSTEMTIME))
)
RPC_BINARY_CONTAINER = Struct("RPC_BINARY_CONTAINER", ("cbBuf", DWORD), ("pszString", PBYTES))

# -- documents, clients ---------------------------------------------------------------------------

DOC_INFO_1 = Struct("DOC_INFO_1", ("pDocName", PWSTR), ("pOutputFile", PWSTR), ("pDatatype", PWSTR))
DOC_INFO_CONTAINER = container(
    "DOC_INFO_CONTAINER", {1: ("pDocInfo1", DOC_INFO_1)}, union="DocInfo"
)

SPLCLIENT_INFO_1 = Struct(
    "SPLCLIENT_INFO_1",
    ("dwSize", DWORD),
    ("pMachineName", PWSTR),
    ("pUserName", PWSTR),
    ("dwBuildNum", DWORD),
    ("dwMajorVersion", DWORD),
    ("dwMinorVersion", DWORD),
    ("wProcessorArchitecture", USHORT),
)
SPLCLIENT_INFO_2 = Struct("SPLCLIENT_INFO_2", ("notUsed", ULONG_PTR))
SPLCLIENT_INFO_3 = Struct(
    "SPLCLIENT_INFO_3",
    ("cbSize", DWORD),
    ("dwFlags", DWORD),
    ("dwSize", DWORD),
    ("pMachineName", PWSTR),
    ("pUserName", PWSTR),
    ("dwBuildNum", DWORD),
    ("dwMajorVersion", DWORD),
    ("dwMinorVersion", DWORD),
    ("wProcessorArchitecture", USHORT),
    ("hSplPrinter", HYPER),
)
SPLCLIENT_CONTAINER = container(
    "SPLCLIENT_CONTAINER",
    {
        1: ("pClientInfo1", SPLCLIENT_INFO_1),
        2: ("pNotUsed1", SPLCLIENT_INFO_2),
        3: ("pNotUsed2", SPLCLIENT_INFO_3),
    },
    union="ClientInfo",
)

# -- printers -------------------------------------------------------------------------------------

PRINTER_INFO_STRESS = Struct(
    "PRINTER_INFO_STRESS",
    ("pPrinterName", PWSTR),
    ("pServerName", PWSTR),
    *_all(DWORD, "cJobs cTotalJobs cTotalBytes"),
    ("stUpTime", SYSTEMTIME),
    *_all(
        DWORD,
        "MaxcRef cTotalPagesPrinted dwGetVersion fFreeBuild cSpooling cMaxSpooling cRef "
        "cErrorOutOfPaper cErrorNotReady cJobError dwNumberOfProcessors dwProcessorType "
        "dwHighPartTotalBytes cChangeID dwLastError Status cEnumerateNetworkPrinters "
        "cAddNetPrinters",
    ),
    ("wProcessorArchitecture", USHORT),
    ("wProcessorLevel", USHORT),
    ("cRefIC", DWORD),
    ("dwReserved2", DWORD),
    ("dwReserved3", DWORD),
)
PRINTER_INFO_1 = Struct(
    "PRINTER_INFO_1",
    ("Flags", DWORD),
    ("pDescription", PWSTR),
    ("pName", PWSTR),
    ("pComment", PWSTR),
)
PRINTER_INFO_2 = Struct(
    "PRINTER_INFO_2",
    *_all(PWSTR, "pServerName pPrinterName pShareName pPortName pDriverName pComment pLocation"),
    ("pDevMode", ULONG_PTR),
    *_all(PWSTR, "pSepFile pPrintProcessor pDatatype pParameters"),
    ("pSecurityDescriptor", ULONG_PTR),
    *_all(DWORD, "Attributes Priority DefaultPriority StartTime UntilTime Status cJobs AveragePPM"),
)
PRINTER_INFO_3 = Struct("PRINTER_INFO_3", ("pSecurityDescriptor", ULONG_PTR))
PRINTER_INFO_4 = Struct(
    "PRINTER_INFO_4", ("pPrinterName", PWSTR), ("pServerName", PWSTR), ("Attributes", DWORD)
)
PRINTER_INFO_5 = Struct(
    "PRINTER_INFO_5",
    ("pPrinterName", PWSTR),
    ("pPortName", PWSTR),
    ("Attributes", DWORD),
    ("DeviceNotSelectedTimeout", DWORD),
    ("TransmissionRetryTimeout", DWORD),
)
PRINTER_INFO_6 = Struct("PRINTER_INFO_6", ("dwStatus", DWORD))
PRINTER_INFO_7 = Struct("PRINTER_INFO_7", ("pszObjectGUID", PWSTR), ("dwAction", DWORD))
PRINTER_INFO_8 = Struct("PRINTER_INFO_8", ("pDevMode", ULONG_PTR))
PRINTER_INFO_9 = Struct("PRINTER_INFO_9", ("pDevMode", ULONG_PTR))
PRINTER_CONTAINER = container(
    "PRINTER_CONTAINER",
    {
        0: ("pPrinterInfoStress", PRINTER_INFO_STRESS),
        1: ("pPrinterInfo1", PRINTER_INFO_1),
        2: ("pPrinterInfo2", PRINTER_INFO_2),
        3: ("pPrinterInfo3", PRINTER_INFO_3),
        4: ("pPrinterInfo4", PRINTER_INFO_4),
        5: ("pPrinterInfo5", PRINTER_INFO_5),
        6: ("pPrinterInfo6", PRINTER_INFO_6),
        7: ("pPrinterInfo7", PRINTER_INFO_7),
        8: ("pPrinterInfo8", PRINTER_INFO_8),
        9: ("pPrinterInfo9", PRINTER_INFO_9),
    },
    union="PrinterInfo",
)

# -- jobs -----------------------------------------------------------------------------------------

_JOB_HEAD = (
    ("JobId", DWORD),
    *_all(PWSTR, "pPrinterName pMachineName pUserName pDocument"),
)
JOB_INFO_1 = Struct(
    "JOB_INFO_1",
    *_JOB_HEAD,
    ("pDatatype", PWSTR),
    ("pStatus", PWSTR),
    *_all(DWORD, "Status Priority Position TotalPages PagesPrinted"),
    ("Submitted", SYSTEMTIME),
)
_JOB_2 = (
    *_JOB_HEAD,
    *_all(PWSTR, "pNotifyName pDatatype pPrintProcessor pParameters pDriverName"),
    ("pDevMode", ULONG_PTR),
    ("pStatus", PWSTR),
    ("pSecurityDescriptor", ULONG_PTR),
    *_all(DWORD, "Status Priority Position StartTime UntilTime TotalPages Size"),
    ("Submitted", SYSTEMTIME),
    ("Time", DWORD),
    ("PagesPrinted", DWORD),
)
JOB_INFO_2 = Struct("JOB_INFO_2", *_JOB_2)
JOB_INFO_3 = Struct("JOB_INFO_3", ("JobId", DWORD), ("NextJobId", DWORD), ("Reserved", DWORD))
JOB_INFO_4 = Struct("JOB_INFO_4", *_JOB_2, ("SizeHigh", LONG))
JOB_CONTAINER = container(
    "JOB_CONTAINER",
    {
        1: ("Level1", JOB_INFO_1),
        2: ("Level2", JOB_INFO_2),
        3: ("Level3", JOB_INFO_3),
        4: ("Level4", JOB_INFO_4),
    },
    union="JobInfo",
)

# -- forms ----------------------------------------------------------------------------------------

FORM_INFO_1 = Struct(
    "FORM_INFO_1", ("Flags", DWORD), ("pName", PWSTR), ("Size", SIZE), ("ImageableArea", RECTL)
)
RPC_FORM_INFO_2 = Struct(
    "RPC_FORM_INFO_2",
    ("Flags", DWORD),
    ("pName", PWSTR),
    ("Size", SIZE),
    ("ImageableArea", RECTL),
    ("pKeyword", Unique(CSTR)),
    ("StringType", DWORD),
    ("pMuiDll", PWSTR),
    ("dwResourceId", DWORD),
    ("pDisplayName", PWSTR),
    ("wLangID", LANGID),
)
FORM_CONTAINER = container(
    "FORM_CONTAINER",
    {1: ("pFormInfo1", FORM_INFO_1), 2: ("pFormInfo2", RPC_FORM_INFO_2)},
    union="FormInfo",
)

# -- drivers --------------------------------------------------------------------------------------

DRIVER_INFO_1 = Struct("DRIVER_INFO_1", ("pName", PWSTR))
_DRIVER_2 = (
    ("cVersion", DWORD),
    *_all(PWSTR, "pName pEnvironment pDriverPath pDataFile pConfigFile"),
)
DRIVER_INFO_2 = Struct("DRIVER_INFO_2", *_DRIVER_2)
_DRIVER_3 = (
    *_DRIVER_2,
    *_all(PWSTR, "pHelpFile pMonitorName pDefaultDataType"),
    ("cchDependentFiles", DWORD),
    ("pDependentFiles", PWCHARS),  # [size_is(cchDependentFiles), unique] wchar_t*: a multisz
)
_DRIVER_4 = (*_DRIVER_3, ("cchPreviousNames", DWORD), ("pszzPreviousNames", PWCHARS))
_DRIVER_6 = (
    *_DRIVER_4,
    ("ftDriverDate", FILETIME),
    ("dwlDriverVersion", HYPER),
    *_all(PWSTR, "pMfgName pOEMUrl pHardwareID pProvider"),
)
RPC_DRIVER_INFO_3 = Struct("RPC_DRIVER_INFO_3", *_DRIVER_3)
RPC_DRIVER_INFO_4 = Struct("RPC_DRIVER_INFO_4", *_DRIVER_4)
RPC_DRIVER_INFO_6 = Struct("RPC_DRIVER_INFO_6", *_DRIVER_6)
RPC_DRIVER_INFO_8 = Struct(
    "RPC_DRIVER_INFO_8",
    *_DRIVER_6,
    ("pPrintProcessor", PWSTR),
    ("pVendorSetup", PWSTR),
    ("cchColorProfiles", DWORD),
    ("pszzColorProfiles", PWCHARS),
    ("pInfPath", PWSTR),
    ("dwPrinterDriverAttributes", DWORD),
    ("cchCoreDependencies", DWORD),
    ("pszzCoreDriverDependencies", PWCHARS),
    ("ftMinInboxDriverVerDate", FILETIME),
    ("dwlMinInboxDriverVerVersion", HYPER),
)
DRIVER_CONTAINER = container(
    "DRIVER_CONTAINER",
    {
        1: ("pNotUsed", DRIVER_INFO_1),
        2: ("Level2", DRIVER_INFO_2),
        3: ("Level3", RPC_DRIVER_INFO_3),
        4: ("Level4", RPC_DRIVER_INFO_4),
        6: ("Level6", RPC_DRIVER_INFO_6),
        8: ("Level8", RPC_DRIVER_INFO_8),
    },
    union="DriverInfo",
)

# -- ports and monitors ---------------------------------------------------------------------------

PORT_INFO_1 = Struct("PORT_INFO_1", ("pPortName", PWSTR))
PORT_INFO_2 = Struct(
    "PORT_INFO_2",
    ("pPortName", PWSTR),
    ("pMonitorName", PWSTR),
    ("pDescription", PWSTR),
    ("fPortType", DWORD),
    ("Reserved", DWORD),
)
PORT_INFO_3 = Struct(
    "PORT_INFO_3", ("dwStatus", DWORD), ("pszStatus", PWSTR), ("dwSeverity", DWORD)
)
PORT_INFO_FF = Struct(
    "PORT_INFO_FF",
    ("pPortName", PWSTR),
    ("cbMonitorData", DWORD),
    ("pMonitorData", Unique(BYTE)),
)
PORT_INFO_FF_LEVEL = 0x00FFFFFF
PORT_CONTAINER = container(
    "PORT_CONTAINER",
    {
        1: ("pPortInfo1", PORT_INFO_1),
        2: ("pPortInfo2", PORT_INFO_2),
        3: ("pPortInfo3", PORT_INFO_3),
        PORT_INFO_FF_LEVEL: ("pPortInfoFF", PORT_INFO_FF),
    },
    union="PortInfo",
    switch=lambda s: s["Level"] & PORT_INFO_FF_LEVEL,
)
MONITOR_INFO_1 = Struct("MONITOR_INFO_1", ("pName", PWSTR))
MONITOR_INFO_2 = Struct(
    "MONITOR_INFO_2", ("pName", PWSTR), ("pEnvironment", PWSTR), ("pDLLName", PWSTR)
)
MONITOR_CONTAINER = container(
    "MONITOR_CONTAINER",
    {1: ("pMonitorInfo1", MONITOR_INFO_1), 2: ("pMonitorInfo2", MONITOR_INFO_2)},
    union="MonitorInfo",
)

# -- change notifications (MS-RPRN 2.2.1.13, MS-PAR 2.2) ------------------------------------------

TABLE_DWORD, TABLE_STRING, TABLE_DEVMODE, TABLE_TIME, TABLE_SECURITYDESCRIPTOR = 1, 2, 3, 4, 5

RPC_V2_NOTIFY_OPTIONS_TYPE = Struct(
    "RPC_V2_NOTIFY_OPTIONS_TYPE",
    ("Type", USHORT),
    ("Reserved0", USHORT),
    ("Reserved1", DWORD),
    ("Reserved2", DWORD),
    ("Count", DWORD),
    ("pFields", Unique(USHORTS)),
)
RPC_V2_NOTIFY_OPTIONS = Struct(
    "RPC_V2_NOTIFY_OPTIONS",
    ("Version", DWORD),
    ("Reserved", DWORD),
    ("Count", DWORD),
    ("pTypes", Unique(ConformantArray(RPC_V2_NOTIFY_OPTIONS_TYPE))),
)
RPC_V2_NOTIFY_INFO_DATA_DATA = Union(
    DWORD,
    {
        TABLE_STRING: ("String", STRING_CONTAINER),
        TABLE_DWORD: ("dwData", FixedArray(DWORD, 2)),
        TABLE_TIME: ("SystemTime", SYSTEMTIME_CONTAINER),
        TABLE_DEVMODE: ("DevMode", DEVMODE_CONTAINER),
        TABLE_SECURITYDESCRIPTOR: ("SecurityDescriptor", SECURITY_CONTAINER),
    },
    lambda s: s["Reserved"] & 0xFFFF,
    "RPC_V2_NOTIFY_INFO_DATA_DATA",
)
RPC_V2_NOTIFY_INFO_DATA = Struct(
    "RPC_V2_NOTIFY_INFO_DATA",
    ("Type", USHORT),
    ("Field", USHORT),
    ("Reserved", DWORD),
    ("Id", DWORD),
    ("Data", RPC_V2_NOTIFY_INFO_DATA_DATA),
)
RPC_V2_NOTIFY_INFO = Struct(
    "RPC_V2_NOTIFY_INFO",
    ("Version", DWORD),
    ("Flags", DWORD),
    ("Count", DWORD),
    ("aData", ConformantArray(RPC_V2_NOTIFY_INFO_DATA)),
)
NOTIFY_REPLY_CONTAINER = Struct("NOTIFY_REPLY_CONTAINER", ("pInfo", Unique(RPC_V2_NOTIFY_INFO)))
NOTIFY_OPTIONS_CONTAINER = Struct(
    "NOTIFY_OPTIONS_CONTAINER", ("pOptions", Unique(RPC_V2_NOTIFY_OPTIONS))
)

# EPrintPropertyType (MS-PAR 2.2.6): kPropertyTypeString = 1 ... kPropertyTypeNotificationOptions.
RpcPrintPropertyValue = Struct(
    "RpcPrintPropertyValue",
    ("ePropertyType", ENUM),
    (
        "value",
        Union(
            ENUM,
            {
                1: ("propertyString", PWSTR),
                2: ("propertyInt32", LONG),
                3: ("propertyInt64", LONGLONG),
                4: ("propertyByte", BYTE),
                5: ("propertyTimeContainer", SYSTEMTIME_CONTAINER),
                6: ("propertyDevModeContainer", DEVMODE_CONTAINER),
                7: ("propertySDContainer", SECURITY_CONTAINER),
                8: ("propertyReplyContainer", NOTIFY_REPLY_CONTAINER),
                9: ("propertyOptionsContainer", NOTIFY_OPTIONS_CONTAINER),
            },
            lambda s: s["ePropertyType"],
            "RpcPrintPropertyValue.value",
        ),
    ),
)
RpcPrintNamedProperty = Struct(
    "RpcPrintNamedProperty", ("propertyName", PWSTR), ("propertyValue", RpcPrintPropertyValue)
)
RpcPrintPropertiesCollection = Struct(
    "RpcPrintPropertiesCollection",
    ("numberOfProperties", DWORD),  # [range(0, 50)]: the surface applies the bound
    ("propertiesCollection", Unique(ConformantArray(RpcPrintNamedProperty))),
)

# -- job named properties (MS-RPRN 2.2.1.14) ------------------------------------------------------

RPC_PrintPropertyValue = Struct(
    "RPC_PrintPropertyValue",
    ("ePropertyType", ENUM),
    (
        "value",
        Union(
            ENUM,
            {
                1: ("propertyString", PWSTR),
                2: ("propertyInt32", LONG),
                3: ("propertyInt64", LONGLONG),
                4: ("propertyByte", BYTE),
                5: ("propertyBlob", Struct("propertyBlob", ("cbBuf", DWORD), ("pBuf", PBYTES))),
            },
            lambda s: s["ePropertyType"],
            "RPC_PrintPropertyValue.value",
        ),
    ),
)
RPC_PrintNamedProperty = Struct(
    "RPC_PrintNamedProperty", ("propertyName", PWSTR), ("propertyValue", RPC_PrintPropertyValue)
)

# -- packages -------------------------------------------------------------------------------------

CORE_PRINTER_DRIVER = Struct(
    "CORE_PRINTER_DRIVER",
    ("CoreDriverGUID", GUID),
    ("ftDriverDate", FILETIME),
    ("dwlDriverVersion", HYPER),
    ("szPackageID", FixedWString(260)),
)

# -- bidi (MS-RPRN 2.2.1.2.x) ---------------------------------------------------------------------

BIDI_NULL, BIDI_INT, BIDI_FLOAT, BIDI_BOOL, BIDI_STRING, BIDI_TEXT, BIDI_ENUM, BIDI_BLOB = range(8)
RPC_BIDI_DATA = Struct(
    "RPC_BIDI_DATA",
    ("dwBidiType", DWORD),
    (
        "u",
        Union(
            DWORD,
            {
                BIDI_NULL: ("bData", LONG),
                BIDI_BOOL: ("bData", LONG),
                BIDI_INT: ("iData", LONG),
                BIDI_STRING: ("sData", PWSTR),
                BIDI_TEXT: ("sData", PWSTR),
                BIDI_ENUM: ("sData", PWSTR),
                BIDI_FLOAT: ("fData", FLOAT),
                BIDI_BLOB: ("biData", RPC_BINARY_CONTAINER),
            },
            lambda s: s["dwBidiType"],
            "RPC_BIDI_DATA.u",
        ),
    ),
)
RPC_BIDI_REQUEST_DATA = Struct(
    "RPC_BIDI_REQUEST_DATA",
    ("dwReqNumber", DWORD),
    ("pSchema", PWSTR),
    ("data", RPC_BIDI_DATA),
)
RPC_BIDI_RESPONSE_DATA = Struct(
    "RPC_BIDI_RESPONSE_DATA",
    ("dwResult", DWORD),
    ("dwReqNumber", DWORD),
    ("pSchema", PWSTR),
    ("data", RPC_BIDI_DATA),
)
RPC_BIDI_REQUEST_CONTAINER = Struct(
    "RPC_BIDI_REQUEST_CONTAINER",
    ("Version", DWORD),
    ("Flags", DWORD),
    ("Count", DWORD),
    ("aData", ConformantArray(RPC_BIDI_REQUEST_DATA)),
)
RPC_BIDI_RESPONSE_CONTAINER = Struct(
    "RPC_BIDI_RESPONSE_CONTAINER",
    ("Version", DWORD),
    ("Flags", DWORD),
    ("Count", DWORD),
    ("aData", ConformantArray(RPC_BIDI_RESPONSE_DATA)),
)

# -- branch office logging (MS-RPRN 2.2.1.15) -----------------------------------------------------

RPC_BranchOfficeJobDataPrinted = Struct(
    "RPC_BranchOfficeJobDataPrinted",
    ("Status", DWORD),
    *_all(PWSTR, "pDocumentName pUserName pMachineName pPrinterName pPortName"),
    ("Size", LONGLONG),
    ("TotalPages", DWORD),
)
RPC_BranchOfficeJobDataRendered = Struct(
    "RPC_BranchOfficeJobDataRendered",
    ("Size", LONGLONG),
    ("ICMMethod", DWORD),
    *_all(SHORT, "Color PrintQuality YResolution Copies TTOption"),
)
RPC_BranchOfficeJobDataError = Struct(
    "RPC_BranchOfficeJobDataError",
    ("LastError", DWORD),
    *_all(PWSTR, "pDocumentName pUserName pPrinterName pDataType"),
    ("TotalSize", LONGLONG),
    ("PrintedSize", LONGLONG),
    ("TotalPages", DWORD),
    ("PrintedPages", DWORD),
    *_all(PWSTR, "pMachineName pJobError pErrorDescription"),
)
RPC_BranchOfficeJobDataPipelineFailed = Struct(
    "RPC_BranchOfficeJobDataPipelineFailed",
    *_all(PWSTR, "pDocumentName pPrinterName pExtraErrorInfo"),
)
RPC_BranchOfficeLogOfflineFileFull = Struct(
    "RPC_BranchOfficeLogOfflineFileFull", ("pMachineName", PWSTR)
)
BRANCH_OFFICE_ARMS = {
    1: ("LogJobPrinted", RPC_BranchOfficeJobDataPrinted),
    2: ("LogJobRendered", RPC_BranchOfficeJobDataRendered),
    3: ("LogJobError", RPC_BranchOfficeJobDataError),
    4: ("LogPipelineFailed", RPC_BranchOfficeJobDataPipelineFailed),
    5: ("LogOfflineFileFull", RPC_BranchOfficeLogOfflineFileFull),
}
RPC_BranchOfficeJobData = Struct(
    "RPC_BranchOfficeJobData",
    ("eEventType", ENUM),
    ("JobId", DWORD),
    ("JobInfo", Union(ENUM, BRANCH_OFFICE_ARMS, lambda s: s["eEventType"], "JobInfo")),
)
RPC_BranchOfficeJobDataContainer = Struct(
    "RPC_BranchOfficeJobDataContainer",
    ("cJobDataEntries", DWORD),
    ("JobData", ConformantArray(RPC_BranchOfficeJobData)),
)
