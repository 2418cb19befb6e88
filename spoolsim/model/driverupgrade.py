"""What installing a driver over an installed one of the same name runs into.

Both ways of installing a driver, from a package (:mod:`spoolsim.model.packageinstall`) and by
RpcAsyncAddPrinterDriver (:mod:`spoolsim.model.adddriver`), refuse some upgrades: over a class
driver, over a newer version-4 driver, over a version-4 driver shared printers use. Each applies its
own rules to what these functions find.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spoolsim.model.constants import PrinterAttributes
from spoolsim.model.drivers import Driver

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer


def shared_printers(server: PrintServer, name: str, environment: str) -> list[str]:
    """The shared printers (their names) that use driver ``name`` of ``environment``; none for
    another environment than the server's own, whose drivers its printers use."""
    if environment != server.environment:
        return []
    return [
        p.name
        for p in server.printers.values()
        if p.driver_name.lower() == name.lower() and p.attributes & PrinterAttributes.SHARED
    ]


def installed_drivers(server: PrintServer, name: str, environment: str) -> list[Driver]:
    """The installed drivers called ``name`` for ``environment`` (one for each version)."""
    return [d for d in server.drivers.named(name) if d.environment == environment]


def is_newer(a: Driver, date: int, version: int) -> bool:
    """Whether ``a`` is newer than a driver of that date and version (date first, then version)."""
    return (a.driver_date, a.driver_version) > (date, version)
