"""Opnums 62-67 (driver packages) and opnum 39's APD flags through the method surface."""

from __future__ import annotations

import uuid

import pytest

from spoolsim.model.constants import (
    APD,
    DPD,
    E_ACCESSDENIED,
    IPDFP,
    S_FALSE,
    S_OK,
    UPDP,
    Win32,
    hresult_from_win32,
)
from spoolsim.model.driverfiles import cab_path, driver_directory, staging_directory
from spoolsim.model.files import FileRecord
from spoolsim.model.packages import filetime
from spoolsim.model.packageupload import stage_package
from spoolsim.rpc import Container
from tests.model.test_packages import CORE_GUID, UNIDRV_FILES, dll, make_inf, manifest
from tests.rpc.estate import Estate

X64 = "Windows x64"
LASER = ("fablaser.dll", "fablaser.gpd", "fabui.dll")


def hr(code: int) -> int:
    return hresult_from_win32(code)


def stage(estate: Estate, inf: str, payload: dict[str, FileRecord], where: str = "up1") -> str:
    return stage_package(
        estate.server.files, f"\\\\SPOOLSIM\\print$\\{where}", "fab.inf", inf, payload
    )


def upload(estate: Estate, src: str, flags: int = 0, cch: int = 260):
    return estate.admin.RpcAsyncUploadPrinterDriverPackage(None, src, X64, flags, None, cch)


def laser_package(
    estate: Estate, date: str = "03/01/2024", version: int = 1, where: str = "up1"
) -> str:
    inf = make_inf({"Fabrikam Laser": LASER}, date=date)
    r = upload(estate, stage(estate, inf, {f: dll(version) for f in LASER}, where))
    assert r.status == S_OK, r
    return r.pszDestInfPath


def test_upload_returns_the_store_path_and_its_size(estate: Estate) -> None:
    src = stage(estate, make_inf({"Fabrikam Laser": LASER}), {f: dll() for f in LASER})
    r = upload(estate, src)
    assert r.status == S_OK
    assert r.pszDestInfPath.startswith(
        "C:\\Windows\\System32\\DriverStore\\FileRepository\\fab.inf_amd64_"
    )
    assert r.pcchDestInfPath == len(r.pszDestInfPath) + 1
    assert upload(estate, src, UPDP.CHECK_DRIVERSTORE).pszDestInfPath == r.pszDestInfPath
    assert upload(estate, src, UPDP.UPLOAD_ALWAYS | UPDP.SILENT_UPLOAD).status == S_OK


def test_upload_validation_in_the_spec_order(estate: Estate) -> None:
    src = stage(estate, make_inf({"D": ("a", "b", "c")}), {})
    a = estate.admin
    assert a.RpcAsyncUploadPrinterDriverPackage(None, "x.inf", "Bogus", 0, None, 10).status == hr(
        87
    )
    assert a.RpcAsyncUploadPrinterDriverPackage(None, src, "Bogus", 0, None, 10).status == hr(1805)
    assert upload(estate, src, cch=259).status == 0x80070057  # E_INVALIDARG: under MAX_PATH
    assert upload(estate, "C:\\missing\\fab.inf").status == 0x80070002
    assert upload(estate, src, UPDP.CHECK_DRIVERSTORE).status == 0x80070002
    assert a.RpcAsyncUploadPrinterDriverPackage("\\\\OTHER", src, X64, 0, None, 260).status == hr(
        Win32.ERROR_INVALID_NAME
    )


