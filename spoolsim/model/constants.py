"""Protocol numbers: Win32 codes, HRESULTs, access rights, flags and status bits.

Every value comes from ``shared/reference/print-protocol-facts.md`` (sections named in the
comments).
Where the sources disagree, the choice is recorded beside the value and tested in
``tests/model/test_constants.py``.
"""

from __future__ import annotations

import enum

# --------------------------------------------------------------------------------------------------
# Win32 error codes (fact sheet section 3)


class Win32(enum.IntEnum):
    ERROR_SUCCESS = 0
    ERROR_FILE_NOT_FOUND = 2
    ERROR_PATH_NOT_FOUND = 3
    ERROR_ACCESS_DENIED = 5
    ERROR_INVALID_HANDLE = 6
    ERROR_NOT_ENOUGH_MEMORY = 8
    ERROR_INVALID_DATA = 13
    ERROR_OUTOFMEMORY = 14
    ERROR_NOT_READY = 21
    ERROR_OUT_OF_PAPER = 28
    ERROR_SHARING_VIOLATION = 32
    ERROR_NOT_SUPPORTED = 50
    ERROR_BAD_NETPATH = 53
    ERROR_PRINTQ_FULL = 61
    ERROR_NO_SPOOL_SPACE = 62
    ERROR_PRINT_CANCELLED = 63
    ERROR_BAD_NET_NAME = 67
    ERROR_FILE_EXISTS = 80
    ERROR_INVALID_PARAMETER = 87
    ERROR_CALL_NOT_IMPLEMENTED = 120
    ERROR_INSUFFICIENT_BUFFER = 122
    ERROR_INVALID_NAME = 123
    ERROR_INVALID_LEVEL = 124
    ERROR_BAD_PATHNAME = 161
    ERROR_BUSY = 170
    ERROR_ALREADY_EXISTS = 183
    ERROR_FILENAME_EXCED_RANGE = 206
    ERROR_MORE_DATA = 234
    ERROR_NO_DATA = 232
    ERROR_NO_MORE_ITEMS = 259
    ERROR_DIRECTORY = 267
    ERROR_INVALID_FLAGS = 1004
    ERROR_NOT_FOUND = 1168
    ERROR_CANCELLED = 1223
    ERROR_INVALID_SECURITY_DESCR = 1338
    RPC_S_SERVER_UNAVAILABLE = 1722
    RPC_S_CALL_FAILED = 1726
    ERROR_INVALID_USER_BUFFER = 1784
    ERROR_PRINTER_DRIVER_ALREADY_INSTALLED = 1795
    ERROR_UNKNOWN_PORT = 1796
    ERROR_UNKNOWN_PRINTER_DRIVER = 1797
    ERROR_UNKNOWN_PRINTPROCESSOR = 1798
    ERROR_INVALID_SEPARATOR_FILE = 1799
    ERROR_INVALID_PRIORITY = 1800
    ERROR_INVALID_PRINTER_NAME = 1801
    ERROR_PRINTER_ALREADY_EXISTS = 1802
    ERROR_INVALID_PRINTER_COMMAND = 1803
    ERROR_INVALID_DATATYPE = 1804
    ERROR_INVALID_ENVIRONMENT = 1805
    ERROR_INVALID_TIME = 1901
    ERROR_INVALID_FORM_NAME = 1902
    ERROR_INVALID_FORM_SIZE = 1903
    ERROR_ALREADY_WAITING = 1904
    ERROR_PRINTER_DELETED = 1905
    ERROR_INVALID_PRINTER_STATE = 1906
    ERROR_KM_DRIVER_BLOCKED = 1930
    # Bidi results (winspool.h: ERROR_BIDI_ERROR_BASE 13000 and up; ERROR_BIDI_NOT_SUPPORTED is
    # ERROR_NOT_SUPPORTED).
    ERROR_BIDI_STATUS_WARNING = 13001
    ERROR_BIDI_SCHEMA_READ_ONLY = 13002
    ERROR_BIDI_SERVER_OFFLINE = 13003
    ERROR_BIDI_DEVICE_OFFLINE = 13004
    ERROR_BIDI_SCHEMA_NOT_SUPPORTED = 13005
    ERROR_REMOTE_PRINT_CONNECTIONS_BLOCKED = 1936
    ERROR_UNKNOWN_PRINT_MONITOR = 3000
    ERROR_PRINTER_DRIVER_IN_USE = 3001
    ERROR_SPOOL_FILE_NOT_FOUND = 3002
    ERROR_SPL_NO_STARTDOC = 3003
    ERROR_SPL_NO_ADDJOB = 3004
    ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED = 3005
    ERROR_PRINT_MONITOR_ALREADY_INSTALLED = 3006
    ERROR_INVALID_PRINT_MONITOR = 3007
    ERROR_PRINT_MONITOR_IN_USE = 3008
    ERROR_PRINTER_HAS_JOBS_QUEUED = 3009
    ERROR_SUCCESS_REBOOT_REQUIRED = 3010
    ERROR_SUCCESS_RESTART_REQUIRED = 3011
    ERROR_PRINTER_NOT_FOUND = 3012
    ERROR_PRINTER_DRIVER_WARNED = 3013
    ERROR_PRINTER_DRIVER_BLOCKED = 3014
    ERROR_PRINTER_DRIVER_PACKAGE_IN_USE = 3015
    ERROR_CORE_DRIVER_PACKAGE_NOT_FOUND = 3016
    ERROR_FAIL_REBOOT_REQUIRED = 3017
    ERROR_FAIL_REBOOT_INITIATED = 3018
    ERROR_PRINTER_DRIVER_DOWNLOAD_NEEDED = 3019
    ERROR_PRINT_JOB_RESTART_REQUIRED = 3020
    ERROR_INVALID_PRINTER_DRIVER_MANIFEST = 3021
    ERROR_PRINTER_NOT_SHAREABLE = 3022


