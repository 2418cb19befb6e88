"""Web printer connections, the server's side: the URLs it serves and the driver packages it builds.

A user who clicks Connect on ``http://SERVER/printers/<printer>/`` gets the printer's driver from
the server as one package, built for the client's architecture. The client's side of that flow is
:mod:`spoolsim.rpc.webconnect`; this module holds what the server does and keeps.

URLs (``<printer>`` percent-encoded, so ``HP Color`` is ``HP%20Color``):

- the printer's page, ``http://SERVER/printers/<printer>/`` (:func:`page_url`);
- the printer itself, ``http://SERVER/printers/<printer>/.printer`` (:func:`port_url`): IPP is
  reached there, and a connected client names its port after it;
- a driver package, ``http://SERVER/printers/<printer>/.package/<arch>.cab`` for a precompiled
  package and ``.../.package/<arch>-inf.cab`` for one built from the INF (:func:`package_url`);
  ``<arch>`` is the client environment's INF architecture (``x86``, ``amd64``, ``arm64``).

Two kinds of package, chosen by the client's OS version (:func:`package_kind`):

- ``cab`` (Windows Vista and later): the precompiled driver package, the server's installed
  driver for the *client's* environment, its files as they lie in the driver directory
  (:func:`~spoolsim.model.driverfiles.driver_files`; a file the server lacks counts 0 bytes, as it
  does for Point and Print). No such driver: ERROR_UNKNOWN_PRINTER_DRIVER naming the environment.
- ``inf`` (Windows 2000, XP, Server 2003): a package the server builds by reading the INF the
  client environment's driver was installed from, with
  :func:`~spoolsim.model.inf.driver_install` for the *server's own* architecture
  (``ARCH_OF_ENVIRONMENT[server.environment]``), not the client's. That is the documented fault:
  an x64 server reading an INF whose only media section is ``[SourceDisksNames.x86]`` finds no
  line for amd64 and fails with ERROR_LINE_NOT_FOUND (0xE0000102). The package holds the INF and
  the files it copies, taken from the driver's directory (else from the INF's own directory,
  else ERROR_FILE_NOT_FOUND).

Where the INF comes from: the driver record's ``package_inf`` (a driver installed from a package
in the driver store; the store's :class:`~spoolsim.model.packages.Package` keeps the parsed INF),
else its ``inf_path``, which may name a store package or an INF file on the server (parsed with
:func:`~spoolsim.model.inf.parse_inf`; its syntax errors pass through). A driver with neither, such
as one added by AddPrinterDriver without a package, has no INF to build from: the build fails
with SetupAPI's ERROR_NO_INF (0xE000020A) and a detail naming the driver. This is the model's
choice; the sources do not say what Windows answers then.

Builds are cached per (driver, client environment, kind) in ``server.web_packages``
(:class:`WebPackageCache`): a later request gets the same package while the server's installed
driver record is unchanged; after a driver update the next request builds again. A failed build
is not kept, so fixing the INF (uploading a corrected package and installing the driver from it)
makes the next request succeed. Only ``inf`` builds are retried (:data:`INF_BUILD_ATTEMPTS` in
all, the issue's model of the server trying again); a missing driver is not worth a retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

import attrs

from spoolsim.model.constants import Win32
from spoolsim.model.driverfiles import driver_directory, driver_files
from spoolsim.model.drivers import Driver
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import FileRecord, basename, dirname, join
from spoolsim.model.inf import ARCH_OF_ENVIRONMENT, Inf, driver_install, parse_inf

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer

# SetupAPI's "no INF" (setupapi.h: APPLICATION_ERROR_MASK | ERROR_SEVERITY_ERROR | 0x20A).
ERROR_NO_INF = 0xE000020A

PACKAGE_CAB = "cab"  # Vista and later: the precompiled driver package
PACKAGE_INF = "inf"  # before Vista: a package the server builds from the driver's INF
VISTA = (6, 0)
# How many times in all the server tries to build an ``inf`` package for one request.
INF_BUILD_ATTEMPTS = 5


def package_kind(os_version: tuple[int, ...]) -> str:
    """``cab`` for a client OS of Windows Vista (6.0) or later, ``inf`` before it."""
    return PACKAGE_CAB if tuple(os_version[:2]) >= VISTA else PACKAGE_INF


def page_url(server: str, printer: str) -> str:
    """The printer's page: ``http://SERVER/printers/<printer>/``."""
    return f"http://{server}/printers/{quote(printer, safe='')}/"


def port_url(server: str, printer: str) -> str:
    """The printer's URL, which a connected client's port is named after."""
    return page_url(server, printer) + ".printer"


def package_url(server: str, printer: str, environment: str, kind: str) -> str:
    """Where a client downloads the package of ``kind`` for ``environment``."""
    suffix = "-inf" if kind == PACKAGE_INF else ""
    return f"{page_url(server, printer)}.package/{_arch(environment)}{suffix}.cab"


def _arch(environment: str) -> str:
    arch = ARCH_OF_ENVIRONMENT.get(environment)
    if arch is None:
        raise SpoolerError(Win32.ERROR_INVALID_ENVIRONMENT, f"no web packages for {environment!r}")
    return arch