def test_install_and_the_hresults_of_its_rules(estate: Estate) -> None:
    a = estate.admin
    dest = laser_package(estate)
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, "x.inf", "Fabrikam Laser", X64, 0).status
        == 0x80070057
    )
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "Fabrikam Laser", "Bogus", 0).status
        == 0x8007070D
    )
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "Nobody", X64, 0).status == 0x80070705
    )
    r = a.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "Fabrikam Laser", X64, 0)
    assert r.status == S_OK
    assert estate.server.drivers.find("Fabrikam Laser", X64).package_inf == dest
    # A missing file.
    inf = make_inf({"Half": ("h.dll", "h.gpd", "hui.dll")})
    half = upload(estate, stage(estate, inf, {"h.dll": dll()}, "up2")).pszDestInfPath
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, half, "Half", X64, 0).status == 0x80070002
    )
    # A source line missing for the architecture: SetupAPI's code passes through unchanged.
    x86_only = make_inf({"X86 Only": ("x.dll", "x.gpd", "xui.dll")}).replace(
        "[SourceDisksNames]", "[SourceDisksNames.x86]"
    )
    dest = upload(estate, stage(estate, x86_only, {}, "up3")).pszDestInfPath
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "X86 Only", X64, 0).status
        == 0xE0000102
    )
    # A v4 package without a manifest, and one with a bad manifest.
    inf = make_inf({"V4": ("v.gpd",)}, v4=True)
    dest = upload(estate, stage(estate, inf, {"v.gpd": dll()}, "up4")).pszDestInfPath
    assert a.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "V4", X64, 0).status == 0x80070BCD


def test_v4_downgrade_answers_s_false(estate: Estate) -> None:
    a = estate.admin

    def v4(date: str, where: str) -> str:
        files = ("m.gpd", "m-manifest.ini")
        inf = make_inf({"Fabrikam V4": files}, date=date, v4=True)
        payload = {files[0]: dll(), files[1]: manifest(files[0])}
        return upload(estate, stage(estate, inf, payload, where)).pszDestInfPath

    new, old = v4("06/01/2024", "n"), v4("01/01/2024", "o")
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, new, "Fabrikam V4", X64, 0).status == S_OK
    )
    r = a.RpcAsyncInstallPrinterDriverFromPackage(
        None, old, "Fabrikam V4", X64, IPDFP.COPY_ALL_FILES
    )
    assert r.status == S_FALSE == 1 and not r.ok
    assert estate.server.drivers.find("Fabrikam V4", X64).package_inf == new


def test_delete_in_use_and_after(estate: Estate) -> None:
    a = estate.admin
    dest = laser_package(estate)
    assert (
        a.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "Fabrikam Laser", X64, 0).status == 0
    )
    assert a.RpcAsyncDeletePrinterDriverPackage(None, dest, X64).status == 0x80070BC7
    assert a.RpcAsyncDeletePrinterDriverPackage(None, "C:\\no\\such.inf", X64).status == 0x80070057
    assert a.RpcAsyncDeletePrinterDriverPackage(None, dest, "Bogus").status == 0x8007070D
    flags = DPD.DELETE_UNUSED_FILES
    assert a.RpcAsyncDeletePrinterDriverEx(None, X64, "Fabrikam Laser", flags, 0).status == 0
    assert not estate.server.files.exists(driver_directory(X64, 3) + "\\fablaser.dll")
    assert a.RpcAsyncDeletePrinterDriverPackage(None, dest, X64).status == S_OK
    assert len(estate.server.packages) == 0


def test_non_admins_are_refused_and_may_read(estate: Estate) -> None:
    dest = laser_package(estate)
    alice, op = estate.alice, estate.op
    src = estate.server.packages.lookup(dest).source_inf
    for who in (alice, op):
        assert (
            who.RpcAsyncUploadPrinterDriverPackage(None, src, X64, 0, None, 260).status
            == E_ACCESSDENIED
        )
        r = who.RpcAsyncInstallPrinterDriverFromPackage(None, dest, "Fabrikam Laser", X64, 0)
        assert r.status == E_ACCESSDENIED == 0x80070005
        assert who.RpcAsyncDeletePrinterDriverPackage(None, dest, X64).status == E_ACCESSDENIED
        package_id = estate.server.packages.lookup(dest).package_id
        assert who.RpcAsyncGetPrinterDriverPackagePath(None, X64, None, package_id, "", 260).ok
    assert estate.server.drivers.find("Fabrikam Laser", X64) is None
    calls = [e for e in estate.server.log.of_kind("rpc.call") if e.get("user") == "alice"]
    assert {e.get("status") for e in calls[:3]} == {E_ACCESSDENIED}


