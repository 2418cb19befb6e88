"""Driver packages, the driver store, and the rules for installing printer drivers and their files.

Theory of operation
-------------------
**Files.** A server's files live in ``server.files`` (:mod:`spoolsim.model.files`). An installed
driver's files sit in its *driver directory*, ``C:\\Windows\\system32\\spool\\DRIVERS\\<dir>\\<v>``
(``<dir>`` the environment's short name, ``x64``, ``W32X86`` …; ``<v>`` the driver's cVersion, so
``3`` for version-3 and ``4`` for version-4 drivers, as Windows lays it out). Files a client stages
for RpcAsyncAddPrinterDriver land one level up, in ``DRIVERS\\<dir>`` (the ``print$`` share's
environment directory). A :class:`~spoolsim.model.drivers.Driver` names its files; a name without a
directory is a file in its driver directory, and :func:`driver_files` resolves them.

**Packages.** A driver package is a directory holding an INF (read with
:mod:`spoolsim.model.inf`), the files the INF copies, and for a version-4 driver its manifest, an
INI file named ``…-manifest.ini`` (Microsoft Learn, "V4 Driver INF", "V4 Driver Manifest"): its
``[DriverConfig]`` section gives ``DataFile`` (required), ``RequiredFiles`` (in-box files),
``DriverFile`` (only a class driver may set it; unidrv.dll or pscript5.dll), ``RequiredClass =
"<class driver name>",{GUID}`` (which makes the driver *derived* from that class driver; a class
driver may not use it) and ``DriverCategory``. An INF whose ``[Version] ClassVer`` is 4.x installs
version-4 drivers. A model whose name is a GUID is a *core driver* (Microsoft Learn, "Writing core
drivers"): other packages depend on it through ``CoreDriverDependencies``.

**The driver store** (:class:`PackageStore`, ``server.packages``) holds uploaded packages in
``C:\\Windows\\System32\\DriverStore\\FileRepository\\<inf>_<arch>_<id>``; ``<id>`` is 16 hex digits
of a SHA-1 over the package's contents, so the same package always lands in the same place and a
changed one beside it. The directory name is the package ID that CORE_PRINTER_DRIVER.szPackageID
carries, and each upload also leaves the package's cabinet, ``DRIVERS\\<dir>\\PCC\\<id>.cab``, which
RpcAsyncGetPrinterDriverPackagePath returns (the spec's "package cab", MS-PAR 3.1.4.2.11).

Installing from a package (MS-PAR 3.1.4.2.7), the checks in the spec's order
---------------------------------------------------------------------------
MUST:

1. ``pszInfPath`` is a valid path name, else ERROR_INVALID_PARAMETER. (The model reads it as a
   fully qualified path naming an INF in this server's driver store, the "driver store path" of the
   Win32 InstallPrinterDriverFromPackage page; NULL means "an INF that shipped with Windows", which
   the model finds among the store's packages.)
2. ``pszEnvironment`` is an environment this server installs package drivers for, else
   ERROR_INVALID_ENVIRONMENT ("Windows 4.0" has no packages; a package uploaded for another
   environment does not install here either).

   Then the driver must be one the INF offers on that architecture, else
   ERROR_UNKNOWN_PRINTER_DRIVER (Windows matches the name against the INF's models, as Samba's
   torture test records); the INF's own errors (ERROR_LINE_NOT_FOUND 0xE0000102 for a missing
   SourceDisks line, …) pass through.

SHOULD (footnote <12>: Windows 8 / Server 2012 and later):

3. a version-4 driver: the package holds exactly one manifest for it, and the manifest conforms,
   else ERROR_INVALID_PRINTER_DRIVER_MANIFEST (3021);
4. a derived driver: its class driver is installed, or in the driver store, or in a package the
   server can find (``PackageStore.findable``, standing in for Windows Update, footnote <13>), else
   ERROR_UNKNOWN_PRINTER_DRIVER;
5. every file the INF copies, and the manifest's DataFile and RequiredFiles, are on the server,
   else ERROR_FILE_NOT_FOUND. (Model addition in the same place: a CoreDriverDependencies GUID no
   package in the store provides is ERROR_CORE_DRIVER_PACKAGE_NOT_FOUND, 3016.)
6. a version-3 driver is not for "Windows ARM", else ERROR_NOT_SUPPORTED;
7. an upgrade (a driver of that name is installed for the environment) to a version-3 driver: the
   installed driver is not a class driver; if it is version 4 it is not newer (driver date, then
   driver version) and no shared printer uses it; else ERROR_PRINTER_DRIVER_BLOCKED (3014);
8. an upgrade to a version-4 driver: an installed class driver is replaced only by a class driver;
   unless a class driver replaces a non-class one, the installed driver is not newer; if shared
   printers use the installed driver, the new one does not forbid sharing
   (PRINTER_DRIVER_NOT_SHAREABLE); else the call *succeeds* with S_FALSE and installs nothing.

Then a derived driver's class driver is installed first (from the store, else from a findable
package, which is uploaded first), the core drivers it depends on are copied, and the driver's
files are copied: without IPDFP_COPY_ALL_FILES an installed file that is newer (file version, then
date) is kept; with it every file is replaced.

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
   :func:`driver_files` reports it with size 0). APD_COPY_ALL_FILES copies every source file,
   APD_COPY_NEW_FILES (and no flag) only those newer than the installed copy, the strict flags
   every file once their check has passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from spoolsim.model.constants import (
    APD,
    DRIVER_STORE,
    ENVIRONMENT_DIRS,
    IPDFP,
    S_FALSE,
    S_OK,
    SPOOL_DRIVERS,
    UPDP,
    PrinterAttributes,
    Win32,
)
from spoolsim.model.constants import PrinterDriverAttributes as PDA
from spoolsim.model.drivers import Driver, canonical_environment
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import (
    FileRecord,
    FileSystem,
    basename,
    dirname,
    is_absolute,
    join,
    valid_path,
)
from spoolsim.model.inf import (
    ARCH_OF_ENVIRONMENT,
    Inf,
    InfDriver,
    driver_install,
    parse_inf,
    printer_models,
)

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer

EPOCH_1601 = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)
_GUID = re.compile(
    r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
)
_COPY_MODES = APD.STRICT_UPGRADE | APD.STRICT_DOWNGRADE | APD.COPY_ALL_FILES | APD.COPY_NEW_FILES
V4_RENDERER = "mxdwdrv.dll"  # a v4 driver's DriverFile unless its class driver names another
V4_CONFIG = "PrintConfig.dll"  # the configuration module every v4 driver shares
CLASS_RENDERERS = frozenset({"unidrv.dll", "pscript5.dll"})


# --------------------------------------------------------------------------------------------------
# Times and places


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


def staging_directory(environment: str) -> str:
    """Where clients stage driver files: ``DRIVERS\\<dir>`` (``print$\\<dir>``)."""
    return join(SPOOL_DRIVERS, ENVIRONMENT_DIRS[canonical_environment(environment)])


def driver_directory(environment: str, version: int) -> str:
    """Where an installed driver's files live: ``DRIVERS\\<dir>\\<cVersion>``."""
    return join(staging_directory(environment), str(version))


