"""The server's side of web printer connections: URLs, package kinds, builds, the build cache."""

from __future__ import annotations

import pytest

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import ERROR_LINE_NOT_FOUND, PrinterAttributes, Win32
from spoolsim.model.driverfiles import driver_directory, driver_files
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import FileRecord, basename
from spoolsim.model.packageinstall import install_from_package
from spoolsim.model.packageupload import stage_package, upload_package
from spoolsim.model.printers import Printer
from spoolsim.model.webpackages import (
    ERROR_NO_INF,
    PACKAGE_CAB,
    PACKAGE_INF,
    build_package,
    cached_package,
    package_kind,
    package_url,
    page_url,
    port_url,
)
from tests.model.test_packages import code, make_inf

X64, X86, ARM64 = "Windows x64", "Windows NT x86", "Windows ARM64"
DRIVER = "Fabrikam Laser"
FILES = ("fablaser.dll", "fablaser.gpd", "fabui.dll")
SIZES = {
    X64: {"fablaser.dll": 600_000, "fablaser.gpd": 90_000, "fabui.dll": 400_000},
    X86: {"fablaser.dll": 500_000, "fablaser.gpd": 90_000, "fabui.dll": 300_000},
}
BROKEN_MEDIA = "[SourceDisksNames.x86]"  # the documented x86-only media section
FIXED_MEDIA = "[SourceDisksNames]"


def fab_inf(media: str = FIXED_MEDIA, version: str = "3.0.0.1") -> str:
    """A Fabrikam INF offering DRIVER on every architecture, its media section named ``media``."""
    return make_inf({DRIVER: FILES}, version=version).replace("[SourceDisksNames]", media)


def inf_size(text: str) -> int:
    return len(text.encode("utf-16-le"))  # what stage_package records


class Estate:
    """An x64 print server NTPRINT with DRIVER installed from driver packages (one per
    environment in ``envs``, the x86 one's media section named ``x86_media``) and a shared printer
    Laser using it."""

    def __init__(
        self,
        x86_media: str = BROKEN_MEDIA,
        envs: tuple[str, ...] = (X64, X86),
        environment: str = X64,
    ) -> None:
        self.server = PrintServer(name="NTPRINT", environment=environment)
        self.t = 0.0
        self.infs: dict[str, str] = {}
        for env in envs:
            self.install(env, fab_inf(x86_media if env == X86 else FIXED_MEDIA))
        self.server.add_printer(
            Printer(
                "Laser",
                ["LPT1:"],
                DRIVER,
                share_name="Laser",
                attributes=PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
            ),
            0.0,
        )

    def install(self, env: str, inf: str, version: int = 1) -> str:
        """Stage, upload and install DRIVER for ``env`` from a package with ``inf``."""
        self.t += 1
        where = f"C:\\Staging\\{env.split()[-1]}\\{int(self.t)}"
        payload = {f: FileRecord(size, version=version) for f, size in SIZES[env].items()}
        src = stage_package(self.server.files, where, "fab.inf", inf, payload)
        dest = upload_package(self.server, self.t, src, env)
        install_from_package(self.server, self.t, dest, DRIVER, env)
        self.infs[env] = inf
        return dest

    def driver(self, env: str) -> Driver:
        found = self.server.drivers.find(DRIVER, env)
        assert found is not None
        return found


# -- kinds and URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("os_version", "kind"),
    [
        ((5, 0), PACKAGE_INF),  # Windows 2000
        ((5, 1), PACKAGE_INF),  # XP
        ((5, 2), PACKAGE_INF),  # Server 2003
        ((6, 0), PACKAGE_CAB),  # Vista
        ((6, 1), PACKAGE_CAB),
        ((10, 0), PACKAGE_CAB),
        ((10, 0, 22631), PACKAGE_CAB),
    ],
)
def test_vista_and_later_take_the_precompiled_package(os_version, kind) -> None:
    assert package_kind(os_version) == kind


def test_the_urls_the_server_serves() -> None:
    assert page_url("NTPRINT", "Laser") == "http://NTPRINT/printers/Laser/"
    assert port_url("NTPRINT", "Laser") == "http://NTPRINT/printers/Laser/.printer"
    assert port_url("NTPRINT", "HP Color/2") == "http://NTPRINT/printers/HP%20Color%2F2/.printer"
    assert (
        package_url("NTPRINT", "Laser", X86, PACKAGE_INF)
        == "http://NTPRINT/printers/Laser/.package/x86-inf.cab"
    )
    assert (
        package_url("NTPRINT", "Laser", X64, PACKAGE_CAB)
        == "http://NTPRINT/printers/Laser/.package/amd64.cab"
    )
    assert code(package_url, "NTPRINT", "Laser", "Windows 4.0", PACKAGE_CAB) == (
        Win32.ERROR_INVALID_ENVIRONMENT
    )