def test_core_drivers_and_the_package_cab_buffer_contract(estate: Estate) -> None:
    a = estate.admin
    core_inf = make_inf(
        {}, core_models={CORE_GUID: UNIDRV_FILES}, date="06/21/2006", version="10.0.1.0"
    )
    core = upload(estate, stage(estate, core_inf, {f: dll(7) for f in UNIDRV_FILES}, "core"))
    package_id = estate.server.packages.lookup(core.pszDestInfPath).package_id
    ids = (CORE_GUID,)
    size = len(CORE_GUID) + 2
    r = estate.alice.RpcAsyncGetCorePrinterDrivers(None, X64, size, ids, 1)
    assert r.status == S_OK
    assert r.pCorePrinterDrivers == (
        {
            "CoreDriverGUID": CORE_GUID,
            "ftDriverDate": filetime((2006, 6, 21)),
            "dwlDriverVersion": (10 << 48) | (1 << 16),
            "szPackageID": package_id,
        },
    )
    assert estate.alice.RpcAsyncGetCorePrinterDrivers(None, X64, size, CORE_GUID + "\0\0", 1).ok
    assert a.RpcAsyncGetCorePrinterDrivers(None, X64, size, ids, 2).status == 0x80070057
    assert a.RpcAsyncGetCorePrinterDrivers(None, X64, size - 1, ids, 1).status == 0x80070057
    assert a.RpcAsyncGetCorePrinterDrivers(None, "Bogus", size, ids, 1).status == 0x8007070D
    missing = ("{00000000-0000-0000-0000-000000000001}",)
    assert a.RpcAsyncGetCorePrinterDrivers(None, X64, size, missing, 1).status == 0x80070490
    # Installed only once a driver that needs it is installed.
    date, version = filetime((2006, 6, 21)), (10 << 48) | (1 << 16)
    check = estate.alice.RpcAsyncCorePrinterDriverInstalled
    assert check(None, X64, uuid.UUID(CORE_GUID), date, version).pbDriverInstalled == 0
    inf = make_inf({"Uni Model": ("m.gpd", "m.dll", "m.ini")}, core_deps=(CORE_GUID,))
    dest = upload(estate, stage(estate, inf, {f: dll() for f in ("m.gpd", "m.dll", "m.ini")}, "m"))
    assert a.RpcAsyncInstallPrinterDriverFromPackage(
        None, dest.pszDestInfPath, "Uni Model", X64, 0
    ).ok
    assert check(None, X64, uuid.UUID(CORE_GUID), date, version).pbDriverInstalled == 1
    assert check(None, X64, CORE_GUID.strip("{}").lower(), date, version + 1).pbDriverInstalled == 0
    assert check(None, X64, "junk", date, version).status == 0x80070057
    assert check(None, "Bogus", CORE_GUID, date, version).status == 0x8007070D
    # The package cabinet: ERROR_INSUFFICIENT_BUFFER with the size, then the path.
    path = cab_path(X64, package_id)
    get = estate.alice.RpcAsyncGetPrinterDriverPackagePath
    r = get(None, X64, None, package_id, None, 0)
    assert r.status == 0x8007007A and r.pcchRequiredSize == len(path) + 1
    assert r.pszDriverPackageCab is None
    r = get(None, X64, "en-US", package_id, "", r.pcchRequiredSize)
    assert (r.status, r.pszDriverPackageCab, r.pcchRequiredSize) == (S_OK, path, len(path) + 1)
    assert estate.server.files.is_file(r.pszDriverPackageCab)
    assert get(None, X64, None, package_id, "", len(path)).status == 0x8007007A
    assert get(None, X64, None, package_id, None, 10).status == 0x80070057  # NULL buffer, cch > 0
    assert get(None, X64, None, None, "", 300).status == 0x80070057
    assert get(None, X64, None, "nope", "", 300).status == 0x80070002
    assert get(None, "Bogus", None, package_id, "", 300).status == 0x8007070D