def cab_path(environment: str, package_id: str) -> str:
    """The package cabinet Point and Print clients download: ``DRIVERS\\<dir>\\PCC\\<id>.cab``."""
    return join(staging_directory(environment), "PCC", f"{package_id}.cab")


def driver_files(server_files: FileSystem, driver: Driver) -> list[tuple[str, FileRecord]]:
    """Every file ``driver`` consists of, as (full path, record), each once, in the driver's order
    (driver file, data file, config file, help file, dependent files). A file not in
    ``server_files`` is reported with ``FileRecord(size=0)``."""
    home = driver_directory(driver.environment, driver.version)
    seen: set[str] = set()
    out: list[tuple[str, FileRecord]] = []
    for name in driver.files:
        path = name if is_absolute(name) else join(home, name)
        if path.lower() in seen:
            continue
        seen.add(path.lower())
        out.append((path, server_files.get(path) or FileRecord(size=0)))
    return out


# --------------------------------------------------------------------------------------------------
# Manifests


@attrs.frozen
class Manifest:
    """The parts of a v4 driver manifest the server acts on."""

    name: str
    data_file: str
    driver_file: str = ""
    required_class: str = ""
    required_class_guid: str = ""
    required_files: tuple[str, ...] = ()
    category: str = ""

    @property
    def is_class(self) -> bool:
        return bool(self.driver_file)

    @property
    def is_derived(self) -> bool:
        return bool(self.required_class)

    @property
    def attributes(self) -> int:
        bits = PDA.PACKAGE_AWARE | PDA.XPS
        bits |= PDA.CLASS if self.is_class else 0
        bits |= PDA.DERIVED if self.is_derived else 0
        bits |= _CATEGORY_BITS.get(self.category.lower(), 0)
        return int(bits)


