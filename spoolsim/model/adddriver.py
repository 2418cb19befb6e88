"""RpcAsyncAddPrinterDriver (opnum 39): which drivers it refuses, and which files it copies.

RpcAsyncAddPrinterDriver (MS-RPRN 3.1.4.4.8 through MS-PAR 3.1.4.2.2), after access and level
-----------------------------------------------------------------------------------------------
1. the environment (ERROR_INVALID_ENVIRONMENT), the version for it and the name and three files
   (ERROR_INVALID_PARAMETER), as before; more than one of APD_STRICT_UPGRADE, APD_STRICT_DOWNGRADE,
   APD_COPY_ALL_FILES, APD_COPY_NEW_FILES is ERROR_INVALID_PARAMETER ("exactly one MUST be
   specified"; none at all reads as APD_COPY_NEW_FILES, what AddPrinterDriver does);
2. cVersion 4 or more: ERROR_PRINTER_DRIVER_BLOCKED (version-4 drivers come only from packages);
3. "Windows ARM": ERROR_NOT_SUPPORTED;
4. an upgrade over a class driver, or over a newer version-4 driver, or over a version-4 driver
   shared printers use: ERROR_PRINTER_DRIVER_BLOCKED (MS-RPRN 3.1.4.4.1's upgrade checks; the
   shared-printer one mirrors MS-PAR 3.1.4.2.7 and is unverified for MS-RPRN);
5. the server's list of blocked and warned drivers (``PackageStore.blocked`` / ``warned``, as
   printupg.inf is on Windows): a blocked driver fails, a warned one fails unless
   APD_INSTALL_WARNED_DRIVER; with APD_RETURN_BLOCKING_STATUS_CODE the code is
   ERROR_PRINTER_DRIVER_BLOCKED / ERROR_PRINTER_DRIVER_WARNED, without it
   ERROR_UNKNOWN_PRINTER_DRIVER (what Windows 2000 returned and still returns to callers that do not
   ask for the blocking code);
6. APD_STRICT_UPGRADE / APD_STRICT_DOWNGRADE against the installed driver's date and version:
   ERROR_PRINTER_DRIVER_ALREADY_INSTALLED;
7. the files. With APD_COPY_FROM_DIRECTORY every file must be given fully qualified and exist
   there (the Win32 page: the call fails otherwise): ERROR_FILE_NOT_FOUND. Otherwise a file is taken
   from the path given when that exists, else from the staging directory ``DRIVERS\\<dir>``; a file
   found nowhere is accepted as already present (the model does not hold every in-box file;
   :func:`~spoolsim.model.driverfiles.driver_files` reports it with size 0). APD_COPY_ALL_FILES
   copies every source file, APD_COPY_NEW_FILES (and no flag) only those newer than the installed
   copy, the strict flags every file once their check has passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from spoolsim.model.constants import APD, Win32
from spoolsim.model.constants import PrinterDriverAttributes as PDA
from spoolsim.model.driverfiles import copy_file, driver_directory, staging_directory
from spoolsim.model.drivers import Driver
from spoolsim.model.driverupgrade import installed_drivers, is_newer, shared_printers
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import basename, is_absolute, join

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer

_COPY_MODES = APD.STRICT_UPGRADE | APD.STRICT_DOWNGRADE | APD.COPY_ALL_FILES | APD.COPY_NEW_FILES


def _blocking(server: PrintServer, driver: Driver, flags: int) -> None:
    """Checks 2-5 of RpcAsyncAddPrinterDriver (see the module docstring)."""
    if driver.version >= 4:
        raise SpoolerError(
            Win32.ERROR_PRINTER_DRIVER_BLOCKED, "version-4 drivers install only from packages"
        )
    if driver.environment == "Windows ARM":
        raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, "version-3 drivers are not for Windows ARM")
    shared = shared_printers(server, driver.name, driver.environment)
    for old in installed_drivers(server, driver.name, driver.environment):
        if old.attributes & PDA.CLASS:
            raise SpoolerError(Win32.ERROR_PRINTER_DRIVER_BLOCKED, f"{old.name} is a class driver")
        if old.version == 4 and (
            is_newer(old, driver.driver_date, driver.driver_version) or shared
        ):
            raise SpoolerError(
                Win32.ERROR_PRINTER_DRIVER_BLOCKED, f"{old.name} has a newer or shared v4 driver"
            )
    name = driver.name.lower()
    tell = bool(flags & APD.RETURN_BLOCKING_STATUS_CODE)
    if name in server.packages.blocked:
        code = Win32.ERROR_PRINTER_DRIVER_BLOCKED if tell else Win32.ERROR_UNKNOWN_PRINTER_DRIVER
        raise SpoolerError(code, f"{driver.name} is blocked on this server")
    if name in server.packages.warned and not flags & APD.INSTALL_WARNED_DRIVER:
        code = Win32.ERROR_PRINTER_DRIVER_WARNED if tell else Win32.ERROR_UNKNOWN_PRINTER_DRIVER
        raise SpoolerError(code, f"{driver.name} is on the warned list")


def _source(server: PrintServer, name: str, env: str, from_directory: bool) -> str | None:
    """Where RpcAsyncAddPrinterDriver takes file ``name`` from (None: not on the server)."""
    if from_directory:
        if not is_absolute(name) or not server.files.is_file(name):
            raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"{name} (APD_COPY_FROM_DIRECTORY)")
        return name
    if is_absolute(name) and server.files.is_file(name):
        return name
    staged = join(staging_directory(env), basename(name))
    return staged if server.files.is_file(staged) else None


def add_printer_driver(server: PrintServer, now: float, driver: Driver, flags: int = 0) -> Driver:
    """RpcAsyncAddPrinterDriver's rules and file copying (module docstring); returns the driver as
    installed, its files named as they are in its driver directory.

    Raises:
        SpoolerError: with the Win32 code of the first rule broken; nothing changes then.
    """
    server.drivers.check(driver)  # version for the environment, name and files
    modes = flags & _COPY_MODES
    if modes & (modes - 1):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"dwFileCopyFlags 0x{flags:x}")
    _blocking(server, driver, flags)
    server.drivers.check(driver, flags)  # APD_STRICT_UPGRADE / APD_STRICT_DOWNGRADE
    from_dir = bool(flags & APD.COPY_FROM_DIRECTORY)
    sources = {name: _source(server, name, driver.environment, from_dir) for name in driver.files}
    copy_all = not modes & APD.COPY_NEW_FILES and bool(modes)
    home = driver_directory(driver.environment, driver.version)
    copied = 0
    for name, src in sources.items():
        if src is not None:
            copied += copy_file(server.files, src, join(home, basename(name)), copy_all)
    installed = attrs.evolve(
        driver,
        driver_path=basename(driver.driver_path),
        data_file=basename(driver.data_file),
        config_file=basename(driver.config_file),
        help_file=basename(driver.help_file) if driver.help_file else "",
        dependent_files=tuple(dict.fromkeys(basename(f) for f in driver.dependent_files if f)),
    )
    server.drivers.add(installed)
    server.log.add(
        now,
        "driver.added",
        installed.name,
        environment=installed.environment,
        version=installed.version,
        flags=int(flags),
        copied=copied,
    )
    return installed