# -- precompiled packages --------------------------------------------------------------------------


@pytest.mark.parametrize("env", [X86, X64])
def test_a_cab_is_the_installed_driver_for_the_clients_environment(env) -> None:
    estate = Estate()
    package = build_package(estate.server, 5.0, DRIVER, env, PACKAGE_CAB)
    installed = estate.driver(env)
    assert package.driver == installed
    assert package.files == tuple(
        (basename(p), r) for p, r in driver_files(estate.server.files, installed)
    )
    assert dict((n, r.size) for n, r in package.files) == SIZES[env]
    assert package.size == sum(SIZES[env].values())
    assert (package.kind, package.environment, package.inf_path, package.built) == (
        PACKAGE_CAB,
        env,
        "",
        5.0,
    )
    assert package.driver_files == package.files


def test_a_cab_ignores_the_inf_so_the_x86_only_media_section_does_not_matter() -> None:
    estate = Estate(BROKEN_MEDIA)
    assert build_package(estate.server, 1.0, DRIVER, X86, PACKAGE_CAB).size == sum(
        SIZES[X86].values()
    )


def test_no_driver_for_the_environment_is_unknown_printer_driver() -> None:
    estate = Estate()
    with pytest.raises(SpoolerError) as caught:
        build_package(estate.server, 1.0, DRIVER, ARM64, PACKAGE_CAB)
    assert caught.value.code == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    assert "Windows ARM64" in caught.value.detail
    assert len(estate.server.web_packages) == 0


def test_an_unknown_kind_is_invalid_parameter() -> None:
    estate = Estate()
    assert code(build_package, estate.server, 1.0, DRIVER, X64, "zip") == (
        Win32.ERROR_INVALID_PARAMETER
    )


# -- packages built from the INF -------------------------------------------------------------------


def test_an_x64_server_cannot_build_from_an_x86_only_inf() -> None:
    estate = Estate(BROKEN_MEDIA)
    with pytest.raises(SpoolerError) as caught:
        build_package(estate.server, 1.0, DRIVER, X86, PACKAGE_INF)
    assert caught.value.code == ERROR_LINE_NOT_FOUND == 0xE0000102
    assert "[SourceDisksNames.amd64] or [SourceDisksNames]" in caught.value.detail
    assert "(for amd64)" in caught.value.detail  # the server's architecture, not the client's
    # A failure is not kept: the next request tries again.
    assert len(estate.server.web_packages) == 0 and estate.server.web_packages.builds == 0


def test_an_x86_server_builds_the_same_inf() -> None:
    """The fault is the server's architecture: an x86 server reads the same INF for x86."""
    estate = Estate(BROKEN_MEDIA, envs=(X86,), environment=X86)
    package = build_package(estate.server, 1.0, DRIVER, X86, PACKAGE_INF)
    assert package.size == inf_size(estate.infs[X86]) + sum(SIZES[X86].values())


def test_an_inf_package_holds_the_inf_and_the_files_it_copies() -> None:
    estate = Estate(FIXED_MEDIA)
    package = build_package(estate.server, 2.0, DRIVER, X86, PACKAGE_INF)
    installed = estate.driver(X86)
    assert package.inf_path == installed.package_inf
    assert [n for n, _ in package.files] == ["fab.inf", *FILES]
    assert package.files[0][1].size == inf_size(estate.infs[X86])
    home = driver_directory(X86, 3)
    for name, record in package.driver_files:
        assert estate.server.files.get(f"{home}\\{name}") == record
    assert package.size == inf_size(estate.infs[X86]) + sum(SIZES[X86].values())


def test_a_driver_without_an_inf_cannot_be_packed() -> None:
    estate = Estate()
    estate.server.drivers.add(
        Driver("Bare", X86, 3, "unidrv.dll", "bare.gpd", "unidrvui.dll"),
    )
    with pytest.raises(SpoolerError) as caught:
        build_package(estate.server, 1.0, "Bare", X86, PACKAGE_INF)
    assert caught.value.code == ERROR_NO_INF == 0xE000020A
    assert "'Bare' for Windows NT x86 was installed without an INF" in caught.value.detail
    # An INF path naming nothing readable says so.
    estate.server.drivers.add(
        Driver("Bare", X86, 3, "unidrv.dll", "bare.gpd", "unidrvui.dll", inf_path="C:\\x.inf")
    )
    with pytest.raises(SpoolerError) as caught:
        build_package(estate.server, 1.0, "Bare", X86, PACKAGE_INF)
    assert caught.value.code == ERROR_NO_INF and "C:\\x.inf" in caught.value.detail
    # The cab needs no INF.
    assert build_package(estate.server, 1.0, "Bare", X86, PACKAGE_CAB).kind == PACKAGE_CAB