# DriverCategory values (Microsoft Learn, "V4 Driver Manifest"). Which categories forbid sharing is
# our choice: a file or virtual printer writes on the machine it runs on, so sharing it makes no
# sense (unverified against Windows).
_CATEGORY_BITS: dict[str, int] = {
    "printfax.fax": PDA.CATEGORY_FAX,
    "printfax.printer.file": PDA.CATEGORY_FILE | PDA.NOT_SHAREABLE,
    "printfax.printer.virtual": PDA.CATEGORY_VIRTUAL | PDA.NOT_SHAREABLE,
    "printfax.printer.service": PDA.CATEGORY_SERVICE,
    "printfax.printer.3d": PDA.CATEGORY_3D,
}


def is_manifest_name(name: str) -> bool:
    return name.lower().endswith("manifest.ini")


def parse_manifest(text: str | None, name: str = "") -> Manifest:
    """Read a v4 manifest.

    Raises:
        SpoolerError: ERROR_INVALID_PRINTER_DRIVER_MANIFEST when it cannot be read, has no
            ``[DriverConfig]`` or no ``DataFile``, sets ``DriverFile`` to anything but unidrv.dll or
            pscript5.dll, or sets both ``DriverFile`` and ``RequiredClass``.
    """

    def bad(why: str) -> SpoolerError:
        return SpoolerError(Win32.ERROR_INVALID_PRINTER_DRIVER_MANIFEST, f"{name}: {why}")

    if text is None:
        raise bad("not readable")
    try:
        parsed = parse_inf(text, name=name)
    except SpoolerError as err:
        raise bad(err.detail) from None
    config = parsed.section("DriverConfig")
    if config is None:
        raise bad("no [DriverConfig] section")
    data = (config.values("DataFile") or ("",))[0]
    if not data:
        raise bad("no DataFile")
    driver_file = (config.values("DriverFile") or ("",))[0]
    if driver_file and driver_file.lower() not in CLASS_RENDERERS:
        raise bad(f"DriverFile {driver_file!r} is neither unidrv.dll nor pscript5.dll")
    required = config.values("RequiredClass")
    klass = required[0] if required else ""
    if klass and driver_file:
        raise bad("a class driver (DriverFile) cannot name a RequiredClass")
    guid = required[1].strip() if len(required) > 1 else ""
    if guid and not is_guid(guid):
        raise bad(f"RequiredClass GUID {guid!r}")
    return Manifest(
        name=name,
        data_file=data,
        driver_file=driver_file,
        required_class=klass,
        required_class_guid=guid.upper(),
        required_files=tuple(f for f in config.all_values("RequiredFiles") if f),
        category=(config.values("DriverCategory") or ("",))[0],
    )


# --------------------------------------------------------------------------------------------------
# The driver store


