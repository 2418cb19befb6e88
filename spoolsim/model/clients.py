"""Client machines: the computers users print from, each with its own spooler.

Every Windows machine runs a spooler. A client's spooler is a :class:`PrintServer` of its own: the
drivers installed in it are the client's driver cache (a second connection to a printer with the
same driver downloads nothing), its files are the client's ``spool\\drivers`` tree, and it keeps
the per-machine connections (RpcAsyncAddPerMachineConnection, opnums 55-57). ``inbox`` names the
drivers the client's OS ships: a connection to a printer whose driver is in-box installs it from
the client's own store and downloads no driver files.
"""

from __future__ import annotations

import attrs

from spoolsim.model.pointprint import (
    Connection,
    DrvPrinterEvent,
    PointAndPrintDll,
    PointAndPrintPolicy,
    environment_of,
)
from spoolsim.model.pointprint import (
    os_version as _os_version,
)
from spoolsim.model.server import PrintServer


def _accept(printer: str, event: int, flags: int) -> bool:
    return True


@attrs.define
class ClientMachine:
    """One client computer.

    Args:
        name: its NetBIOS name.
        os: a name from :data:`spoolsim.model.pointprint.OS_VERSIONS` (``"Windows 10"``).
        architecture: ``x86``, ``x64`` or ``arm64``.
        inbox: driver names the OS ships.
        policy: who may install drivers through Point and Print.
        modules: client-resident Point and Print DLLs by module name.
        drv_printer_event: the DrvPrinterEvent of the drivers this client installs.
    """

    name: str
    os: str = "Windows 11"
    architecture: str = "x64"
    inbox: frozenset[str] = frozenset()
    policy: PointAndPrintPolicy = attrs.Factory(PointAndPrintPolicy)
    modules: dict[str, PointAndPrintDll] = attrs.Factory(dict)
    drv_printer_event: DrvPrinterEvent = _accept
    connections: dict[str, Connection] = attrs.Factory(dict)
    spooler: PrintServer = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        _os_version(self.os)  # refuse an unknown OS now, not at the first connection
        self.spooler = PrintServer(name=self.name, environment=self.environment)
        self.spooler.log.enabled = False

    @property
    def environment(self) -> str:
        return environment_of(self.architecture)

    @property
    def os_version(self) -> tuple[int, int]:
        return _os_version(self.os)

    def has_inbox(self, driver: str) -> bool:
        return driver.lower() in {d.lower() for d in self.inbox}

    def module(self, name: str) -> PointAndPrintDll | None:
        return self.modules.get(name.lower()) if name else None
