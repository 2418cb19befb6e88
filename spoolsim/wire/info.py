"""Layouts of the custom-marshaled ``_X_INFO`` structures (MS-RPRN 2.2.2).

One :class:`~spoolsim.wire.marshal.Layout` per structure, in the buffer form the server returns,
plus :data:`LAYOUTS`, keyed by ``(family, level)``.  Field names follow the protocol fact sheet
(section 6b): the container names (``pServerName`` ...) where the buffer form keeps the
container's order, and the buffer-form names (``Name``, ``Environment`` ...) for the driver
structures, whose buffer form reorders members (``DependentFiles`` ahead of ``MonitorName``).
The driver levels 1 and 2 use the buffer-form names too, so that one set of keys serves the
whole ``DRIVER_INFO`` family.

Embedded ``SIZE`` and ``RECTL`` members of the form structures are flattened into
``Size_cx``, ``Size_cy``, ``ImageableArea_left``, ``ImageableArea_top``,
``ImageableArea_right`` and ``ImageableArea_bottom`` (LONGs, in thousandths of a millimetre).
"""

from __future__ import annotations

from spoolsim.wire.marshal import Field, Kind, Layout

__all__ = [
    "DATATYPES_INFO_1",
    "DRIVER_INFO_1",
    "DRIVER_INFO_2",
    "DRIVER_INFO_3",
    "DRIVER_INFO_4",
    "DRIVER_INFO_5",
    "DRIVER_INFO_6",
    "DRIVER_INFO_8",
    "DRIVER_INFO_101",
    "FORM_INFO_1",
    "FORM_INFO_2",
    "JOB_INFO_1",
    "JOB_INFO_2",
    "JOB_INFO_3",
    "JOB_INFO_4",
    "LAYOUTS",
    "MONITOR_INFO_1",
    "MONITOR_INFO_2",
    "PORT_INFO_1",
    "PORT_INFO_2",
    "PORT_INFO_3",
    "PRINTER_ENUM_VALUES",
    "PRINTER_INFO_0",
    "PRINTER_INFO_1",
    "PRINTER_INFO_2",
    "PRINTER_INFO_3",
    "PRINTER_INFO_4",
    "PRINTER_INFO_5",
    "PRINTER_INFO_6",
    "PRINTER_INFO_7",
    "PRINTER_INFO_8",
    "PRINTPROCESSOR_INFO_1",
]

_D, _L, _W, _Q = Kind.DWORD, Kind.LONG, Kind.WORD, Kind.QWORD
_S, _MSZ = Kind.STRING, Kind.MULTI_SZ


def _layout(name: str, *spec: tuple[str, Kind] | Field) -> Layout:
    return Layout(name, tuple(f if isinstance(f, Field) else Field(*f) for f in spec))


def _dwords(*names: str) -> tuple[tuple[str, Kind], ...]:
    return tuple((n, _D) for n in names)


# ---------------------------------------------------------------- PRINTER_INFO (2.2.2.9)

# 2.2.2.9.1 _PRINTER_INFO_STRESS: level 0.
PRINTER_INFO_0 = _layout(
    "PRINTER_INFO_0",
    ("pPrinterName", _S),
    ("pServerName", _S),
    *_dwords("cJobs", "cTotalJobs", "cTotalBytes"),
    ("stUpTime", Kind.SYSTEMTIME),
    *_dwords(
        "MaxcRef",
        "cTotalPagesPrinted",
        "dwGetVersion",
        "fFreeBuild",
        "cSpooling",
        "cMaxSpooling",
        "cRef",
        "cErrorOutOfPaper",
        "cErrorNotReady",
        "cJobError",
        "dwNumberOfProcessors",
        "dwProcessorType",
        "dwHighPartTotalBytes",
        "cChangeID",
        "dwLastError",
        "Status",
        "cEnumerateNetworkPrinters",
        "cAddNetPrinters",
    ),
    ("wProcessorArchitecture", _W),
    ("wProcessorLevel", _W),
    *_dwords("cRefIC", "dwReserved2", "dwReserved3"),
)

# 2.2.2.9.2 _PRINTER_INFO_1.
PRINTER_INFO_1 = _layout(
    "PRINTER_INFO_1", ("Flags", _D), ("pDescription", _S), ("pName", _S), ("pComment", _S)
)