@attrs.frozen
class CoreDriver:
    """A core printer driver a package provides (a model named by a GUID)."""

    guid: str  # "{XXXXXXXX-…}", upper case
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
    date = 0
    if fields:
        m = re.fullmatch(r"\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\s*", fields[0])
        if m:
            try:
                date = filetime((int(m[3]), int(m[1]), int(m[2])))
            except ValueError:
                date = 0
    packed = 0
    if len(fields) > 1 and re.fullmatch(r"[0-9]+(\.[0-9]+){0,3}", fields[1].strip()):
        parts = [int(p) & 0xFFFF for p in fields[1].strip().split(".")] + [0, 0, 0]
        for part in parts[:4]:
            packed = (packed << 16) | part
    return date, packed


def _content_id(files: FileSystem, directory: str, inf_name: str) -> str:
    digest = hashlib.sha1(inf_name.lower().encode())
    for rel, rec in files.walk(directory):
        digest.update(f"\0{rel.lower()}\0{rec.size}\0{rec.version}\0{rec.date}\0".encode())
        digest.update((rec.text or "").encode())
    return digest.hexdigest()[:16]


def _core_drivers_of(
    inf: Inf, environment: str, package_id: str, inf_path: str
) -> list[CoreDriver]:
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


def stage_package(
    files: FileSystem,
    directory: str,
    inf_name: str,
    inf_text: str,
    payload: Mapping[str, FileRecord] | None = None,
) -> str:
    """Put a package into ``files`` under ``directory``, ready for upload; return the INF's path.

    ``payload`` maps paths relative to ``directory`` to records (manifests carry ``text``).
    """
    inf_path = join(directory, inf_name)
    files.put(inf_path, FileRecord(size=len(inf_text.encode("utf-16-le")), text=inf_text))
    for rel, rec in (payload or {}).items():
        files.put(join(directory, rel), rec)
    return inf_path


# --------------------------------------------------------------------------------------------------
# Upload, install, delete


def _now_filetime(server: PrintServer, now: float) -> int:
    return filetime(server.wallclock(now))


def check_inf_path(inf_path: str | None) -> str:
    """ERROR_INVALID_PARAMETER unless ``inf_path`` is a valid, fully qualified path."""
    if not valid_path(inf_path):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"INF path {inf_path!r}")
    assert inf_path is not None
    return inf_path


def upload_package(
    server: PrintServer,
    now: float,
    inf_path: str | None,
    environment: str | None,
    flags: int = 0,
    *,
    inbox: bool = False,
) -> str:
    """RpcAsyncUploadPrinterDriverPackage's processing (MS-PAR 3.1.4.2.8): copy the package whose
    INF is at ``inf_path`` into the driver store; return the INF's path there.

    Flags: 0 uploads unless the same package is already in the store; UPDP_UPLOAD_ALWAYS uploads
    anyway; UPDP_CHECK_DRIVERSTORE (ignored with UPLOAD_ALWAYS) only looks. The spec's flag table
    says a missing package is then ERROR_NOT_FOUND, its processing rules ERROR_FILE_NOT_FOUND; we
    follow the processing rules. When the package is there, its path is returned.

    Raises:
        SpoolerError: ERROR_INVALID_PARAMETER (path), ERROR_INVALID_ENVIRONMENT,
            ERROR_FILE_NOT_FOUND (no INF there, or not in the store with UPDP_CHECK_DRIVERSTORE),
            the INF's syntax errors.
    """
    path = check_inf_path(inf_path)
    env = package_environment(environment)
    record = server.files.get(path)
    if record is None:
        raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"no INF at {path}")
    inf_name = basename(path)
    source_dir = dirname(path)
    inf = parse_inf(record.text or "", name=inf_name)
    arch = ARCH_OF_ENVIRONMENT[env]
    package_id = f"{inf_name.lower()}_{arch}_{_content_id(server.files, source_dir, inf_name)}"
    dest_dir = join(DRIVER_STORE, package_id)
    dest_inf = join(dest_dir, inf_name)
    present = server.packages.lookup(dest_inf)
    always = bool(flags & UPDP.UPLOAD_ALWAYS)
    if flags & UPDP.CHECK_DRIVERSTORE and not always:
        if present is None:
            raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"{inf_name} is not in the driver store")
        return present.inf_path
    if present is not None and not always:
        return present.inf_path
    copied = server.files.copy_tree(source_dir, dest_dir)
    server.files.put(
        cab_path(env, package_id),
        FileRecord(size=server.files.total_size(dest_dir), date=_now_filetime(server, now)),
    )
    package = Package(
        package_id=package_id,
        inf_path=dest_inf,
        environment=env,
        source_inf=path,
        inf=inf,
        core_drivers=tuple(_core_drivers_of(inf, env, package_id, dest_inf)),
        inbox=inbox or (present.inbox if present else False),
    )
    server.packages.add(package)
    server.log.add(
        now,
        "package.uploaded",
        package_id,
        environment=env,
        inf=dest_inf,
        source=path,
        bytes=copied,
    )
    return dest_inf


