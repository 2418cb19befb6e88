"""Driver packages, and the driver store that holds them.

A driver package is a directory holding an INF (read with :mod:`spoolsim.model.inf`), the files the
INF copies, and for a version-4 driver its manifest (:mod:`spoolsim.model.manifests`). An INF whose
``[Version] ClassVer`` is 4.x installs version-4 drivers. A model whose name is a GUID is a *core
driver* (Microsoft Learn, "Writing core drivers"): other packages depend on it through
``CoreDriverDependencies``.

The driver store (:class:`PackageStore`, ``server.packages``) holds uploaded packages in
``C:\\Windows\\System32\\DriverStore\\FileRepository\\<inf>_<arch>_<id>``; ``<id>`` is 16 hex digits
of a SHA-1 over the package's contents, so the same package always lands in the same place and a
changed one beside it. The directory name is the package ID that CORE_PRINTER_DRIVER.szPackageID
carries, and each upload also leaves the package's cabinet, ``DRIVERS\\<dir>\\PCC\\<id>.cab``, which
RpcAsyncGetPrinterDriverPackagePath returns (the spec's "package cab", MS-PAR 3.1.4.2.11).

This module holds the packages and the store, the checks of an INF path and an environment that the
package calls share, and the calls that only read the store (core drivers, package cabinets).
Uploading and deleting packages live in :mod:`spoolsim.model.packageupload`, installing a driver
from one in :mod:`spoolsim.model.packageinstall`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import attrs

from spoolsim.model.constants import Win32
from spoolsim.model.driverfiles import cab_path

# Re-exported for the modules that import them from here.
from spoolsim.model.drivers import canonical_environment
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import dirname, valid_path
from spoolsim.model.inf import (
    ARCH_OF_ENVIRONMENT,
    Inf,
    InfDriver,
    driver_install,
    printer_models,
)
from spoolsim.model.inf import driver_ver as _inf_driver_ver  # one DriverVer parser for both

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer

EPOCH_1601 = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
_GUID = re.compile(
    r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
)


def filetime(when: dt.datetime | tuple[int, int, int] | None) -> int:
    """A FILETIME (100 ns units since 1601-01-01 UTC) for a datetime or a (year, month, day)."""
    if when is None:
        return 0
    if isinstance(when, tuple):
        when = dt.datetime(*when, tzinfo=dt.UTC)
    delta = when - EPOCH_1601
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def is_guid(text: str) -> bool:
    return bool(_GUID.fullmatch(text.strip()))


def package_environment(environment: str | None) -> str:
    """The environment as the server spells it, if it takes package drivers.

    Raises:
        SpoolerError: ERROR_INVALID_ENVIRONMENT.
    """
    env = canonical_environment(environment)
    if env not in ARCH_OF_ENVIRONMENT:
        raise SpoolerError(Win32.ERROR_INVALID_ENVIRONMENT, f"no driver packages for {env!r}")
    return env


def check_inf_path(inf_path: str | None) -> str:
    """ERROR_INVALID_PARAMETER unless ``inf_path`` is a valid, fully qualified path."""
    if not valid_path(inf_path):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"INF path {inf_path!r}")
    assert inf_path is not None
    return inf_path


@attrs.frozen
class CoreDriver:
    """A core printer driver a package provides (a model named by a GUID)."""

    guid: str  # braced and upper case, as in CoreDriverDependencies
    environment: str
    driver_date: int  # FILETIME
    driver_version: int
    package_id: str
    inf_path: str


@attrs.frozen(eq=False)
class Package:
    """A driver package in the driver store."""

    package_id: str  # "<inf>_<arch>_<16 hex>", also the directory's name
    inf_path: str  # the INF inside the store
    environment: str
    source_inf: str  # where it was uploaded from
    inf: Inf
    core_drivers: tuple[CoreDriver, ...] = ()
    inbox: bool = False  # shipped with Windows: RpcAsyncDeletePrinterDriverPackage refuses it

    @property
    def directory(self) -> str:
        return dirname(self.inf_path)

    @property
    def arch(self) -> str:
        return ARCH_OF_ENVIRONMENT[self.environment]

    def models(self, os_version: tuple[int, ...] = (10, 0)) -> tuple[str, ...]:
        """The printer drivers it offers (core-driver GUID models left out)."""
        return tuple(m for m in printer_models(self.inf, self.arch, os_version) if not is_guid(m))

    def offers(self, name: str, os_version: tuple[int, ...] = (10, 0)) -> bool:
        return name.lower() in (m.lower() for m in self.models(os_version))

    def driver(self, name: str, os_version: tuple[int, ...] = (10, 0)) -> InfDriver:
        return driver_install(self.inf, name, self.arch, os_version)

    @property
    def cversion(self) -> int:
        """4 when the INF's ``[Version] ClassVer`` is 4.x, else 3."""
        version = self.inf.section("Version")
        class_ver = (version.values("ClassVer") or ("",))[0] if version is not None else ""
        return 4 if class_ver.strip().startswith("4") else 3

    @property
    def date_and_version(self) -> tuple[int, int]:
        """The package's DriverVer as (FILETIME, packed version)."""
        version = self.inf.section("Version")
        return _driver_ver(version.values("DriverVer") if version is not None else ())


