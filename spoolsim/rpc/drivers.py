"""Printer drivers (MS-PAR 3.1.4.6): add, enumerate, get, directory, delete.

Packages are in ``spoolsim.rpc.packages``; the rules for adding a driver and copying its files
(the APD_* flags) are in ``spoolsim.model.packages``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spoolsim.model import security
from spoolsim.model.adddriver import add_printer_driver
from spoolsim.model.constants import DPD, ENVIRONMENT_DIRS, Access, Win32
from spoolsim.model.driverfiles import remove_driver_files, shared_driver_files
from spoolsim.model.drivers import Driver, canonical_environment
from spoolsim.model.errors import SpoolerError
from spoolsim.rpc.core import (
    Call,
    Container,
    HandleKind,
    Reply,
    buffered,
    check_level,
    check_server_access,
    method,
    sized,
)
from spoolsim.rpc.records import driver_info
from spoolsim.wire.marshal import pack_string

GET_LEVELS = (1, 2, 3, 4, 5, 6, 8, 101)
ENUM_LEVELS = (1, 2, 3, 4, 5, 6, 8)
ADD_LEVELS = (2, 3, 4, 6, 8)
ALL_ENVIRONMENTS = "All"


def _env(call: Call, environment: str | None) -> str:
    return canonical_environment(environment) if environment else call.server.environment


def _driver_from_info(level: int, info: Mapping[str, Any], env: str) -> Driver:
    def get(key: str, default: Any = "") -> Any:
        value = info.get(key)
        return default if value is None else value

    return Driver(
        name=get("pName"),
        environment=env,
        version=get("cVersion", 3),
        driver_path=get("pDriverPath"),
        data_file=get("pDataFile"),
        config_file=get("pConfigFile"),
        help_file=get("pHelpFile") if level >= 3 else "",
        dependent_files=tuple(get("pDependentFiles", ())) if level >= 3 else (),
        monitor_name=get("pMonitorName") if level >= 3 else "",
        default_datatype=get("pDefaultDataType") if level >= 3 else "",
        previous_names=tuple(get("pszzPreviousNames", ())) if level >= 4 else (),
        driver_date=get("ftDriverDate", 0) if level >= 6 else 0,
        driver_version=get("dwlDriverVersion", 0) if level >= 6 else 0,
        manufacturer=get("pMfgName") if level >= 6 else "",
        oem_url=get("pOEMUrl") if level >= 6 else "",
        hardware_id=get("pHardwareID") if level >= 6 else "",
        provider=get("pProvider") if level >= 6 else "",
        print_processor=get("pPrintProcessor") if level >= 8 else "",
        vendor_setup=get("pVendorSetup") if level >= 8 else "",
        color_profiles=tuple(get("pszzColorProfiles", ())) if level >= 8 else (),
        inf_path=get("pInfPath") if level >= 8 else "",
        attributes=get("dwPrinterDriverAttributes", 0) if level >= 8 else 0,
        core_dependencies=tuple(get("pszzCoreDriverDependencies", ())) if level >= 8 else (),
        min_inbox_date=get("ftMinInboxDriverVerDate", 0) if level >= 8 else 0,
        min_inbox_version=get("dwlMinInboxDriverVerVersion", 0) if level >= 8 else 0,
    )


def check_driver_install(call: Call, pName: str | None) -> None:
    """Who may install a driver: SERVER_ACCESS_ADMINISTER on the server (MS-RPRN 3.1.4.4.8),
    and, as RestrictDriverInstallationToAdministrators (KB5005652) has required by default since
    2021, an administrator: ERROR_ACCESS_DENIED otherwise (HRESULT E_ACCESSDENIED for opnums 62
    and 63)."""
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER, pName)
    refusal = security.driver_install_refusal(call.principal)
    if refusal:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, refusal)


@method(26)
def RpcAsyncGetPrinterDriver(
    call: Call,
    hPrinter: bytes,
    pEnvironment: str | None,
    Level: int,
    cbBuf: int,
    dwClientMajorVersion: int = 3,
    dwClientMinorVersion: int = 0,
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    check_level(Level, GET_LEVELS)
    env = _env(call, pEnvironment)
    driver = call.server.drivers.find(state.printer.driver_name, env)
    if driver is None:
        raise SpoolerError(
            Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"{state.printer.driver_name} for {env}"
        )
    reply = buffered(
        "DRIVER_INFO", Level, [driver_info(driver, Level)], cbBuf, out="pDriver", count=None
    )
    versions = [d.version for d in call.server.drivers.named(driver.name) if d.environment == env]
    return Reply(
        reply.status,
        {**reply.out, "pdwServerMaxVersion": max(versions), "pdwServerMinVersion": min(versions)},
    )


@method(39)
def RpcAsyncAddPrinterDriver(
    call: Call, pName: str | None, pDriverContainer: Container, dwFileCopyFlags: int
) -> Reply:
    check_driver_install(call, pName)
    check_level(pDriverContainer.Level, ADD_LEVELS)
    info = pDriverContainer.info or {}
    env = canonical_environment(info.get("pEnvironment"))
    driver = _driver_from_info(pDriverContainer.Level, info, env)
    add_printer_driver(call.server, call.now, driver, dwFileCopyFlags or 0)
    return Reply(0)


@method(40)
def RpcAsyncEnumPrinterDrivers(
    call: Call, pName: str | None, pEnvironment: str | None, Level: int, cbBuf: int
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ENUMERATE, pName)
    check_level(Level, ENUM_LEVELS)
    if pEnvironment and pEnvironment.lower() == ALL_ENVIRONMENTS.lower():
        drivers = call.server.drivers.all()
    else:
        drivers = call.server.drivers.all(_env(call, pEnvironment))
    records = [driver_info(d, Level) for d in drivers]
    return buffered("DRIVER_INFO", Level, records, cbBuf, out="pDrivers")


def directory(call: Call, pName: str | None, env: str, local_root: str, share: str) -> str:
    """A driver or print-processor directory. A caller that names the server is remote and gets
    the UNC path through the server's share (``print$``, ``prnproc$``)."""
    subdir = ENVIRONMENT_DIRS[env]
    if pName:
        return f"\\\\{call.server.name}\\{share}\\{subdir}"
    return f"{local_root}\\{subdir}"