def _copy(files: FileSystem, src: str, dst: str, copy_all: bool) -> bool:
    """Copy ``src`` over ``dst`` unless ``copy_all`` is off and ``dst`` is newer or the same."""
    new = files.get(src)
    if new is None:
        return False
    old = files.get(dst)
    if old is not None and not copy_all and (old == new or old.newer_than(new)):
        return False
    files.put(dst, new)
    return True


def _shared_users(server: PrintServer, name: str, environment: str) -> list[str]:
    if environment != server.environment:
        return []
    return [
        p.name
        for p in server.printers.values()
        if p.driver_name.lower() == name.lower() and p.attributes & PrinterAttributes.SHARED
    ]


def _installed(server: PrintServer, name: str, environment: str) -> list[Driver]:
    return [d for d in server.drivers.named(name) if d.environment == environment]


def _newer(a: Driver, date: int, version: int) -> bool:
    return (a.driver_date, a.driver_version) > (date, version)


@attrs.frozen
class _Plan:
    """What an install from a package will do, worked out before anything changes."""

    package: Package
    inf_driver: InfDriver
    version: int
    manifest: Manifest | None
    attributes: int
    driver_date: int
    driver_version: int


def _plan(server: PrintServer, package: Package, name: str) -> _Plan:
    """The driver ``name`` from ``package``, and check 3 (the v4 manifest)."""
    if not package.offers(name, server.os_version):
        raise SpoolerError(
            Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"{package.inf_path} offers no {name!r}"
        )
    drv = package.driver(name, server.os_version)
    version = package.cversion
    manifest = None
    attributes = int(PDA.PACKAGE_AWARE) if drv.package_aware else 0
    if version == 4:
        found = [f for f in drv.files if is_manifest_name(f.name)]
        if len(found) != 1:
            raise SpoolerError(
                Win32.ERROR_INVALID_PRINTER_DRIVER_MANIFEST,
                f"{drv.model}: {len(found)} manifests in {package.package_id}",
            )
        spot = join(package.directory, found[0].source, found[0].name)
        record = server.files.get(spot)
        manifest = parse_manifest(record.text if record else None, found[0].name)
        attributes = manifest.attributes
    date = filetime(drv.driver_date)
    return _Plan(package, drv, version, manifest, attributes, date, drv.driver_version)


def _class_source(
    server: PrintServer, now: float, klass: str, env: str, *, upload: bool
) -> Package | bool | None:
    """Where derived drivers' class driver ``klass`` comes from (check 4): True when installed,
    a store package, a findable package (uploaded first when ``upload``), or None."""
    if server.drivers.find(klass, env) is not None:
        return True
    in_store = server.packages.find_driver(klass, env, server.os_version)
    if in_store is not None:
        return in_store
    for inf_path in server.packages.findable:
        record = server.files.get(inf_path)
        if record is None:
            continue
        try:
            inf = parse_inf(record.text or "", name=basename(inf_path))
            models = printer_models(inf, ARCH_OF_ENVIRONMENT[env], server.os_version)
        except SpoolerError:
            continue
        if klass.lower() in (m.lower() for m in models):
            if not upload:
                return True
            dest = upload_package(server, now, inf_path, env)
            return server.packages.lookup(dest)
    return None