# 2.2.2.9.3 _PRINTER_INFO_2.
PRINTER_INFO_2 = _layout(
    "PRINTER_INFO_2",
    ("pServerName", _S),
    ("pPrinterName", _S),
    ("pShareName", _S),
    ("pPortName", _S),
    ("pDriverName", _S),
    ("pComment", _S),
    ("pLocation", _S),
    ("pDevMode", Kind.DEVMODE),
    ("pSepFile", _S),
    ("pPrintProcessor", _S),
    ("pDatatype", _S),
    ("pParameters", _S),
    ("pSecurityDescriptor", Kind.SECURITY_DESCRIPTOR),
    *_dwords(
        "Attributes",
        "Priority",
        "DefaultPriority",
        "StartTime",
        "UntilTime",
        "Status",
        "cJobs",
        "AveragePPM",
    ),
)

# 2.2.2.9.4 _PRINTER_INFO_3.
PRINTER_INFO_3 = _layout("PRINTER_INFO_3", ("pSecurityDescriptor", Kind.SECURITY_DESCRIPTOR))

# 2.2.2.9.5 _PRINTER_INFO_4.
PRINTER_INFO_4 = _layout(
    "PRINTER_INFO_4", ("pPrinterName", _S), ("pServerName", _S), ("Attributes", _D)
)

# 2.2.2.9.6 _PRINTER_INFO_5.
PRINTER_INFO_5 = _layout(
    "PRINTER_INFO_5",
    ("pPrinterName", _S),
    ("pPortName", _S),
    *_dwords("Attributes", "DeviceNotSelectedTimeout", "TransmissionRetryTimeout"),
)

# 2.2.2.9.7 _PRINTER_INFO_6.
PRINTER_INFO_6 = _layout("PRINTER_INFO_6", ("dwStatus", _D))

# 2.2.2.9.8 _PRINTER_INFO_7.
PRINTER_INFO_7 = _layout("PRINTER_INFO_7", ("pszObjectGUID", _S), ("dwAction", _D))

# 2.2.2.9.9 _PRINTER_INFO_8 (the global DEVMODE).
PRINTER_INFO_8 = _layout("PRINTER_INFO_8", ("pDevMode", Kind.DEVMODE))

# ---------------------------------------------------------------- JOB_INFO (2.2.2.6)

_JOB_2_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("JobId", _D),
    ("pPrinterName", _S),
    ("pMachineName", _S),
    ("pUserName", _S),
    ("pDocument", _S),
    ("pNotifyName", _S),
    ("pDatatype", _S),
    ("pPrintProcessor", _S),
    ("pParameters", _S),
    ("pDriverName", _S),
    ("pDevMode", Kind.DEVMODE),
    ("pStatus", _S),
    ("pSecurityDescriptor", Kind.SECURITY_DESCRIPTOR),
    *_dwords("Status", "Priority", "Position", "StartTime", "UntilTime", "TotalPages", "Size"),
    ("Submitted", Kind.SYSTEMTIME),
    *_dwords("Time", "PagesPrinted"),
)

# 2.2.2.6.1 _JOB_INFO_1.
JOB_INFO_1 = _layout(
    "JOB_INFO_1",
    ("JobId", _D),
    ("pPrinterName", _S),
    ("pMachineName", _S),
    ("pUserName", _S),
    ("pDocument", _S),
    ("pDatatype", _S),
    ("pStatus", _S),
    *_dwords("Status", "Priority", "Position", "TotalPages", "PagesPrinted"),
    ("Submitted", Kind.SYSTEMTIME),
)

# 2.2.2.6.2 _JOB_INFO_2.
JOB_INFO_2 = _layout("JOB_INFO_2", *_JOB_2_FIELDS)

# 2.2.2.6.3 _JOB_INFO_3 (no variable data).
JOB_INFO_3 = _layout("JOB_INFO_3", *_dwords("JobId", "NextJobId", "Reserved"))

# 2.2.2.6.4 _JOB_INFO_4: _JOB_INFO_2 plus the signed high half of the job size.
JOB_INFO_4 = _layout("JOB_INFO_4", *_JOB_2_FIELDS, ("SizeHigh", _L))

# ---------------------------------------------------------------- DRIVER_INFO (2.2.2.4)

