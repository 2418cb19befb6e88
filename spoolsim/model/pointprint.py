"""Point and Print: the client machine, its policy, and the Point and Print DLL hooks.

A printer connection (``AddPrinterConnection("\\\\NTPRINT\\HpColor")``) makes the client's spooler
fetch the printer's driver and queue-specific files from the server. The flow itself, call by call,
is in :mod:`spoolsim.rpc.pointprint`; this module holds what it works on:

- :class:`ClientMachine`: an OS version and architecture, the drivers its OS ships (``inbox``), its
  own spooler (whose installed drivers and files are the driver cache, and which keeps per-machine
  connections), its per-user connections, and its Point and Print policy;
- :class:`PointAndPrintPolicy`: RestrictDriverInstallationToAdministrators (1 by default since
  the August 2021 updates, KB5005652) and the Point and Print Restrictions trusted-server list;
- :class:`PointAndPrintDll`: a ``Module`` named under a printer's ``CopyFiles\\<component>`` key,
  as pluggable Python callables for GenerateCopyFilePaths and SpoolerCopyFileEvent; a driver's
  DrvPrinterEvent is a callable too (:data:`DrvPrinterEvent`).

Queue-specific files (WDK "Installing Queue-Specific Files"): a printer's ``CopyFiles\\<component>``
key holds ``Directory`` (relative to PRINT$), ``Files`` (REG_MULTI_SZ) and optionally ``Module``.
When a client enumerates such a key, the server calls the module's GenerateCopyFilePaths with
COPYFILE_FLAG_SERVER_SPOOLER and adds ``SourceDir`` (``\\\\SERVER\\PRINT$\\<Directory>``) and
``TargetDir`` (``<Directory>``) to the reply; they are never stored.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from spoolsim.model.security import Principal

# Fact sheet section 10 (ReactOS winsplp.h; WDK SpoolerCopyFileEvent and DrvPrinterEvent pages).
COPYFILE_EVENT_SET_PRINTER_DATAEX = 1
COPYFILE_EVENT_DELETE_PRINTER = 2
COPYFILE_EVENT_ADD_PRINTER_CONNECTION = 3
COPYFILE_EVENT_DELETE_PRINTER_CONNECTION = 4
COPYFILE_EVENT_FILES_CHANGED = 5
COPYFILE_FLAG_CLIENT_SPOOLER = 0x00000001
COPYFILE_FLAG_SERVER_SPOOLER = 0x00000002
PRINTER_EVENT_ADD_CONNECTION = 1
PRINTER_EVENT_DELETE_CONNECTION = 2
PRINTER_EVENT_CACHE_REFRESH = 5

COPYFILES_KEY = "CopyFiles"

# GenerateCopyFilePaths(printer, directory, source_dir, target_dir, flags) -> (source, target).
# Raise SpoolerError to fail the copy with that code, as a non-zero return does.
CopyFilePaths = Callable[[str, str, str, str, int], tuple[str, str]]
# SpoolerCopyFileEvent(printer, key, event) -> bool (FALSE is logged, never fatal).
CopyFileEvent = Callable[[str, str, int], bool]
# DrvPrinterEvent(printer, event, flags) -> bool.
DrvPrinterEvent = Callable[[str, int, int], bool]


def _keep_paths(printer: str, directory: str, source: str, target: str, flags: int) -> tuple:
    return source, target


def _accept_event(printer: str, key: str, event: int) -> bool:
    return True


@attrs.frozen
class PointAndPrintDll:
    """A Point and Print DLL by its module name (``mscms.dll``); the defaults change nothing."""

    name: str
    generate_copy_file_paths: CopyFilePaths = _keep_paths
    spooler_copy_file_event: CopyFileEvent = _accept_event


@attrs.frozen
class PointAndPrintPolicy:
    """Who may install a driver through Point and Print on this client.

    ``restrict_to_administrators`` is RestrictDriverInstallationToAdministrators: when set (the
    default), only an administrator may install or update a driver through a connection. When it
    is cleared, ``trusted_servers`` is the Point and Print Restrictions server list: ``None`` means
    the policy is not configured (any server), otherwise only the servers named (the elevation
    prompt a user would see for another server is refused, as an unattended client must).
    A connection that needs no driver (in-box or cached) is never refused by the policy.
    """

    restrict_to_administrators: bool = True
    trusted_servers: tuple[str, ...] | None = None

    def refuses(self, principal: Principal, server: str) -> str | None:
        """Why ``principal`` may not install a driver from ``server`` (None: it may)."""
        if principal.is_admin:
            return None
        if self.restrict_to_administrators:
            return "RestrictDriverInstallationToAdministrators is 1 and the user is not an admin"
        if self.trusted_servers is not None and server.lower() not in {
            s.lower().lstrip("\\") for s in self.trusted_servers
        }:
            return f"{server} is not on the Point and Print trusted server list"
        return None


# Client OS names -> (major, minor); the environments a client architecture runs.
OS_VERSIONS: dict[str, tuple[int, int]] = {
    "Windows 2000": (5, 0),
    "Windows XP": (5, 1),
    "Windows Vista": (6, 0),
    "Windows 7": (6, 1),
    "Windows 8": (6, 2),
    "Windows 8.1": (6, 3),
    "Windows 10": (10, 0),
    "Windows 11": (10, 0),
}
ARCH_ENVIRONMENTS: dict[str, str] = {
    "x86": "Windows NT x86",
    "x64": "Windows x64",
    "arm64": "Windows ARM64",
}


def os_version(os: str) -> tuple[int, int]:
    try:
        return OS_VERSIONS[os]
    except KeyError:
        raise ValueError(f"unknown client OS {os!r}; known: {', '.join(OS_VERSIONS)}") from None


def environment_of(architecture: str) -> str:
    try:
        return ARCH_ENVIRONMENTS[architecture.lower()]
    except KeyError:
        known = ", ".join(ARCH_ENVIRONMENTS)
        raise ValueError(f"unknown client architecture {architecture!r}; known: {known}") from None


@attrs.frozen
class Connection:
    """A printer connection a user made on a client: what it was made with."""

    printer: str  # \\SERVER\Printer
    server: str
    driver: str
    driver_version: int
    driver_date: int
    keys: tuple[tuple[str, tuple[tuple[str, int, bytes], ...]], ...]  # cached registry keys
    made: float


@attrs.frozen
class MachineConnection:
    """A per-machine connection (RpcAsyncAddPerMachineConnection): made for every user who logs
    on to the machine that holds it."""

    printer: str  # \\SERVER\Printer
    print_server: str  # \\SERVER
    provider: str  # the print provider DLL, e.g. win32spl.dll


def system_root(os: str) -> str:
    """Where the OS lives: Windows 2000 used ``C:\\WINNT``, later versions ``C:\\Windows``."""
    return "C:\\WINNT" if os == "Windows 2000" else "C:\\Windows"


def drivers_dir(os: str) -> str:
    """The spool drivers directory that a relative TargetDir expands under."""
    return system_root(os) + "\\System32\\spool\\drivers"