def test_an_inf_file_named_by_the_driver_record_is_parsed() -> None:
    """A driver added with an INF path outside the driver store (no package)."""
    estate = Estate(envs=(X64,))
    path = "C:\\Drivers\\fab\\fab.inf"
    text = fab_inf(FIXED_MEDIA)
    estate.server.files.put(path, FileRecord(inf_size(text), text=text))
    home = driver_directory(X86, 3)
    for name, size in SIZES[X86].items():
        estate.server.files.put(f"{home}\\{name}", FileRecord(size))
    estate.server.drivers.add(Driver(DRIVER, X86, 3, *FILES, inf_path=path))
    package = build_package(estate.server, 1.0, DRIVER, X86, PACKAGE_INF)
    assert package.inf_path == path
    assert package.size == inf_size(text) + sum(SIZES[X86].values())
    # Its syntax errors pass through, with SetupAPI's codes.
    estate.server.files.put(path, FileRecord(10, text="key = value\n"))
    estate.server.web_packages.discard(DRIVER, X86, PACKAGE_INF)
    assert code(build_package, estate.server, 2.0, DRIVER, X86, PACKAGE_INF) == 0xE0000000


def test_a_file_the_server_lacks_is_file_not_found() -> None:
    estate = Estate(FIXED_MEDIA)
    driver = estate.driver(X86)
    estate.server.files.remove(f"{driver_directory(X86, 3)}\\fabui.dll")
    estate.server.files.remove(
        f"{estate.server.packages.lookup(driver.package_inf).directory}\\fabui.dll"
    )
    with pytest.raises(SpoolerError) as caught:
        build_package(estate.server, 1.0, DRIVER, X86, PACKAGE_INF)
    assert caught.value.code == Win32.ERROR_FILE_NOT_FOUND and "fabui.dll" in caught.value.detail


# -- the cache -------------------------------------------------------------------------------------


def test_a_built_package_is_cached_per_driver_environment_and_kind() -> None:
    estate = Estate(FIXED_MEDIA)
    cache = estate.server.web_packages
    assert cached_package(estate.server, DRIVER, X86, PACKAGE_INF) is None
    built = build_package(estate.server, 1.0, DRIVER, X86, PACKAGE_INF)
    assert cached_package(estate.server, DRIVER.upper(), X86, PACKAGE_INF) is built
    assert cached_package(estate.server, DRIVER, X86, PACKAGE_CAB) is None
    assert cached_package(estate.server, DRIVER, X64, PACKAGE_INF) is None
    cab = build_package(estate.server, 2.0, DRIVER, X86, PACKAGE_CAB)
    assert list(cache) == [cab, built] and len(cache) == cache.builds == 2


def test_a_driver_update_makes_the_cached_package_stale() -> None:
    estate = Estate(FIXED_MEDIA)
    old = build_package(estate.server, 1.0, DRIVER, X64, PACKAGE_CAB)
    estate.install(X64, fab_inf(FIXED_MEDIA, version="3.0.0.2"), version=2)
    assert cached_package(estate.server, DRIVER, X64, PACKAGE_CAB) is None
    assert len(estate.server.web_packages) == 0
    new = build_package(estate.server, 9.0, DRIVER, X64, PACKAGE_CAB)
    assert new.driver.driver_version == old.driver.driver_version + 1
    assert estate.server.web_packages.builds == 2
    # A driver deleted since is stale too.
    estate.server.drivers.remove(estate.driver(X64))
    assert cached_package(estate.server, DRIVER, X64, PACKAGE_CAB) is None


def test_fixing_the_inf_lets_the_next_build_succeed() -> None:
    estate = Estate(BROKEN_MEDIA)
    assert code(build_package, estate.server, 1.0, DRIVER, X86, PACKAGE_INF) == (
        ERROR_LINE_NOT_FOUND
    )
    estate.install(X86, fab_inf(FIXED_MEDIA))
    package = build_package(estate.server, 2.0, DRIVER, X86, PACKAGE_INF)
    assert package.inf_path == estate.driver(X86).package_inf