# Setup API code (fact sheet section 3): APPLICATION_ERROR_MASK | ERROR_SEVERITY_ERROR | 0x102.
ERROR_LINE_NOT_FOUND = 0xE0000102

# --------------------------------------------------------------------------------------------------
# HRESULTs (fact sheet section 3a)

S_OK = 0x00000000
S_FALSE = 0x00000001
E_NOTIMPL = 0x80004001
E_FAIL = 0x80004005
FACILITY_WIN32 = 7


def hresult_from_win32(code: int) -> int:
    """HRESULT_FROM_WIN32 as the winerror.h macro defines it.

    The macro's ``x <= 0`` is a signed test: zero and codes with the top bit already set pass
    through unchanged; anything else becomes ``0x8007xxxx``.
    """
    code &= 0xFFFFFFFF
    if code == 0 or code & 0x80000000:
        return code
    return (code & 0xFFFF) | (FACILITY_WIN32 << 16) | 0x80000000


E_ACCESSDENIED = hresult_from_win32(Win32.ERROR_ACCESS_DENIED)
E_OUTOFMEMORY = hresult_from_win32(Win32.ERROR_OUTOFMEMORY)
E_INVALIDARG = hresult_from_win32(Win32.ERROR_INVALID_PARAMETER)

# --------------------------------------------------------------------------------------------------
# Access rights (fact sheet section 4). Where Samba/Wine differ (JOB_READ, *_WRITE) the MS-RPRN
# 2.2.3.1 values are used, as the fact sheet's section 11 recommends.


