"""Putting driver packages into the driver store, and taking them out again.

RpcAsyncUploadPrinterDriverPackage (MS-PAR 3.1.4.2.8) copies a package's directory into the store
under its package ID (:mod:`spoolsim.model.packages`) and leaves the package's cabinet for Point and
Print clients; RpcAsyncDeletePrinterDriverPackage (MS-PAR 3.1.4.2.12) removes both, unless the
package shipped with Windows or an installed driver still uses it. :func:`stage_package` puts a
package's files on the server, ready for upload.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

from spoolsim.model.constants import DRIVER_STORE, UPDP, Win32
from spoolsim.model.driverfiles import cab_path
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import FileRecord, FileSystem, basename, dirname, join, valid_path
from spoolsim.model.inf import ARCH_OF_ENVIRONMENT, parse_inf
from spoolsim.model.packages import (
    Package,
    check_inf_path,
    core_drivers_of,
    filetime,
    package_environment,
)

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer


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


def _content_id(files: FileSystem, directory: str, inf_name: str) -> str:
    digest = hashlib.sha1(inf_name.lower().encode())
    for rel, rec in files.walk(directory):
        digest.update(f"\0{rel.lower()}\0{rec.size}\0{rec.version}\0{rec.date}\0".encode())
        digest.update((rec.text or "").encode())
    return digest.hexdigest()[:16]


def _now_filetime(server: PrintServer, now: float) -> int:
    return filetime(server.wallclock(now))


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
        core_drivers=tuple(core_drivers_of(inf, env, package_id, dest_inf)),
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
