"""Printer-driver files on a server: where they live, and how they are copied and removed.

A server's files live in ``server.files`` (:mod:`spoolsim.model.files`). An installed driver's files
sit in its *driver directory*, ``C:\\Windows\\system32\\spool\\DRIVERS\\<dir>\\<v>`` (``<dir>`` the
environment's short name, ``x64``, ``W32X86`` …; ``<v>`` the driver's cVersion, so ``3`` for
version-3 and ``4`` for version-4 drivers, as Windows lays it out). Files a client stages for
RpcAsyncAddPrinterDriver land one level up, in ``DRIVERS\\<dir>`` (the ``print$`` share's
environment directory), and a package uploaded to the driver store leaves its cabinet in
``DRIVERS\\<dir>\\PCC``. A :class:`~spoolsim.model.drivers.Driver` names its files; a name without
a directory is a file in its driver directory, and :func:`driver_files` resolves them.

Both ways of installing a driver copy its files with :func:`copy_file`; deleting a driver removes
the files no other installed driver uses (:func:`remove_driver_files`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spoolsim.model.constants import ENVIRONMENT_DIRS, SPOOL_DRIVERS
from spoolsim.model.drivers import Driver, canonical_environment
from spoolsim.model.files import FileRecord, FileSystem, is_absolute, join

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer


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


def copy_file(files: FileSystem, src: str, dst: str, copy_all: bool) -> bool:
    """Copy ``src`` over ``dst`` unless ``copy_all`` is off and ``dst`` is newer or the same."""
    new = files.get(src)
    if new is None:
        return False
    old = files.get(dst)
    if old is not None and not copy_all and (old == new or old.newer_than(new)):
        return False
    files.put(dst, new)
    return True


def _used_by_others(server: PrintServer, driver: Driver) -> set[str]:
    """The files (full paths, lower case) of every installed driver but ``driver``."""
    return {
        path.lower()
        for d in server.drivers.all(driver.environment)
        if d.key != driver.key
        for path, _ in driver_files(server.files, d)
    }


def shared_driver_files(server: PrintServer, driver: Driver) -> list[str]:
    """The files of ``driver`` that another installed driver also uses (full paths)."""
    others = _used_by_others(server, driver)
    return [path for path, _ in driver_files(server.files, driver) if path.lower() in others]


def remove_driver_files(server: PrintServer, driver: Driver) -> int:
    """Delete the files of ``driver`` (no longer installed) that no installed driver uses; how
    many (RpcDeletePrinterDriverEx with DPD_DELETE_UNUSED_FILES or DPD_DELETE_ALL_FILES)."""
    used = _used_by_others(server, driver)
    return sum(
        server.files.remove(path)
        for path, _ in driver_files(server.files, driver)
        if path.lower() not in used
    )