class Access(enum.IntFlag):
    SERVER_ACCESS_ADMINISTER = 0x00000001
    SERVER_ACCESS_ENUMERATE = 0x00000002
    PRINTER_ACCESS_ADMINISTER = 0x00000004
    PRINTER_ACCESS_USE = 0x00000008
    JOB_ACCESS_ADMINISTER = 0x00000010
    JOB_ACCESS_READ = 0x00000020
    PRINTER_ACCESS_MANAGE_LIMITED = 0x00000040

    DELETE = 0x00010000
    READ_CONTROL = 0x00020000
    WRITE_DAC = 0x00040000
    WRITE_OWNER = 0x00080000
    SYNCHRONIZE = 0x00100000
    ACCESS_SYSTEM_SECURITY = 0x01000000
    MAXIMUM_ALLOWED = 0x02000000
    GENERIC_ALL = 0x10000000
    GENERIC_EXECUTE = 0x20000000
    GENERIC_WRITE = 0x40000000
    GENERIC_READ = 0x80000000

    STANDARD_RIGHTS_REQUIRED = 0x000F0000
    SERVER_ALL_ACCESS = 0x000F0003
    SERVER_READ = 0x00020002
    SERVER_WRITE = 0x00020003
    SERVER_EXECUTE = 0x00020002
    PRINTER_ALL_ACCESS = 0x000F000C
    PRINTER_READ = 0x00020008
    PRINTER_WRITE = 0x00020008
    PRINTER_EXECUTE = 0x00020008
    JOB_ALL_ACCESS = 0x000F0030
    JOB_READ = 0x00020020
    JOB_WRITE = 0x00020010
    JOB_EXECUTE = 0x00020010


GENERIC_BITS = (
    Access.GENERIC_ALL | Access.GENERIC_EXECUTE | Access.GENERIC_WRITE | Access.GENERIC_READ
)

# --------------------------------------------------------------------------------------------------
# Printer status, attributes, job status (fact sheet sections 5a-5c)


class PrinterStatus(enum.IntFlag):
    OK = 0
    PAUSED = 0x00000001
    ERROR = 0x00000002
    PENDING_DELETION = 0x00000004
    PAPER_JAM = 0x00000008
    PAPER_OUT = 0x00000010
    MANUAL_FEED = 0x00000020
    PAPER_PROBLEM = 0x00000040
    OFFLINE = 0x00000080
    IO_ACTIVE = 0x00000100
    BUSY = 0x00000200
    PRINTING = 0x00000400
    OUTPUT_BIN_FULL = 0x00000800
    NOT_AVAILABLE = 0x00001000
    WAITING = 0x00002000
    PROCESSING = 0x00004000
    INITIALIZING = 0x00008000
    WARMING_UP = 0x00010000
    TONER_LOW = 0x00020000
    NO_TONER = 0x00040000
    PAGE_PUNT = 0x00080000
    USER_INTERVENTION = 0x00100000
    OUT_OF_MEMORY = 0x00200000
    DOOR_OPEN = 0x00400000
    SERVER_UNKNOWN = 0x00800000
    POWER_SAVE = 0x01000000
    SERVER_OFFLINE = 0x02000000
    DRIVER_UPDATE_NEEDED = 0x04000000


class PrinterAttributes(enum.IntFlag):
    NONE = 0
    QUEUED = 0x00000001
    DIRECT = 0x00000002
    DEFAULT = 0x00000004
    SHARED = 0x00000008
    NETWORK = 0x00000010
    HIDDEN = 0x00000020
    LOCAL = 0x00000040
    ENABLE_DEVQ = 0x00000080
    KEEPPRINTEDJOBS = 0x00000100
    DO_COMPLETE_FIRST = 0x00000200
    WORK_OFFLINE = 0x00000400
    ENABLE_BIDI = 0x00000800
    RAW_ONLY = 0x00001000
    PUBLISHED = 0x00002000
    FAX = 0x00004000
    TS = 0x00008000
    PUSHED_USER = 0x00020000
    PUSHED_MACHINE = 0x00040000
    MACHINE = 0x00080000
    FRIENDLY_NAME = 0x00100000
    TS_GENERIC_DRIVER = 0x00200000
    PER_USER = 0x00400000
    ENTERPRISE_CLOUD = 0x00800000


class JobStatus(enum.IntFlag):
    QUEUED = 0
    PAUSED = 0x00000001
    ERROR = 0x00000002
    DELETING = 0x00000004
    SPOOLING = 0x00000008
    PRINTING = 0x00000010
    OFFLINE = 0x00000020
    PAPEROUT = 0x00000040
    PRINTED = 0x00000080
    DELETED = 0x00000100
    BLOCKED_DEVQ = 0x00000200
    USER_INTERVENTION = 0x00000400
    RESTART = 0x00000800
    COMPLETE = 0x00001000
    RETAINED = 0x00002000
    RENDERING_LOCALLY = 0x00004000