SPOOL_ROOT = "C:\\Windows\\system32\\spool"


@method(41)
def RpcAsyncGetPrinterDriverDirectory(
    call: Call, pName: str | None, pEnvironment: str | None, Level: int, cbBuf: int
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ENUMERATE, pName)
    check_level(Level, (1,))
    path = directory(call, pName, _env(call, pEnvironment), SPOOL_ROOT + "\\DRIVERS", "print$")
    return sized(pack_string(path), 1, cbBuf, out="pDriverDirectory", count=None)


def _delete(call: Call, env: str, name: str, version: int | None, flags: int = 0) -> None:
    server = call.server
    doomed = [
        d
        for d in server.drivers.named(name)
        if d.environment == env and (version is None or d.version == version)
    ]
    if not doomed:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"{name} for {env}")
    if env == server.environment:
        users = [p.name for p in server.printers.values() if p.driver_name.lower() == name.lower()]
        if users:
            raise SpoolerError(Win32.ERROR_PRINTER_DRIVER_IN_USE, f"{name} is used by {users[0]}")
    if flags & DPD.DELETE_ALL_FILES:  # only when every file can go (MS-RPRN 3.1.4.4.7)
        for d in doomed:
            shared = shared_driver_files(server, d)
            if shared:
                raise SpoolerError(
                    Win32.ERROR_PRINTER_DRIVER_IN_USE, f"{shared[0]} is used by another driver"
                )
    for d in doomed:
        server.drivers.remove(d)
        removed = 0
        if flags & (DPD.DELETE_UNUSED_FILES | DPD.DELETE_ALL_FILES):
            removed = remove_driver_files(server, d)
        server.log.add(
            call.now, "driver.deleted", d.name, environment=env, version=d.version, files=removed
        )


@method(42)
def RpcAsyncDeletePrinterDriver(
    call: Call, pName: str | None, pEnvironment: str, pDriverName: str
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER, pName)
    _delete(call, canonical_environment(pEnvironment), pDriverName or "", None)
    return Reply(0)


@method(43)
def RpcAsyncDeletePrinterDriverEx(
    call: Call,
    pName: str | None,
    pEnvironment: str,
    pDriverName: str,
    dwDeleteFlag: int,
    dwVersionNum: int,
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER, pName)
    known = int(DPD.DELETE_UNUSED_FILES | DPD.DELETE_SPECIFIC_VERSION | DPD.DELETE_ALL_FILES)
    if dwDeleteFlag & ~known:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"dwDeleteFlag 0x{dwDeleteFlag:x}")
    version = dwVersionNum if dwDeleteFlag & DPD.DELETE_SPECIFIC_VERSION else None
    _delete(call, canonical_environment(pEnvironment), pDriverName or "", version, dwDeleteFlag)
    return Reply(0)