def _available(server: PrintServer, plan: _Plan, name: str, cores: Sequence[CoreDriver]) -> bool:
    """Whether file ``name`` (not in the package) is on the server for the driver (check 5)."""
    env = plan.package.environment
    for version in (3, 4):
        if server.files.is_file(join(driver_directory(env, version), name)):
            return True
    for core in cores:
        core_pkg = server.packages.lookup(core.inf_path)
        if core_pkg and any(
            basename(r).lower() == name.lower() for r, _ in _walk(server, core_pkg)
        ):
            return True
    return any(
        basename(rel).lower() == name.lower()
        for pkg in server.packages.packages(env)
        if pkg.inbox
        for rel, _ in _walk(server, pkg)
    )


def _walk(server: PrintServer, package: Package) -> list[tuple[str, FileRecord]]:
    return server.files.walk(package.directory)


def _check_files(server: PrintServer, plan: _Plan) -> list[CoreDriver]:
    """Check 5: the files, and the core drivers the driver depends on (returned)."""
    env = plan.package.environment
    cores = []
    for guid in plan.inf_driver.core_dependencies:
        core = server.packages.core_driver(guid, env) if is_guid(guid) else None
        if core is None:
            raise SpoolerError(
                Win32.ERROR_CORE_DRIVER_PACKAGE_NOT_FOUND, f"no core driver {guid} for {env}"
            )
        cores.append(core)
    for f in plan.inf_driver.files:
        if not server.files.is_file(join(plan.package.directory, f.source, f.name)):
            raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"{f.name} is not in the package")
    if plan.manifest is not None:
        shipped = {f.name.lower() for f in plan.inf_driver.files}
        wanted = (plan.manifest.data_file, *plan.manifest.required_files)
        for name in wanted:
            if name.lower() not in shipped and not _available(server, plan, name, cores):
                raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"{name} is not on the server")
    return cores


def _check_upgrade(server: PrintServer, plan: _Plan) -> int:
    """Checks 6-8; S_FALSE when a v4 upgrade must not happen, S_OK otherwise."""
    env, name = plan.package.environment, plan.inf_driver.model
    if plan.version == 3 and env == "Windows ARM":
        raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, "version-3 drivers are not for Windows ARM")
    installed = _installed(server, name, env)
    shared = _shared_users(server, name, env)
    new_class = bool(plan.attributes & PDA.CLASS)
    for old in installed:
        old_class = bool(old.attributes & PDA.CLASS)
        newer = _newer(old, plan.driver_date, plan.driver_version)
        if plan.version == 3:
            if old_class or (old.version == 4 and (newer or shared)):
                why = "a class driver" if old_class else "a newer or shared version-4 driver"
                raise SpoolerError(Win32.ERROR_PRINTER_DRIVER_BLOCKED, f"{name} is {why}")
        elif plan.version == 4:
            if old_class and not new_class:
                return S_FALSE
            if not (new_class and not old_class) and newer:
                return S_FALSE
            if shared and plan.attributes & PDA.NOT_SHAREABLE:
                return S_FALSE
    return S_OK