MIN_PRIORITY = 1
MAX_PRIORITY = 99
DEF_PRIORITY = 1
NO_PRIORITY = 0

# JOB_POSITION_UNSPECIFIED: MinGW says 0, Wine says 1 (fact sheet 5d, unverified). We use 0: a
# Position of 0 in SetJob level 1/2 means "leave the position alone", which is how Windows' own
# spooler behaves for a zeroed JOB_INFO and how MinGW's header spells it.
JOB_POSITION_UNSPECIFIED = 0


class JobControl(enum.IntEnum):
    NONE = 0
    PAUSE = 1
    RESUME = 2
    CANCEL = 3
    RESTART = 4
    DELETE = 5
    SENT_TO_PRINTER = 6
    LAST_PAGE_EJECTED = 7
    RETAIN = 8
    RELEASE = 9


class PrinterControl(enum.IntEnum):
    NONE = 0
    PAUSE = 1
    RESUME = 2
    PURGE = 3
    SET_STATUS = 4


class PrinterEnum(enum.IntFlag):
    DEFAULT = 0x00000001
    LOCAL = 0x00000002
    CONNECTIONS = 0x00000004
    NAME = 0x00000008
    REMOTE = 0x00000010
    SHARED = 0x00000020
    NETWORK = 0x00000040
    EXPAND = 0x00004000
    CONTAINER = 0x00008000
    ICON8 = 0x00800000
    ICONMASK = 0x00FF0000
    HIDE = 0x01000000
    CATEGORY_ALL = 0x02000000
    CATEGORY_3D = 0x04000000


class SvType(enum.IntFlag):
    """Server-type bits of a browser host announcement (SV_TYPE_*, lmserver.h; Samba misc.idl;
    fact sheet section 9 for PRINTQ_SERVER, NT and SERVER_NT)."""

    WORKSTATION = 0x00000001
    SERVER = 0x00000002
    DOMAIN_CTRL = 0x00000008
    DOMAIN_BAKCTRL = 0x00000010
    TIME_SOURCE = 0x00000020
    DOMAIN_MEMBER = 0x00000100
    PRINTQ_SERVER = 0x00000200
    NT = 0x00001000
    SERVER_NT = 0x00008000
    POTENTIAL_BROWSER = 0x00010000
    BACKUP_BROWSER = 0x00020000
    MASTER_BROWSER = 0x00040000
    DOMAIN_MASTER = 0x00080000


# --------------------------------------------------------------------------------------------------
# Registry value types, forms, ports, environments, driver flags (fact sheet 5h-5k)


class RegType(enum.IntEnum):
    REG_NONE = 0
    REG_SZ = 1
    REG_EXPAND_SZ = 2
    REG_BINARY = 3
    REG_DWORD = 4
    REG_DWORD_BIG_ENDIAN = 5
    REG_LINK = 6
    REG_MULTI_SZ = 7
    REG_RESOURCE_LIST = 8
    REG_FULL_RESOURCE_DESCRIPTOR = 9
    REG_RESOURCE_REQUIREMENTS_LIST = 10
    REG_QWORD = 11


class FormFlags(enum.IntEnum):
    FORM_USER = 0
    FORM_BUILTIN = 1
    FORM_PRINTER = 2


STRING_NONE = 0x00000001


class PortType(enum.IntFlag):
    WRITE = 0x00000001
    READ = 0x00000002
    REDIRECTED = 0x00000004
    NET_ATTACHED = 0x00000008


class PortStatus(enum.IntEnum):
    CLEAR = 0
    OFFLINE = 1
    PAPER_JAM = 2
    PAPER_OUT = 3
    OUTPUT_BIN_FULL = 4
    PAPER_PROBLEM = 5
    NO_TONER = 6
    DOOR_OPEN = 7
    USER_INTERVENTION = 8
    OUT_OF_MEMORY = 9
    TONER_LOW = 10
    WARMING_UP = 11
    POWER_SAVE = 12


class PortSeverity(enum.IntEnum):
    NONE = 0
    ERROR = 1
    WARNING = 2
    INFO = 3