# -- opnum 39 with the APD flags -------------------------------------------------------------------


def info(name: str = "HP Color", version: int = 3, **kw) -> Container:
    fields = {
        "cVersion": version,
        "pName": name,
        "pEnvironment": X64,
        "pDriverPath": "hp.dll",
        "pDataFile": "hp.gpd",
        "pConfigFile": "hpui.dll",
        "pDependentFiles": ("hp.ini",),
    }
    fields.update(kw)
    return Container(3, fields)


@pytest.fixture
def staged(estate: Estate) -> str:
    where = staging_directory(X64)
    for name in ("hp.dll", "hp.gpd", "hpui.dll", "hp.ini"):
        estate.server.files.put(f"{where}\\{name}", dll(4))
    return where


def test_add_printer_driver_copy_flags(estate: Estate, staged: str) -> None:
    a, home = estate.admin, driver_directory(X64, 3)
    assert a.RpcAsyncAddPrinterDriver(None, info(), APD.COPY_NEW_FILES).status == 0
    assert estate.server.files.get(f"{home}\\hp.ini").version == 4
    estate.server.files.put(f"{staged}\\hp.ini", dll(2))
    assert a.RpcAsyncAddPrinterDriver(None, info(), APD.COPY_NEW_FILES).status == 0
    assert estate.server.files.get(f"{home}\\hp.ini").version == 4
    assert a.RpcAsyncAddPrinterDriver(None, info(), APD.COPY_ALL_FILES).status == 0
    assert estate.server.files.get(f"{home}\\hp.ini").version == 2
    both = APD.COPY_ALL_FILES | APD.STRICT_UPGRADE
    assert a.RpcAsyncAddPrinterDriver(None, info(), both).status == Win32.ERROR_INVALID_PARAMETER
    got = estate.server.drivers.find("HP Color", X64)
    assert got.dependent_files == ("hp.ini",) and got.driver_path == "hp.dll"


def test_add_printer_driver_from_directory_and_blocking_codes(estate: Estate) -> None:
    a = estate.admin
    src = "C:\\Drivers\\HP"
    full = info(
        pDriverPath=f"{src}\\hp.dll",
        pDataFile=f"{src}\\hp.gpd",
        pConfigFile=f"{src}\\hpui.dll",
        pDependentFiles=(),
    )
    flags = APD.COPY_NEW_FILES | APD.COPY_FROM_DIRECTORY
    assert a.RpcAsyncAddPrinterDriver(None, full, flags).status == Win32.ERROR_FILE_NOT_FOUND
    for name in ("hp.dll", "hp.gpd", "hpui.dll"):
        estate.server.files.put(f"{src}\\{name}", dll(9))
    assert a.RpcAsyncAddPrinterDriver(None, full, flags).status == 0
    assert estate.server.files.get(driver_directory(X64, 3) + "\\hp.dll").version == 9
    assert (
        a.RpcAsyncAddPrinterDriver(None, info(version=4), 0).status
        == Win32.ERROR_PRINTER_DRIVER_BLOCKED
    )
    assert a.RpcAsyncAddPrinterDriver(None, info(pEnvironment="Windows ARM"), 0).status == 50
    estate.server.packages.warned.add("hp warned")
    warned = info("HP Warned")
    assert a.RpcAsyncAddPrinterDriver(None, warned, 0).status == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    blocking = APD.RETURN_BLOCKING_STATUS_CODE
    assert (
        a.RpcAsyncAddPrinterDriver(None, warned, blocking).status
        == Win32.ERROR_PRINTER_DRIVER_WARNED
    )
    ok = blocking | APD.INSTALL_WARNED_DRIVER
    assert a.RpcAsyncAddPrinterDriver(None, warned, ok).status == 0
    assert (
        estate.alice.RpcAsyncAddPrinterDriver(None, info(), 0).status == Win32.ERROR_ACCESS_DENIED
    )