_DRIVER_2_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("cVersion", _D),
    ("Name", _S),
    ("Environment", _S),
    ("DriverPath", _S),
    ("DataFile", _S),
    ("ConfigFile", _S),
)
_DRIVER_3_FIELDS: tuple[tuple[str, Kind], ...] = (
    *_DRIVER_2_FIELDS,
    ("HelpFile", _S),
    ("DependentFiles", _MSZ),
    ("MonitorName", _S),
    ("DefaultDataType", _S),
)
_DRIVER_4_FIELDS = (*_DRIVER_3_FIELDS, ("szzPreviousNames", _MSZ))
_DRIVER_6_FIELDS: tuple[tuple[str, Kind], ...] = (
    *_DRIVER_4_FIELDS,
    ("ftDriverDate", Kind.FILETIME),
    ("PaddingForAlignment", Kind.PAD),  # explicit in 2.2.2.4.6: puts dwlDriverVersion at 56
    ("dwlDriverVersion", _Q),
    ("MfgName", _S),
    ("OEMUrl", _S),
    ("HardwareID", _S),
    ("Provider", _S),
)

# 2.2.2.4.1 _DRIVER_INFO_1.
DRIVER_INFO_1 = _layout("DRIVER_INFO_1", ("Name", _S))

# 2.2.2.4.2 _DRIVER_INFO_2.
DRIVER_INFO_2 = _layout("DRIVER_INFO_2", *_DRIVER_2_FIELDS)

# 2.2.2.4.3 _DRIVER_INFO_3.
DRIVER_INFO_3 = _layout("DRIVER_INFO_3", *_DRIVER_3_FIELDS)

# 2.2.2.4.4 _DRIVER_INFO_4.
DRIVER_INFO_4 = _layout("DRIVER_INFO_4", *_DRIVER_4_FIELDS)

# 2.2.2.4.5 _DRIVER_INFO_5.
DRIVER_INFO_5 = _layout(
    "DRIVER_INFO_5",
    *_DRIVER_2_FIELDS,
    *_dwords("dwDriverAttributes", "dwConfigVersion", "dwDriverVersion"),
)

# 2.2.2.4.6 _DRIVER_INFO_6.
DRIVER_INFO_6 = _layout("DRIVER_INFO_6", *_DRIVER_6_FIELDS)

# 2.2.2.4.8 _DRIVER_INFO_8 (ftMinInboxDriverVerDate is drawn as one 64-bit member).
DRIVER_INFO_8 = _layout(
    "DRIVER_INFO_8",
    *_DRIVER_6_FIELDS,
    ("PrintProcessor", _S),
    ("VendorSetup", _S),
    ("szzColorProfiles", _MSZ),
    ("InfPath", _S),
    ("dwPrinterDriverAttributes", _D),
    ("szzCoreDependencies", _MSZ),
    ("ftMinInboxDriverVerDate", _Q),
    ("dwlMinInboxDriverVerVersion", _Q),
)

# 2.2.2.4.9 _DRIVER_INFO_101; FileInfo points to dwFileCount _DRIVER_FILE_INFO entries
# (2.2.2.4.10), whose FileNameOffset counts from the start of this structure.
DRIVER_INFO_101 = _layout(
    "DRIVER_INFO_101",
    ("cVersion", _D),
    ("Name", _S),
    ("Environment", _S),
    Field("FileInfo", Kind.FILE_INFO_ARRAY, size_field="dwFileCount"),
    ("dwFileCount", _D),
    ("MonitorName", _S),
    ("DefaultDataType", _S),
    ("szzPreviousNames", _MSZ),
    ("ftDriverDate", Kind.FILETIME),
    ("dwlDriverVersion", _Q),
    ("MfgName", _S),
    ("OEMUrl", _S),
    ("HardwareID", _S),
    ("Provider", _S),
)

# ---------------------------------------------------------------- FORM_INFO (2.2.2.5)

_FORM_1_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("Flags", _D),
    ("pName", _S),
    ("Size_cx", _L),
    ("Size_cy", _L),
    ("ImageableArea_left", _L),
    ("ImageableArea_top", _L),
    ("ImageableArea_right", _L),
    ("ImageableArea_bottom", _L),
)

# 2.2.2.5.1 _FORM_INFO_1.
FORM_INFO_1 = _layout("FORM_INFO_1", *_FORM_1_FIELDS)

# 2.2.2.5.2 _FORM_INFO_2: pKeyword is an 8-bit string; wLangID is followed by a 2-byte
# "unused" member that the spec draws explicitly.
FORM_INFO_2 = _layout(
    "FORM_INFO_2",
    *_FORM_1_FIELDS,
    ("pKeyword", Kind.ASTRING),
    ("StringType", _D),
    ("pMuiDll", _S),
    ("dwResourceId", _D),
    ("pDisplayName", _S),
    ("wLangID", _W),
    ("unused", Kind.PAD2),
)