# Environment strings and the driver versions each accepts (fact sheet 5h, 5i; Wine's printenv_t).
ENVIRONMENTS: dict[str, tuple[int, ...]] = {
    "Windows NT x86": (2, 3, 4),
    "Windows x64": (3, 4),
    "Windows IA64": (3,),
    "Windows ARM": (3, 4),
    "Windows ARM64": (3, 4),
    "Windows 4.0": (0,),
}
ENV_X64 = "Windows x64"

# Short directory names under PRINT$ (Samba's SPL_ARCH_* names).
ENVIRONMENT_DIRS: dict[str, str] = {
    "Windows NT x86": "W32X86",
    "Windows x64": "x64",
    "Windows IA64": "IA64",
    "Windows ARM": "ARM",
    "Windows ARM64": "ARM64",
    "Windows 4.0": "WIN40",
}


class APD(enum.IntFlag):
    NONE = 0
    STRICT_UPGRADE = 0x00000001
    STRICT_DOWNGRADE = 0x00000002
    COPY_ALL_FILES = 0x00000004
    COPY_NEW_FILES = 0x00000008
    COPY_FROM_DIRECTORY = 0x00000010
    DONT_COPY_FILES_TO_CLUSTER = 0x00001000
    COPY_TO_ALL_SPOOLERS = 0x00002000
    INSTALL_WARNED_DRIVER = 0x00008000
    RETURN_BLOCKING_STATUS_CODE = 0x00010000


class DPD(enum.IntFlag):
    NONE = 0
    DELETE_UNUSED_FILES = 0x00000001
    DELETE_SPECIFIC_VERSION = 0x00000002
    DELETE_ALL_FILES = 0x00000004


# Predefined printer-data keys (fact sheet section 8).
PRINTER_DRIVER_DATA_KEY = "PrinterDriverData"

# Print processor and its datatypes, as Windows' built-in winprint reports them.
WINPRINT = "winprint"
WINPRINT_DATATYPES = ("RAW", "RAW [FF appended]", "RAW [FF auto]", "NT EMF 1.008", "TEXT")

LOCAL_MONITOR = "Local Port"
TCPIP_MONITOR = "Standard TCP/IP Port"


# --------------------------------------------------------------------------------------------------
# Driver packages (fact sheet 5j): InstallPrinterDriverFromPackage and UploadPrinterDriverPackage
# flags, DRIVER_INFO_8.dwPrinterDriverAttributes bits, and where a server keeps packages.


class IPDFP(enum.IntFlag):
    FLAG_NONE = 0
    COPY_ALL_FILES = 0x00000001


class UPDP(enum.IntFlag):
    NONE = 0
    SILENT_UPLOAD = 0x00000001  # Wine's winspool.h; Samba's bitmap omits it
    UPLOAD_ALWAYS = 0x00000002
    CHECK_DRIVERSTORE = 0x00000004


class PrinterDriverAttributes(enum.IntFlag):
    NONE = 0
    PACKAGE_AWARE = 0x00000001
    XPS = 0x00000002
    SANDBOX_ENABLED = 0x00000004
    CLASS = 0x00000008
    DERIVED = 0x00000010
    NOT_SHAREABLE = 0x00000020
    CATEGORY_FAX = 0x00000040
    CATEGORY_FILE = 0x00000080
    CATEGORY_VIRTUAL = 0x00000100
    CATEGORY_SERVICE = 0x00000200
    SOFT_RESET_REQUIRED = 0x00000400
    CATEGORY_3D = 0x00001000


# MAX_PATH: RpcAsyncUploadPrinterDriverPackage requires *pcchDestInfPath >= 260 (MS-PAR 3.1.4.2.8).
MAX_PATH = 260
# The driver store (MS-PAR 3.1.4.2.7's "print server's driver store"; the Win32 docs name both
# %windir%\inf and this directory; packages uploaded to a server land here).
DRIVER_STORE = "C:\\Windows\\System32\\DriverStore\\FileRepository"
# The spooler's own root; driver files live in DRIVERS\<ENVIRONMENT_DIRS dir>\<cVersion>, package
# cabinets for Point and Print in DRIVERS\<dir>\PCC.
SPOOL_DRIVERS = "C:\\Windows\\system32\\spool\\DRIVERS"