def install_from_package(
    server: PrintServer,
    now: float,
    inf_path: str | None,
    driver_name: str,
    environment: str | None,
    flags: int = 0,
) -> int:
    """RpcAsyncInstallPrinterDriverFromPackage (MS-PAR 3.1.4.2.7): the checks in the module
    docstring, in order, then the install.

    Returns:
        S_OK, or S_FALSE when a version-4 upgrade check declined the install (nothing changed).

    Raises:
        SpoolerError: with the Win32 code of the first check that failed.
    """
    if inf_path is not None:
        check_inf_path(inf_path)
    env = package_environment(environment)
    if inf_path is None:  # "an INF that shipped with Windows": look in the store
        package = server.packages.find_driver(driver_name or "", env, server.os_version)
        if package is None:
            raise SpoolerError(Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"no package has {driver_name}")
    else:
        package = server.packages.lookup(inf_path)
        if package is None:
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER, f"{inf_path} is not an INF in the driver store"
            )
        if package.environment != env:
            raise SpoolerError(
                Win32.ERROR_INVALID_ENVIRONMENT,
                f"{package.package_id} is for {package.environment}",
            )
    plan = _plan(server, package, driver_name or "")
    klass = plan.manifest.required_class if plan.manifest else ""
    if klass and _class_source(server, now, klass, env, upload=False) is None:
        raise SpoolerError(
            Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"class driver {klass!r} cannot be found"
        )
    cores = _check_files(server, plan)
    status = _check_upgrade(server, plan)
    if status == S_FALSE:
        return S_FALSE
    class_driver = None
    if klass:
        source = _class_source(server, now, klass, env, upload=True)
        if isinstance(source, Package):
            install_from_package(server, now, source.inf_path, klass, env, flags)
        class_driver = server.drivers.find(klass, env)
    _install(server, now, plan, cores, class_driver, bool(flags & IPDFP.COPY_ALL_FILES), flags)
    return S_OK


def _install(
    server: PrintServer,
    now: float,
    plan: _Plan,
    cores: Sequence[CoreDriver],
    class_driver: Driver | None,
    copy_all: bool,
    flags: int,
) -> None:
    pkg, drv, env = plan.package, plan.inf_driver, plan.package.environment
    home = driver_directory(env, plan.version)
    copied = 0
    core_files: list[str] = []
    for core in cores:
        core_pkg = server.packages.lookup(core.inf_path)
        try:
            core_drv = core_pkg.driver(core.guid, server.os_version) if core_pkg else None
        except SpoolerError:
            core_drv = None
        for f in core_drv.files if core_drv and core_pkg else ():
            src = join(core_pkg.directory, f.source, f.name) if core_pkg else ""
            copied += _copy(server.files, src, join(home, f.name), copy_all)
            core_files.append(f.name)
        server.packages.mark_core_installed(core.guid, env)
    for f in drv.files:
        src = join(pkg.directory, f.source, f.name)
        copied += _copy(server.files, src, join(home, f.name), copy_all)
    names = [f.name for f in drv.files]
    if plan.manifest is not None:
        m = plan.manifest
        renderer = m.driver_file or (class_driver.driver_path if class_driver else V4_RENDERER)
        main = (renderer, m.data_file, V4_CONFIG)
        extra = [*names, *m.required_files, *(class_driver.files if class_driver else ())]
        help_file = ""
    else:
        main = (drv.driver_file, drv.data_file, drv.config_file)
        extra = [*drv.dependent_files, *core_files]
        help_file = drv.help_file
    taken = {n.lower() for n in (*main, help_file) if n}
    dependent = tuple(
        dict.fromkeys(basename(n) for n in extra if n and basename(n).lower() not in taken)
    )
    driver = Driver(
        name=drv.model,
        environment=env,
        version=plan.version,
        driver_path=basename(main[0]),
        data_file=basename(main[1]),
        config_file=basename(main[2]),
        help_file=basename(help_file) if help_file else "",
        dependent_files=dependent,
        driver_date=plan.driver_date,
        driver_version=plan.driver_version,
        manufacturer=drv.manufacturer,
        hardware_id=drv.hardware_id,
        provider=drv.provider,
        inf_path=pkg.inf_path,
        attributes=plan.attributes,
        core_dependencies=tuple(c.guid for c in cores),
        package_inf=pkg.inf_path,
        class_driver=class_driver.name if class_driver else "",
    )
    server.drivers.add(driver)
    server.log.add(
        now,
        "package.installed",
        driver.name,
        environment=env,
        version=driver.version,
        inf=pkg.inf_path,
        flags=int(flags),
        copied=copied,
    )


def in_use(server: PrintServer, package: Package) -> list[str]:
    """Why ``package`` is in use (MS-PAR 3.1.4.2.12): the drivers installed from it, and those
    depending on a core driver it provides."""
    guids = {c.guid for c in package.core_drivers}
    users = []
    for d in server.drivers.all(package.environment):
        if d.package_inf.lower() == package.inf_path.lower():
            users.append(d.name)
        elif guids & {g.upper() for g in d.core_dependencies}:
            users.append(d.name)
    return users