@attrs.define
class PackageStore:
    """The server's driver store (DriverStore\\FileRepository) and its driver policy lists.

    Attributes:
        findable: INF paths (in the server's files) of packages the server can locate by other
            means when a derived driver needs its class driver (Windows asks Windows Update).
        blocked: lower-case names of drivers the server refuses (printupg.inf's blocked list).
        warned: lower-case names of drivers the server warns about (installed only with
            APD_INSTALL_WARNED_DRIVER).
    """

    findable: list[str] = attrs.Factory(list)
    blocked: set[str] = attrs.Factory(set)
    warned: set[str] = attrs.Factory(set)
    _packages: dict[str, Package] = attrs.Factory(dict)  # lower-case INF path -> package
    _installed_cores: set[tuple[str, str]] = attrs.Factory(set)  # (GUID, environment)

    def __len__(self) -> int:
        return len(self._packages)

    def __iter__(self) -> Iterator[Package]:
        return iter(self.packages())

    def packages(self, environment: str | None = None) -> list[Package]:
        """The packages (of one environment), by INF path."""
        return [
            p
            for _, p in sorted(self._packages.items())
            if environment is None or p.environment == environment
        ]

    def lookup(self, inf_path: str | None) -> Package | None:
        """The package whose INF in the store is ``inf_path``."""
        if not inf_path:
            return None
        return self._packages.get(inf_path.replace("/", "\\").lower())

    def by_source(self, inf_path: str, environment: str) -> Package | None:
        """The newest package uploaded for ``environment`` from the INF at ``inf_path``."""
        hits = [
            p
            for p in self.packages(environment)
            if p.source_inf.lower() == inf_path.replace("/", "\\").lower()
        ]
        return max(hits, key=lambda p: p.date_and_version) if hits else None

    def by_id(self, package_id: str, environment: str) -> Package | None:
        for p in self.packages(environment):
            if p.package_id.lower() == package_id.lower():
                return p
        return None

    def find_driver(
        self, name: str, environment: str, os_version: tuple[int, ...] = (10, 0)
    ) -> Package | None:
        """The package with the newest DriverVer that offers driver ``name`` for ``environment``."""
        hits = [p for p in self.packages(environment) if p.offers(name, os_version)]
        return max(hits, key=lambda p: (p.date_and_version, p.inf_path)) if hits else None

    def core_driver(self, guid: str, environment: str) -> CoreDriver | None:
        """The newest core driver ``guid`` a package in the store provides for ``environment``."""
        hits = [
            c
            for p in self.packages(environment)
            for c in p.core_drivers
            if c.guid == guid.strip().upper()
        ]
        return max(hits, key=lambda c: (c.driver_date, c.driver_version)) if hits else None

    def core_drivers(self, environment: str | None = None) -> list[CoreDriver]:
        return [c for p in self.packages(environment) for c in p.core_drivers]

    def installed_cores(self, environment: str) -> list[CoreDriver]:
        """The core drivers installed for ``environment`` (installed with a driver that needs
        them), as the store's packages describe them now."""
        out = []
        for guid, env in sorted(self._installed_cores):
            core = self.core_driver(guid, env) if env == environment else None
            if core is not None:
                out.append(core)
        return out

    def mark_core_installed(self, guid: str, environment: str) -> None:
        self._installed_cores.add((guid.upper(), environment))

    def add(self, package: Package) -> None:
        self._packages[package.inf_path.lower()] = package

    def discard(self, package: Package) -> None:
        self._packages.pop(package.inf_path.lower(), None)