@attrs.frozen
class WebPackage:
    """A driver package the server built for one client environment.

    Attributes:
        driver: the server's installed driver it packs (the client installs this record).
        environment: the client's environment.
        kind: :data:`PACKAGE_CAB` or :data:`PACKAGE_INF`.
        files: (file name, record) of each file in the package, the INF first for ``inf``.
        inf_path: the INF an ``inf`` package was built from ("" for ``cab``).
        built: when it was built.
    """

    driver: Driver
    environment: str
    kind: str
    files: tuple[tuple[str, FileRecord], ...]
    inf_path: str
    built: float

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.driver.name.lower(), self.environment, self.kind)

    @property
    def size(self) -> int:
        """The package's bytes: its files' sizes summed."""
        return sum(record.size for _, record in self.files)

    @property
    def driver_files(self) -> tuple[tuple[str, FileRecord], ...]:
        """The files that go into the driver directory (the package less its INF)."""
        inf = basename(self.inf_path).lower() if self.inf_path else None
        return tuple((n, r) for n, r in self.files if n.lower() != inf)


@attrs.define
class WebPackageCache:
    """The packages a server has built, by (driver name, client environment, kind).

    Attributes:
        builds: how many packages were built (a rebuild after a driver update counts again).
    """

    builds: int = 0
    _packages: dict[tuple[str, str, str], WebPackage] = attrs.Factory(dict)

    def get(self, driver: str, environment: str, kind: str) -> WebPackage | None:
        return self._packages.get((driver.lower(), environment, kind))

    def put(self, package: WebPackage) -> None:
        self._packages[package.key] = package
        self.builds += 1

    def discard(self, driver: str, environment: str, kind: str) -> None:
        self._packages.pop((driver.lower(), environment, kind), None)

    def __len__(self) -> int:
        return len(self._packages)

    def __iter__(self) -> Iterator[WebPackage]:
        return iter([self._packages[k] for k in sorted(self._packages)])


def cached_package(
    server: PrintServer, driver: str, environment: str, kind: str
) -> WebPackage | None:
    """The package built earlier, while the server's installed driver is still the one it packs
    (a stale one is dropped)."""
    package = server.web_packages.get(driver, environment, kind)
    if package is None:
        return None
    if server.drivers.find(driver, environment) != package.driver:
        server.web_packages.discard(driver, environment, kind)
        return None
    return package


def build_package(
    server: PrintServer, now: float, driver: str, environment: str, kind: str
) -> WebPackage:
    """One attempt at building the package of ``kind`` of ``driver`` for ``environment``;
    cached in ``server.web_packages`` when it succeeds.

    Raises:
        SpoolerError: ERROR_UNKNOWN_PRINTER_DRIVER when the server has no such driver for the
            environment; for ``inf``: ERROR_NO_INF without an INF, the INF's own SetupAPI codes
            (ERROR_LINE_NOT_FOUND, ...), ERROR_FILE_NOT_FOUND for a file the server lacks.
    """
    if kind not in (PACKAGE_CAB, PACKAGE_INF):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"package kind {kind!r}")
    _arch(environment)
    installed = server.drivers.find(driver, environment)
    if installed is None:
        raise SpoolerError(
            Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"the server has no {driver!r} for {environment}"
        )
    if kind == PACKAGE_CAB:
        files = tuple((basename(p), r) for p, r in driver_files(server.files, installed))
        inf_path = ""
    else:
        inf_path, files = _from_inf(server, installed)
    package = WebPackage(installed, environment, kind, files, inf_path, now)
    server.web_packages.put(package)
    return package


def _from_inf(
    server: PrintServer, driver: Driver
) -> tuple[str, tuple[tuple[str, FileRecord], ...]]:
    """The INF's path and the package's files, the INF read for the server's architecture."""
    inf_path, inf = _inf_of(server, driver)
    server_arch = _arch(server.environment)
    plan = driver_install(inf, driver.name, server_arch, server.os_version)
    files: list[tuple[str, FileRecord]] = [
        (basename(inf_path), server.files.get(inf_path) or FileRecord(size=0))
    ]
    home = driver_directory(driver.environment, driver.version)
    for f in plan.files:
        record = server.files.get(join(home, f.name)) or server.files.get(
            join(dirname(inf_path), f.source, f.name)
        )
        if record is None:
            raise SpoolerError(
                Win32.ERROR_FILE_NOT_FOUND, f"{f.name} ({inf.label}) is not on the server"
            )
        files.append((f.name, record))
    return inf_path, tuple(files)


def _inf_of(server: PrintServer, driver: Driver) -> tuple[str, Inf]:
    """The INF ``driver`` was installed from: its package's, else the file at its INF path."""
    for path in dict.fromkeys(p for p in (driver.package_inf, driver.inf_path) if p):
        package = server.packages.lookup(path)
        if package is not None:
            return package.inf_path, package.inf
        record = server.files.get(path)
        if record is not None and record.text is not None:
            return path, parse_inf(record.text, name=basename(path))
    where = f" (nothing readable at {driver.inf_path})" if driver.inf_path else ""
    raise SpoolerError(
        ERROR_NO_INF,
        f"{driver.name!r} for {driver.environment} was installed without an INF{where}: "
        "there is nothing to build a package from",
    )
