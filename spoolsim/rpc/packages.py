"""Driver packages (MS-PAR 3.1.4.2.7-3.1.4.2.12): opnums 62-67, all returning HRESULTs.

The rules live in :mod:`spoolsim.model.packages`; here are the parameters by their spec names, the
access checks and the buffer contracts. There is no handle and no level, so the order is: the
server name (ERROR_INVALID_NAME) and access (E_ACCESSDENIED; SERVER_ACCESS_ADMINISTER to upload,
install and delete, and for uploading and installing an administrator too, as
RestrictDriverInstallationToAdministrators requires by default (KB5005652); SERVER_ACCESS_ENUMERATE
to read), then the parameters in the spec's order, then the buffer size. A SpoolerError's Win32
code reaches the caller as HRESULT_FROM_WIN32 (0x8007xxxx); S_FALSE (1), the one success value
besides S_OK, is returned as is.

Buffers are counted in characters, terminating NULs included: ``pcchDestInfPath`` (in: the
buffer's size, at least MAX_PATH = 260, MS-PAR 3.1.4.2.8; out: the path's size) and
``cchDriverPackageCab`` / ``pcchRequiredSize`` (a short buffer gets ERROR_INSUFFICIENT_BUFFER with
the size needed, and no path). ``pszzCoreDriverDependencies`` is a multisz, given as a sequence of
strings or as one string with NUL separators; ``cchCoreDrivers`` is its size in characters with
every NUL (the IDL's ``size_is`` on a wchar_t array; the spec's prose says bytes).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from spoolsim.model.constants import MAX_PATH, S_OK, Access, Win32, hresult_from_win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.packageinstall import install_from_package
from spoolsim.model.packages import (
    check_inf_path,
    core_driver_installed,
    core_printer_drivers,
    is_guid,
    package_cab,
    package_environment,
)
from spoolsim.model.packageupload import delete_package, upload_package
from spoolsim.rpc.core import Call, Reply, check_server_access, method
from spoolsim.rpc.drivers import check_driver_install


def _multisz(value: str | Sequence[str] | None) -> tuple[list[str], int]:
    """The strings of a multisz and its size in characters (every NUL counted)."""
    if value is None:
        return [], 0
    if isinstance(value, str):
        items = value.split("\0")
        while items and items[-1] == "":
            items.pop()
    else:
        items = list(value)
    if any(not item for item in items):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "empty string inside a multisz")
    return items, sum(len(i) + 1 for i in items) + 1


def _guid(value: object) -> str:
    if isinstance(value, uuid.UUID):
        return "{" + str(value).upper() + "}"
    text = str(value or "").strip()
    if not text.startswith("{"):
        text = "{" + text + "}"
    if not is_guid(text):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"GUID {value!r}")
    return text.upper()


@method(62, hresult=True)
def RpcAsyncInstallPrinterDriverFromPackage(
    call: Call,
    pszServer: str | None,
    pszInfPath: str | None,
    pszDriverName: str,
    pszEnvironment: str,
    dwFlags: int,
) -> Reply:
    check_driver_install(call, pszServer)
    status = install_from_package(
        call.server, call.now, pszInfPath, pszDriverName, pszEnvironment, dwFlags
    )
    return Reply(status)


@method(63, hresult=True)
def RpcAsyncUploadPrinterDriverPackage(
    call: Call,
    pszServer: str | None,
    pszInfPath: str,
    pszEnvironment: str,
    dwFlags: int,
    pszDestInfPath: Any,
    pcchDestInfPath: int,
) -> Reply:
    check_driver_install(call, pszServer)
    check_inf_path(pszInfPath)
    package_environment(pszEnvironment)
    if pcchDestInfPath is None or pcchDestInfPath < MAX_PATH:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"pcchDestInfPath {pcchDestInfPath}")
    dest = upload_package(call.server, call.now, pszInfPath, pszEnvironment, dwFlags)
    needed = len(dest) + 1
    if needed > pcchDestInfPath:
        return Reply(
            hresult_from_win32(Win32.ERROR_INSUFFICIENT_BUFFER),
            {"pszDestInfPath": None, "pcchDestInfPath": needed},
        )
    return Reply(S_OK, {"pszDestInfPath": dest, "pcchDestInfPath": needed})


@method(64, hresult=True)
def RpcAsyncGetCorePrinterDrivers(
    call: Call,
    pszServer: str | None,
    pszEnvironment: str,
    cchCoreDrivers: int,
    pszzCoreDriverDependencies: str | Sequence[str] | None,
    cCorePrinterDrivers: int,
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ENUMERATE, pszServer)
    env = package_environment(pszEnvironment)
    ids, size = _multisz(pszzCoreDriverDependencies)
    if not ids or cchCoreDrivers is None or cchCoreDrivers < size:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"cchCoreDrivers {cchCoreDrivers}")
    if cCorePrinterDrivers != len(ids):
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER,
            f"cCorePrinterDrivers {cCorePrinterDrivers} != {len(ids)}",
        )
    cores = core_printer_drivers(call.server, env, ids)
    records = tuple(
        {
            "CoreDriverGUID": c.guid,
            "ftDriverDate": c.driver_date,
            "dwlDriverVersion": c.driver_version,
            "szPackageID": c.package_id,
        }
        for c in cores
    )
    return Reply(S_OK, {"pCorePrinterDrivers": records})


@method(65, hresult=True)
def RpcAsyncCorePrinterDriverInstalled(
    call: Call,
    pszServer: str | None,
    pszEnvironment: str,
    CoreDriverGUID: str | uuid.UUID,
    ftDriverDate: int,
    dwlDriverVersion: int,
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ENUMERATE, pszServer)
    env = package_environment(pszEnvironment)
    guid = _guid(CoreDriverGUID)
    found = core_driver_installed(call.server, env, guid, ftDriverDate, dwlDriverVersion)
    return Reply(S_OK, {"pbDriverInstalled": int(found)})


@method(66, hresult=True)
def RpcAsyncGetPrinterDriverPackagePath(
    call: Call,
    pszServer: str | None,
    pszEnvironment: str,
    pszLanguage: str | None,
    pszPackageID: str,
    pszDriverPackageCab: Any,
    cchDriverPackageCab: int,
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ENUMERATE, pszServer)
    env = package_environment(pszEnvironment)
    if not pszPackageID:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pszPackageID")
    if cchDriverPackageCab is None or cchDriverPackageCab < 0:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "cchDriverPackageCab")
    if pszDriverPackageCab is None and cchDriverPackageCab:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pszDriverPackageCab is NULL")
    path = package_cab(call.server, env, pszPackageID)  # one cabinet per package, any language
    needed = len(path) + 1
    if cchDriverPackageCab < needed:
        return Reply(
            hresult_from_win32(Win32.ERROR_INSUFFICIENT_BUFFER),
            {"pszDriverPackageCab": None, "pcchRequiredSize": needed},
        )
    return Reply(S_OK, {"pszDriverPackageCab": path, "pcchRequiredSize": needed})


@method(67, hresult=True)
def RpcAsyncDeletePrinterDriverPackage(
    call: Call, pszServer: str | None, pszInfPath: str, pszEnvironment: str
) -> Reply:
    check_server_access(call, Access.SERVER_ACCESS_ADMINISTER, pszServer)
    delete_package(call.server, call.now, pszInfPath, pszEnvironment)
    return Reply(S_OK)
