"""Installing a printer driver from a package in the driver store.

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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from spoolsim.model.constants import IPDFP, S_FALSE, S_OK, Win32
from spoolsim.model.constants import PrinterDriverAttributes as PDA
from spoolsim.model.driverfiles import copy_file, driver_directory
from spoolsim.model.drivers import Driver
from spoolsim.model.driverupgrade import installed_drivers, is_newer, shared_printers
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import FileRecord, basename, join
from spoolsim.model.inf import ARCH_OF_ENVIRONMENT, InfDriver, parse_inf, printer_models
from spoolsim.model.manifests import Manifest, is_manifest_name, parse_manifest
from spoolsim.model.packages import (
    CoreDriver,
    Package,
    check_inf_path,
    filetime,
    is_guid,
    package_environment,
)
from spoolsim.model.packageupload import upload_package

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer

V4_RENDERER = "mxdwdrv.dll"  # a v4 driver's DriverFile unless its class driver names another
V4_CONFIG = "PrintConfig.dll"  # the configuration module every v4 driver shares


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
    installed = installed_drivers(server, name, env)
    shared = shared_printers(server, name, env)
    new_class = bool(plan.attributes & PDA.CLASS)
    for old in installed:
        old_class = bool(old.attributes & PDA.CLASS)
        newer = is_newer(old, plan.driver_date, plan.driver_version)
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
            copied += copy_file(server.files, src, join(home, f.name), copy_all)
            core_files.append(f.name)
        server.packages.mark_core_installed(core.guid, env)
    for f in drv.files:
        src = join(pkg.directory, f.source, f.name)
        copied += copy_file(server.files, src, join(home, f.name), copy_all)
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