def delete_package(
    server: PrintServer, now: float, inf_path: str | None, environment: str | None
) -> None:
    """RpcAsyncDeletePrinterDriverPackage (MS-PAR 3.1.4.2.12).

    Checks: ``inf_path`` names an existing file, else ERROR_INVALID_PARAMETER; the environment,
    else ERROR_INVALID_ENVIRONMENT; the file is a store package's INF (or the INF a package was
    uploaded from, which is what Win32 callers pass), else ERROR_UNKNOWN_PRINTER_DRIVER (what
    Windows answers for a package already gone); not a package that shipped with Windows, else
    ERROR_ACCESS_DENIED (footnote <29>); not in use, else ERROR_PRINTER_DRIVER_PACKAGE_IN_USE.
    """
    if not valid_path(inf_path) or not server.files.is_file(inf_path or ""):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"no file {inf_path!r}")
    assert inf_path is not None
    env = package_environment(environment)
    package = server.packages.lookup(inf_path)
    if package is None or package.environment != env:
        package = server.packages.by_source(inf_path, env)
    if package is None:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"no package {inf_path} for {env}")
    if package.inbox:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, f"{package.package_id} ships with Windows")
    users = in_use(server, package)
    if users:
        raise SpoolerError(
            Win32.ERROR_PRINTER_DRIVER_PACKAGE_IN_USE, f"{package.package_id} is used by {users[0]}"
        )
    removed = server.files.remove_tree(package.directory)
    server.files.remove(cab_path(env, package.package_id))
    server.packages.discard(package)
    server.log.add(
        now,
        "package.deleted",
        package.package_id,
        environment=env,
        inf=package.inf_path,
        files=removed,
    )


# --------------------------------------------------------------------------------------------------
# Core drivers and package cabinets


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


# --------------------------------------------------------------------------------------------------
# RpcAsyncAddPrinterDriver's files


def _blocking(server: PrintServer, driver: Driver, flags: int) -> None:
    """Checks 2-5 of RpcAsyncAddPrinterDriver (see the module docstring)."""
    if driver.version >= 4:
        raise SpoolerError(
            Win32.ERROR_PRINTER_DRIVER_BLOCKED, "version-4 drivers install only from packages"
        )
    if driver.environment == "Windows ARM":
        raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, "version-3 drivers are not for Windows ARM")
    shared = _shared_users(server, driver.name, driver.environment)
    for old in _installed(server, driver.name, driver.environment):
        if old.attributes & PDA.CLASS:
            raise SpoolerError(Win32.ERROR_PRINTER_DRIVER_BLOCKED, f"{old.name} is a class driver")
        if old.version == 4 and (_newer(old, driver.driver_date, driver.driver_version) or shared):
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
            copied += _copy(server.files, src, join(home, basename(name)), copy_all)
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


def shared_driver_files(server: PrintServer, driver: Driver) -> list[str]:
    """The files of ``driver`` that another installed driver also uses (full paths)."""
    others = {
        path.lower()
        for d in server.drivers.all(driver.environment)
        if d.key != driver.key
        for path, _ in driver_files(server.files, d)
    }
    return [path for path, _ in driver_files(server.files, driver) if path.lower() in others]


def remove_driver_files(server: PrintServer, driver: Driver) -> int:
    """Delete the files of ``driver`` (no longer installed) that no installed driver uses; how
    many (RpcDeletePrinterDriverEx with DPD_DELETE_UNUSED_FILES or DPD_DELETE_ALL_FILES)."""
    used = {
        path.lower()
        for d in server.drivers.all(driver.environment)
        if d.key != driver.key
        for path, _ in driver_files(server.files, d)
    }
    return sum(
        server.files.remove(path)
        for path, _ in driver_files(server.files, driver)
        if path.lower() not in used
    )
