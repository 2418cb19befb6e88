"""Printer drivers: the server's installed drivers and the rules for adding and deleting them.

A driver is identified by (name, environment, version). Rules (MS-RPRN 3.1.4.4):

- the environment must be one the server knows (ERROR_INVALID_ENVIRONMENT) and the version one that
  environment takes (ERROR_INVALID_PARAMETER);
- name, driver path, data file and config file are required (ERROR_INVALID_PARAMETER);
- adding over an installed driver replaces it, unless APD_STRICT_UPGRADE refuses an older-or-equal
  driver or APD_STRICT_DOWNGRADE a newer-or-equal one (ERROR_PRINTER_DRIVER_ALREADY_INSTALLED);
- a driver a printer uses cannot be deleted (ERROR_PRINTER_DRIVER_IN_USE); an unknown one is
  ERROR_UNKNOWN_PRINTER_DRIVER.

Where a driver's files live is ``spoolsim.model.driverfiles``; the APD_* copy rules of
AddPrinterDriver are ``adddriver``; packages and their installation are ``packages``,
``packageupload`` and ``packageinstall``. This module holds the installed drivers themselves.
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import APD, ENVIRONMENTS, Win32
from spoolsim.model.errors import SpoolerError


@attrs.frozen
class Driver:
    name: str
    environment: str
    version: int
    driver_path: str
    data_file: str
    config_file: str
    help_file: str = ""
    dependent_files: tuple[str, ...] = ()
    monitor_name: str = ""
    default_datatype: str = ""
    previous_names: tuple[str, ...] = ()
    driver_date: int = 0  # FILETIME
    driver_version: int = 0  # DWORDLONG, as a.b.c.d packed 16 bits each
    manufacturer: str = ""
    oem_url: str = ""
    hardware_id: str = ""
    provider: str = ""
    print_processor: str = ""
    vendor_setup: str = ""
    color_profiles: tuple[str, ...] = ()
    inf_path: str = ""
    attributes: int = 0
    core_dependencies: tuple[str, ...] = ()
    min_inbox_date: int = 0
    min_inbox_version: int = 0
    # Installed from a driver package: the package's INF path in the driver store ("" otherwise).
    package_inf: str = ""
    # A derived driver: the class driver it depends on (v4 manifest RequiredClass).
    class_driver: str = ""

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.name.lower(), self.environment.lower(), self.version)

    @property
    def files(self) -> tuple[str, ...]:
        main = (self.driver_path, self.data_file, self.config_file, self.help_file)
        return tuple(f for f in main if f) + self.dependent_files


def _newer(a: Driver, b: Driver) -> bool:
    return (a.driver_date, a.driver_version) > (b.driver_date, b.driver_version)


@attrs.define
class DriverStore:
    _drivers: dict[tuple[str, str, int], Driver] = attrs.Factory(dict)

    def all(self, environment: str | None = None) -> list[Driver]:
        env = environment.lower() if environment else None
        return [d for d in self._drivers.values() if env is None or d.environment.lower() == env]

    def find(self, name: str, environment: str, version: int | None = None) -> Driver | None:
        """The installed driver of that name and environment, highest version first."""
        hits = [
            d
            for d in self._drivers.values()
            if d.name.lower() == name.lower()
            and d.environment.lower() == environment.lower()
            and (version is None or d.version == version)
        ]
        return max(hits, key=lambda d: d.version) if hits else None

    def named(self, name: str) -> list[Driver]:
        return [d for d in self._drivers.values() if d.name.lower() == name.lower()]

    def add(self, driver: Driver, flags: int = 0) -> None:
        """Install ``driver`` (replacing the installed one of the same key) after :meth:`check`."""
        self.check(driver, flags)
        self._drivers[driver.key] = driver

    def check(self, driver: Driver, flags: int = 0) -> None:
        """The checks :meth:`add` makes, without adding: version, required fields, strict flags."""
        versions = _environment_versions(driver.environment)
        if driver.version not in versions:
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER,
                f"version {driver.version} is not a {driver.environment} driver version",
            )
        required = (driver.name, driver.driver_path, driver.data_file, driver.config_file)
        if not all(required):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "driver name and files required")
        old = self._drivers.get(driver.key)
        if old is not None:
            if flags & APD.STRICT_UPGRADE and not _newer(driver, old):
                raise SpoolerError(Win32.ERROR_PRINTER_DRIVER_ALREADY_INSTALLED, "not newer")
            if flags & APD.STRICT_DOWNGRADE and not _newer(old, driver):
                raise SpoolerError(Win32.ERROR_PRINTER_DRIVER_ALREADY_INSTALLED, "not older")

    def remove(self, driver: Driver) -> None:
        del self._drivers[driver.key]


def _environment_versions(environment: str) -> tuple[int, ...]:
    for env, versions in ENVIRONMENTS.items():
        if env.lower() == (environment or "").lower():
            return versions
    raise SpoolerError(Win32.ERROR_INVALID_ENVIRONMENT, f"environment {environment!r}")


def canonical_environment(environment: str | None) -> str:
    """The environment spelled as the server spells it; ERROR_INVALID_ENVIRONMENT if unknown."""
    for env in ENVIRONMENTS:
        if env.lower() == (environment or "").lower():
            return env
    raise SpoolerError(Win32.ERROR_INVALID_ENVIRONMENT, f"environment {environment!r}")