def _driver_ver(fields: Sequence[str]) -> tuple[int, int]:
    """``DriverVer = mm/dd/yyyy[, a.b.c.d]`` as (FILETIME, packed version); bad parts read 0."""
    date, packed = _inf_driver_ver(tuple(fields))
    try:
        return filetime(date), packed
    except ValueError:  # a day no calendar has, such as 02/30/2020
        return 0, packed


def core_drivers_of(inf: Inf, environment: str, package_id: str, inf_path: str) -> list[CoreDriver]:
    """The core drivers package ``package_id`` (its INF ``inf``, at ``inf_path``) provides: its GUID
    models, each dated by its install section's DriverVer, else by the INF's."""
    arch = ARCH_OF_ENVIRONMENT[environment]
    version = inf.section("Version")
    default = _driver_ver(version.values("DriverVer") if version is not None else ())
    out = []
    for model in printer_models(inf, arch):
        if not is_guid(model):
            continue
        date, packed = default
        try:  # a core driver's install section may carry its own DriverVer
            own = inf.decorated(model, arch).values("DriverVer")
        except SpoolerError:
            own = ()
        if own:
            date, packed = _driver_ver(own)
        out.append(CoreDriver(model.upper(), environment, date, packed, package_id, inf_path))
    return out


# --------------------------------------------------------------------------------------------------
# The calls that only read the store


def core_printer_drivers(
    server: PrintServer, environment: str, guids: Sequence[str]
) -> list[CoreDriver]:
    """The core drivers ``guids`` for ``environment``, from the store (MS-RPRN 3.1.4.4.9).

    Raises:
        SpoolerError: ERROR_INVALID_ENVIRONMENT; ERROR_INVALID_PARAMETER for an ID that is not a
            GUID string; ERROR_NOT_FOUND for a core driver no package provides (our choice of
            code: the processing rule's text was not available to us).
    """
    env = package_environment(environment)
    out = []
    for guid in guids:
        if not is_guid(guid):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"core driver ID {guid!r}")
        core = server.packages.core_driver(guid, env)
        if core is None:
            raise SpoolerError(Win32.ERROR_NOT_FOUND, f"no core driver {guid} for {env}")
        out.append(core)
    return out


def core_driver_installed(
    server: PrintServer, environment: str, guid: str, driver_date: int, driver_version: int
) -> bool:
    """Whether core driver ``guid``, at that date and version or newer, is installed
    (MS-PAR 3.1.4.2.10)."""
    env = package_environment(environment)
    return any(
        c.guid == guid.strip().upper()
        and (c.driver_date, c.driver_version) >= (driver_date, driver_version)
        for c in server.packages.installed_cores(env)
    )


def package_cab(server: PrintServer, environment: str, package_id: str) -> str:
    """The path of package ``package_id``'s cabinet (MS-PAR 3.1.4.2.11).

    Raises:
        SpoolerError: ERROR_INVALID_ENVIRONMENT; ERROR_FILE_NOT_FOUND for an unknown package.
    """
    env = package_environment(environment)
    package = server.packages.by_id(package_id, env)
    if package is None:
        raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"no package {package_id!r} for {env}")
    return cab_path(env, package.package_id)