# ---------------------------------------------------------------- ports, monitors, processors

# 2.2.2.8.1 _PORT_INFO_1.
PORT_INFO_1 = _layout("PORT_INFO_1", ("pPortName", _S))

# 2.2.2.8.2 _PORT_INFO_2.
PORT_INFO_2 = _layout(
    "PORT_INFO_2",
    ("pPortName", _S),
    ("pMonitorName", _S),
    ("pDescription", _S),
    *_dwords("fPortType", "Reserved"),
)

# 2.2.2.8.3 _PORT_INFO_3.
PORT_INFO_3 = _layout("PORT_INFO_3", ("dwStatus", _D), ("pszStatus", _S), ("dwSeverity", _D))

# 2.2.2.7.1 _MONITOR_INFO_1.
MONITOR_INFO_1 = _layout("MONITOR_INFO_1", ("pName", _S))

# 2.2.2.7.2 _MONITOR_INFO_2.
MONITOR_INFO_2 = _layout("MONITOR_INFO_2", ("pName", _S), ("pEnvironment", _S), ("pDLLName", _S))

# MS-RPRN 2.2.2 _PRINTPROCESSOR_INFO_1.
PRINTPROCESSOR_INFO_1 = _layout("PRINTPROCESSOR_INFO_1", ("pName", _S))

# 2.2.2.3 _DATATYPES_INFO_1.
DATATYPES_INFO_1 = _layout("DATATYPES_INFO_1", ("pName", _S))

# ---------------------------------------------------------------- printer data

# 2.2.2.11 PRINTER_ENUM_VALUES (RpcEnumPrinterDataEx): cbValueName is the byte size of the
# name including its NUL, cbData the byte size of the data; both are derived when packing.
PRINTER_ENUM_VALUES = _layout(
    "PRINTER_ENUM_VALUES",
    Field("pValueName", _S, size_field="cbValueName"),
    ("cbValueName", _D),
    ("dwType", _D),
    Field("pData", Kind.BYTES, size_field="cbData"),
    ("cbData", _D),
)

LAYOUTS: dict[tuple[str, int], Layout] = {
    ("PRINTER_INFO", 0): PRINTER_INFO_0,
    ("PRINTER_INFO", 1): PRINTER_INFO_1,
    ("PRINTER_INFO", 2): PRINTER_INFO_2,
    ("PRINTER_INFO", 3): PRINTER_INFO_3,
    ("PRINTER_INFO", 4): PRINTER_INFO_4,
    ("PRINTER_INFO", 5): PRINTER_INFO_5,
    ("PRINTER_INFO", 6): PRINTER_INFO_6,
    ("PRINTER_INFO", 7): PRINTER_INFO_7,
    ("PRINTER_INFO", 8): PRINTER_INFO_8,
    ("JOB_INFO", 1): JOB_INFO_1,
    ("JOB_INFO", 2): JOB_INFO_2,
    ("JOB_INFO", 3): JOB_INFO_3,
    ("JOB_INFO", 4): JOB_INFO_4,
    ("DRIVER_INFO", 1): DRIVER_INFO_1,
    ("DRIVER_INFO", 2): DRIVER_INFO_2,
    ("DRIVER_INFO", 3): DRIVER_INFO_3,
    ("DRIVER_INFO", 4): DRIVER_INFO_4,
    ("DRIVER_INFO", 5): DRIVER_INFO_5,
    ("DRIVER_INFO", 6): DRIVER_INFO_6,
    ("DRIVER_INFO", 8): DRIVER_INFO_8,
    ("DRIVER_INFO", 101): DRIVER_INFO_101,
    ("FORM_INFO", 1): FORM_INFO_1,
    ("FORM_INFO", 2): FORM_INFO_2,
    ("PORT_INFO", 1): PORT_INFO_1,
    ("PORT_INFO", 2): PORT_INFO_2,
    ("PORT_INFO", 3): PORT_INFO_3,
    ("MONITOR_INFO", 1): MONITOR_INFO_1,
    ("MONITOR_INFO", 2): MONITOR_INFO_2,
    ("PRINTPROCESSOR_INFO", 1): PRINTPROCESSOR_INFO_1,
    ("DATATYPES_INFO", 1): DATATYPES_INFO_1,
}
"""Every leveled layout, keyed by (family, level); ``PRINTER_ENUM_VALUES`` has no level."""
